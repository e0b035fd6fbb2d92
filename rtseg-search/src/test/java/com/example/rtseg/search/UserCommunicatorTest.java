package com.example.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.search.BatchSource;
import org.rtseg.search.SegmentationTrainer;
import org.rtseg.search.TrainingConfig;

/**
 * A communicator of the user's own given to the trainer: one that plays two identical ranks (the
 * second rank's gradient a copy of the first's), so that training must equal one process's, and
 * that counts what the trainer exchanges — one allreduce per step of every trainable float and the
 * loss terms.
 */
class UserCommunicatorTest {

    /** Rank 0 of two whose partner always holds the same values. */
    static final class Mirrored implements Communicator {
        int allReduces;
        long floats;

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 2;
        }

        @Override
        public void allReduceSum(FloatBuffer values) {
            allReduces++;
            floats = values.capacity();
            for (int i = 0; i < values.capacity(); i++) {
                values.put(i, 2 * values.get(i));
            }
        }

        @Override
        public void broadcast(ByteBuffer bytes) {}

        @Override
        public long[] allGather(long value) {
            return new long[] {value, value};
        }

        @Override
        public void barrier() {}

        @Override
        public void abort(int code) {
            throw new AssertionError("aborted with " + code);
        }
    }

    private static final SupernetConfig NETWORK = SupernetConfig.fromJson("""
            {"name": "user", "numClasses": 3,
             "detail": {"stages": [[8], [8], [8]]},
             "segment": {"stemChannels": 8, "stages": [
               {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}, {"type": "skip"}]}]},
               {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}}, "blocks": []},
               {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}}, "blocks": []}]},
             "head": {"channels": 8, "dropout": 0},
             "aux": {"enabled": true, "channels": 8, "dropout": 0}}
            """, "user");

    @Test
    void theTrainerExchangesOneFlatBufferPerStepAndTrainsAsOneProcess(@TempDir Path dir) throws Exception {
        Map<String, float[]> alone = pretrain(dir.resolve("alone"), Communicator.single());
        Mirrored mirrored = new Mirrored();
        Map<String, float[]> two = pretrain(dir.resolve("two"), mirrored);
        for (String name : alone.keySet()) {
            assertArrayEquals(alone.get(name), two.get(name), name);
        }
        assertEquals(3, mirrored.allReduces, "one allreduce per step");
        long trainable;
        try (Model model = ModelDirectory.create(NETWORK, Device.cpu(), 1)) {
            trainable = model.getBlock().getParameters().stream().map(Pair::getValue).filter(Parameter::requiresGradient)
                    .mapToLong(p -> p.getArray().size()).sum();
        }
        assertEquals(trainable + 9, mirrored.floats, "every trainable float and the 9 terms of a metrics row");
    }

    private static Map<String, float[]> pretrain(Path work, Communicator processes) throws Exception {
        TrainingConfig training = TrainingConfig.builder().iterations(3).batchSize(2).learningRate(0.05).warmupIterations(0).seed(4).build();
        BatchSource batches = (manager, iteration) -> {
            SplittableRandom random = new SplittableRandom(iteration);
            float[] images = new float[2 * 3 * 32 * 32];
            int[] labels = new int[2 * 32 * 32];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < labels.length; i++) {
                labels[i] = random.nextInt(3);
            }
            return new NDList(manager.create(images, new Shape(2, 3, 32, 32)), manager.create(labels, new Shape(2, 32, 32)));
        };
        try (Model model = ModelDirectory.create(NETWORK, Device.cpu(), 1)) {
            SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.PRETRAIN).supernet(ModelDirectory.network(model)).config(training)
                    .batches(batches).workDir(work).manager(model.getNDManager()).processes(processes).progress(null).build().run(false, 3);
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                values.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
            return values;
        }
    }
}
