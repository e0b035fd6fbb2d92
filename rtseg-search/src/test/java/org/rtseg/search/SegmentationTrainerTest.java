package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

class SegmentationTrainerTest {

    private static final int CLASSES = 4;

    /** Deterministic batches: images with class-coloured bands, labels to match, some ignored. */
    static BatchSource bands(int n, int h, int w) {
        return (manager, iteration) -> {
            float[] img = new float[n * 3 * h * w];
            int[] lab = new int[n * h * w];
            java.util.SplittableRandom r = new java.util.SplittableRandom(iteration);
            for (int b = 0; b < n; b++) {
                int shift = r.nextInt(w);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int cls = ((x + shift) * CLASSES / w) % CLASSES;
                        lab[(b * h + y) * w + x] = y < 2 ? 255 : cls;
                        for (int c = 0; c < 3; c++) {
                            img[((b * 3 + c) * h + y) * w + x] = (float) ((cls == c ? 1 : -0.5) + 0.3 * r.nextGaussian());
                        }
                    }
                }
            }
            return new NDList(manager.create(img, new Shape(n, 3, h, w)), manager.create(lab, new Shape(n, h, w)));
        };
    }

    private static TrainingConfig config(int iterations, double lr) {
        return new TrainingConfig(iterations, 2, lr, 0.9, 1e-4, Math.min(2, iterations - 1), 0.9, "adam", 0.05, 0.9, 0.5, 1.0, 0.01, 5.0, 0.5, false, 0.7, 5, 5, 7);
    }

    /** A search of 10 steps split at step 5 and resumed in a fresh process state equals one run. */
    @Test
    void resumedSearchContinuesExactly(@TempDir Path dir) throws Exception {
        List<SegmentationTrainer.Step> whole = search(dir.resolve("whole"), false, 10, 1);
        search(dir.resolve("split"), false, 5, 1);
        List<SegmentationTrainer.Step> resumed = search(dir.resolve("split"), true, 10, 99);
        assertEquals(5, resumed.size(), "the resumed run starts at step 5");
        for (int i = 0; i < 5; i++) {
            SegmentationTrainer.Step a = whole.get(5 + i);
            SegmentationTrainer.Step b = resumed.get(i);
            assertEquals(a.iteration(), b.iteration());
            assertEquals(a.loss(), b.loss(), 1e-5, "step " + a.iteration());
            assertEquals(a.cost(), b.cost(), 1e-5, "cost at step " + a.iteration());
        }
        List<String> rows = Files.readAllLines(dir.resolve("split/metrics.csv"));
        assertEquals(11, rows.size(), "header + 10 steps in the metrics of the split run");
    }

    /** One search run; {@code initSeed} seeds the initial weights (a resumed run must not depend on it). */
    private static List<SegmentationTrainer.Step> search(Path work, boolean resume, long stopAfter, int initSeed) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES);
        Engines.pytorch().setRandomSeed(1234);
        try (Model teacherModel = ModelDirectory.create(cfg, Device.cpu())) {
            Engines.pytorch().setRandomSeed(initSeed);
            return search(work, resume, stopAfter, cfg, ModelDirectory.network(teacherModel));
        }
    }

    private static List<SegmentationTrainer.Step> search(Path work, boolean resume, long stopAfter, SupernetConfig cfg,
            Supernet teacher) throws Exception {
        try (Model model = ModelDirectory.create(cfg, Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 3);
            space.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            MacCost cost = new MacCost(space, new Shape(1, 3, 128, 256));
            SegmentationTrainer trainer = SegmentationTrainer.builder()
                    .phase(SegmentationTrainer.Phase.SEARCH)
                    .searchSpace(space)
                    .teacher(teacher)
                    .cost(cost, 0.05)
                    .config(config(10, 0.02))
                    .batches(bands(2, 64, 64))
                    .workDir(work)
                    .manager(m)
                    .build();
            return trainer.run(resume, stopAfter);
        }
    }

    /** Steps keep their arrays in their own scope: the model's manager does not grow with the run. */
    @Test
    void nativeMemoryDoesNotGrowWithSteps(@TempDir Path dir) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES);
        try (Model model = ModelDirectory.create(cfg, Device.cpu()); Model teacher = ModelDirectory.create(cfg, Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 3);
            space.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            SegmentationTrainer trainer = SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.SEARCH)
                    .searchSpace(space).teacher(ModelDirectory.network(teacher)).cost(new MacCost(space, new Shape(1, 3, 128, 256)), 0.05)
                    .config(config(10, 0.02)).batches(bands(2, 64, 64)).workDir(dir).manager(m).build();
            trainer.run(false, 10);
            int first = m.getManagedArrays().size();
            trainer.run(false, 10);
            // The second run creates no momentum buffers: every array it made must be gone.
            assertEquals(first, m.getManagedArrays().size(), "arrays left in the model's manager after 10 and after 20 steps");
        }
    }

    @Test
    void pretrainingMovesOnlyTheSampledPaths(@TempDir Path dir) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES);
        try (Model model = ModelDirectory.create(cfg, Device.cpu())) {
            Supernet net = ModelDirectory.network(model);
            java.util.Map<String, NDArray> before = new java.util.HashMap<>();
            net.getParameters().forEach(p -> before.put(p.getKey(), p.getValue().getArray().duplicate()));
            SegmentationTrainer trainer = SegmentationTrainer.builder()
                    .phase(SegmentationTrainer.Phase.PRETRAIN).supernet(net).config(config(1, 0.05))
                    .batches(bands(2, 64, 64)).workDir(dir).manager(model.getNDManager()).build();
            List<SegmentationTrainer.Step> rows = trainer.run(false, 1);
            assertTrue(Double.isFinite(rows.get(0).loss()));
            for (MixedBlock block : net.mixedBlocks()) {
                for (MixedBlock.Candidate c : block.candidates()) {
                    boolean moved = c.block().getParameters().stream()
                            .anyMatch(p -> !p.getValue().getArray().contentEquals(before.get(find(net, p.getValue()))));
                    if (c != block.chosen() && !c.block().getParameters().isEmpty()) {
                        assertFalse(moved, c.name() + " was not sampled: momentum and weight decay must not move it");
                    } else if (c == block.chosen() && !c.block().getParameters().isEmpty()) {
                        assertTrue(moved, c.name() + " was sampled and trained");
                    }
                }
            }
            assertTrue(Files.exists(dir.resolve("checkpoints/latest/network.params")));
        }
    }

    private static String find(Supernet net, ai.djl.nn.Parameter p) {
        return net.getParameters().stream().filter(q -> q.getValue() == p).findFirst().orElseThrow().getKey();
    }

    @Test
    void aNonFiniteLossStopsTheRunAndKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES);
        try (Model model = ModelDirectory.create(cfg, Device.cpu())) {
            Supernet net = ModelDirectory.network(model);
            TrainingConfig exploding = new TrainingConfig(20, 2, 1e6, 0.9, 0, 0, 0.9, "sgd", 0.01, 0.9, 0.01, 1, 0, 5, 0.5, false, 0.7, 1, 1, 1);
            SegmentationTrainer trainer = SegmentationTrainer.builder()
                    .phase(SegmentationTrainer.Phase.FINETUNE).supernet(net).config(exploding)
                    .batches(bands(2, 64, 64)).workDir(dir).manager(model.getNDManager()).build();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.run(false, 20));
            assertTrue(e.getMessage().contains("the loss became") && e.getMessage().contains("lower the learning rate"), e.getMessage());
            String state = Files.readString(dir.resolve("checkpoints/latest/state.json"));
            assertTrue(state.contains("\"iteration\""), "a good checkpoint is kept");
        }
    }
}
