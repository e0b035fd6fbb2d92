package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.Engines;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

/**
 * Data-parallel training, checked on two replicas of the CPU (the code path is the one several GPUs
 * take): the update is the average of the shards' gradients and the schedule counts steps.
 */
class DataParallelTrainingTest {

    private static final int CLASSES = 4;
    private static final List<Device> TWO = List.of(Device.cpu(), Device.cpu());

    private static TrainingConfig config(int iterations) {
        return TrainingConfig.builder().iterations(iterations).batchSize(2).learningRate(0.05).weightDecay(1e-4).archLearningRate(0.05)
                .beta(0.5).lambda(0.01).kdReduction(SelfDistillationLoss.Reduction.MEAN).logEvery(5).checkpointEvery(5).seed(7).build();
    }

    /** Shard 0 gets images [a, b], shard 1 [c, d]: one step over both averages their gradients. */
    @Test
    void oneStepAppliesTheMeanOfTheShardsGradients(@TempDir Path dir) throws Exception {
        BatchSource four = SegmentationTrainerTest.bands(4, 32, 32);
        Map<String, float[]> both = pretrainStep(dir.resolve("both"), four, TWO);
        Map<String, float[]> first = pretrainStep(dir.resolve("first"), half(four, 0), List.of(Device.cpu()));
        Map<String, float[]> second = pretrainStep(dir.resolve("second"), half(four, 1), List.of(Device.cpu()));
        int trained = 0;
        for (String name : both.keySet()) {
            float[] a = first.get(name);
            float[] b = second.get(name);
            float[] expected = new float[a.length];
            if (name.endsWith("runningMean") || name.endsWith("runningVar")) {
                expected = a; // as in DDP, the first replica's BatchNorm statistics are kept
            } else {
                for (int i = 0; i < a.length; i++) {
                    expected[i] = (a[i] + b[i]) / 2;
                }
                trained++;
            }
            assertArrayEquals(expected, both.get(name), name);
        }
        assertTrue(trained > 50, "weights compared: " + trained);
    }

    /**
     * Both replicas given the same images train exactly like one device on them, step after step:
     * the mirrors start equal, get the new weights after every step, the loss is averaged (not
     * summed) and the learning rate follows the step count.
     */
    @Test
    void replicasOfTheSameImagesTrainLikeOneDevice(@TempDir Path dir) throws Exception {
        BatchSource two = SegmentationTrainerTest.bands(2, 32, 32);
        BatchSource twice = (m, i) -> {
            NDList b = two.batch(m, i);
            return new NDList(NDArrays.concat(new NDList(b.get(0), b.get(0))), NDArrays.concat(new NDList(b.get(1), b.get(1))));
        };
        Result one = search(dir.resolve("one"), two, List.of(Device.cpu()));
        Result both = search(dir.resolve("both"), twice, TWO);
        for (int i = 0; i < one.steps().size(); i++) {
            SegmentationTrainer.Step a = one.steps().get(i);
            SegmentationTrainer.Step b = both.steps().get(i);
            assertEquals(a.lr(), b.lr(), 0, "learning rate at step " + i);
            assertEquals(a.loss(), b.loss(), 1e-5, "loss at step " + i);
            assertEquals(a.cost(), b.cost(), 1e-5, "cost at step " + i);
        }
        for (String name : one.parameters().keySet()) {
            assertArrayEquals(one.parameters().get(name), both.parameters().get(name), name);
        }
    }

    @Test
    void aBatchThatDoesNotSplitEvenlyIsRefused(@TempDir Path dir) {
        BatchSource three = SegmentationTrainerTest.bands(3, 32, 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pretrainStep(dir, three, TWO));
        assertTrue(e.getMessage().contains("does not split evenly over 2 devices"), e.getMessage());
    }

    private record Result(List<SegmentationTrainer.Step> steps, Map<String, float[]> parameters) {}

    private static Map<String, float[]> pretrainStep(Path work, BatchSource batches, List<Device> devices) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES, 0);
        Engines.pytorch().setRandomSeed(11);
        try (Model model = ModelDirectory.create(cfg, Device.cpu())) {
            Supernet net = ModelDirectory.network(model);
            SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.PRETRAIN).supernet(net).config(config(1)).batches(batches)
                    .workDir(work).manager(model.getNDManager()).devices(devices).build().run(false, 1);
            return values(net.getParameters());
        }
    }

    private static Result search(Path work, BatchSource batches, List<Device> devices) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES, 0);
        Engines.pytorch().setRandomSeed(5);
        try (Model teacher = ModelDirectory.create(cfg, Device.cpu()); Model model = ModelDirectory.create(cfg, Device.cpu())) {
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 3);
            space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 64, 64));
            List<SegmentationTrainer.Step> steps = SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.SEARCH).searchSpace(space)
                    .teacher(ModelDirectory.network(teacher)).cost(new MacCost(space, new Shape(1, 3, 128, 256)), 0.05).config(config(4))
                    .batches(batches).workDir(work).manager(model.getNDManager()).devices(devices).build().run(false, 4);
            return new Result(steps, values(space.getParameters()));
        }
    }

    private static BatchSource half(BatchSource four, int part) {
        return (m, i) -> {
            NDList b = four.batch(m, i);
            NDIndex index = new NDIndex("{}:{}", 2 * part, 2 * part + 2);
            return new NDList(b.get(0).get(index), b.get(1).get(index));
        };
    }

    private static Map<String, float[]> values(ai.djl.util.PairList<String, Parameter> parameters) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : parameters) {
            NDArray a = p.getValue().getArray();
            out.put(p.getKey(), a.toType(DataType.FLOAT32, false).toFloatArray());
        }
        return out;
    }

    private static void assertArrayEquals(float[] expected, float[] actual, String name) {
        assertEquals(expected.length, actual.length, name);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 + 1e-5 * Math.abs(expected[i]), name + "[" + i + "]");
        }
    }
}
