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
        return TrainingConfig.builder().iterations(iterations).batchSize(2).learningRate(lr).weightDecay(1e-4)
                .warmupIterations(Math.min(2, iterations - 1)).archLearningRate(0.05).beta(0.5).lambda(0.01)
                .kdReduction(SelfDistillationLoss.Reduction.MEAN).logEvery(5).checkpointEvery(5).seed(7).build();
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

    /**
     * The search phase moves the architecture, and β·|cost − target|² is part of its loss: two
     * searches from the same weights differ by exactly β·reg at their first step, and their masks
     * part after it. Each weighted term of eq. 12 is in metrics.csv.
     */
    @Test
    void searchMovesPathLogitsAndMasksAndTheCostTermEntersTheLoss(@TempDir Path dir) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES, 0);
        Engines.pytorch().setRandomSeed(77);
        try (Model init = ModelDirectory.create(cfg, Device.cpu()); Model teacher = ModelDirectory.create(cfg, Device.cpu())) {
            Searched without = searched(dir.resolve("beta0"), init, teacher, 0);
            Searched with = searched(dir.resolve("beta50"), init, teacher, 50);
            SegmentationTrainer.Step a = without.steps().get(0);
            SegmentationTrainer.Step b = with.steps().get(0);
            assertTrue(b.betaReg() > 0.1 * b.loss(), "the target is far: β·reg " + b.betaReg() + " of loss " + b.loss());
            assertEquals(50 * b.reg(), b.betaReg(), 1e-6 * b.betaReg());
            assertEquals(b.ce() + b.gammaAux() + b.lambdaKd() + b.betaReg(), b.loss(), 1e-4 * b.loss());
            assertEquals(0.01 * b.kd(), b.lambdaKd(), 1e-9 + 1e-6 * b.kd());
            assertEquals(b.aux(), b.gammaAux(), 1e-9, "γ = 1");
            assertEquals(b.betaReg(), b.loss() - a.loss(), 1e-4 * b.loss(), "the same weights and batch: only β·reg differs");
            assertTrue(with.alphaMoved(), "search updates the path logits α");
            assertTrue(with.masksMoved() > 0.5, "search updates the mask weights: " + with.masksMoved() + " of the masks moved");
            assertFalse(java.util.Arrays.equals(without.masks(), with.masks()), "the cost term changes the masks' updates");
            for (float c : with.masks()) {
                assertTrue(c >= 0 && c <= 1, "mask weights stay in [0, 1]: " + c);
            }
            String header = Files.readAllLines(dir.resolve("beta50/metrics.csv")).get(0);
            assertTrue(header.contains("gamma_aux,lambda_kd,beta_reg"), header);
        }
    }

    private record Searched(List<SegmentationTrainer.Step> steps, float[] masks, boolean alphaMoved, double masksMoved) {}

    private static Searched searched(Path work, Model init, Model teacher, double beta) throws Exception {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(CLASSES, 0), Device.cpu())) {
            copy(init, model);
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 3);
            space.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            MacCost cost = new MacCost(space, new Shape(1, 3, 512, 1024));
            double full = cost.cost(space, new ai.djl.training.ParameterStore(m, false)).getFloat();
            List<SegmentationTrainer.Step> steps = SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.SEARCH).searchSpace(space)
                    .teacher(ModelDirectory.network(teacher)).cost(cost, 0.4 * full)
                    .config(config(3, 0.02).toBuilder().beta(beta).build()).batches(bands(2, 64, 64)).workDir(work).manager(m).build()
                    .run(false, 3);
            boolean alpha = space.choices().stream().anyMatch(c -> c.logits().getArray().abs().sum().getFloat() > 0);
            int moved = 0;
            java.util.List<Float> all = new java.util.ArrayList<>();
            for (ChannelMask mask : space.masks()) {
                float[] c = mask.weight().getArray().toFloatArray();
                boolean changed = false;
                for (float v : c) {
                    all.add(v);
                    changed |= v != 1f;
                }
                moved += changed ? 1 : 0;
            }
            float[] masks = new float[all.size()];
            for (int i = 0; i < masks.length; i++) {
                masks[i] = all.get(i);
            }
            return new Searched(steps, masks, alpha, (double) moved / space.masks().size());
        }
    }

    /** Eq. 10 distils the main prediction: the step's KD is the divergence of the main logits alone. */
    @Test
    void distillationIsOnTheMainOutput(@TempDir Path dir) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES, 0);
        Engines.pytorch().setRandomSeed(11);
        try (Model model = ModelDirectory.create(cfg, Device.cpu()); Model teacher = ModelDirectory.create(cfg, Device.cpu())) {
            NDManager m = model.getNDManager();
            Supernet student = ModelDirectory.network(model);
            double expected;
            try (NDManager scope = m.newSubManager()) {
                NDArray x = bands(2, 64, 64).batch(scope, 0).get(0);
                ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(scope, false);
                NDArray s = student.logits(ps, x, true, false).head();
                NDArray t = ModelDirectory.network(teacher).logits(ps, x, false, false).head();
                expected = SelfDistillationLoss.of(s, t, SelfDistillationLoss.Reduction.SUM).getFloat();
            }
            SegmentationTrainer.Step row = SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.FINETUNE).supernet(student)
                    .teacher(ModelDirectory.network(teacher)).config(config(1, 0.01).toBuilder().kdReduction(SelfDistillationLoss.Reduction.SUM)
                            .build()).batches(bands(2, 64, 64)).workDir(dir).manager(m).build().run(false, 1).get(0);
            assertEquals(expected, row.kd(), 1e-3 * expected);
        }
    }

    /** The reference recipe: weight decay on convolution weights, not on biases and norm parameters. */
    @Test
    void weightDecayLeavesBiasesAndNormsAlone(@TempDir Path dir) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES, 0);
        Engines.pytorch().setRandomSeed(5);
        try (Model init = ModelDirectory.create(cfg, Device.cpu())) {
            java.util.Map<String, float[]> plain = finetuneStep(dir.resolve("wd0"), init, 0);
            java.util.Map<String, float[]> decayed = finetuneStep(dir.resolve("wd"), init, 0.5);
            int conv = 0;
            for (String name : plain.keySet()) {
                boolean oneDimensional = name.endsWith("_gamma") || name.endsWith("_beta") || name.endsWith("_bias");
                if (oneDimensional) {
                    assertTrue(java.util.Arrays.equals(plain.get(name), decayed.get(name)), name + " must not decay");
                } else if (name.endsWith("conv_weight") && !name.contains("_mixed")) { // unchosen paths do not move at all
                    assertFalse(java.util.Arrays.equals(plain.get(name), decayed.get(name)), name + " decays");
                    conv++;
                }
            }
            assertTrue(conv > 10, "convolution weights compared: " + conv);
        }
    }

    private static java.util.Map<String, float[]> finetuneStep(Path work, Model init, double weightDecay) throws Exception {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(CLASSES, 0), Device.cpu())) {
            copy(init, model);
            SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.FINETUNE).supernet(ModelDirectory.network(model))
                    .config(config(1, 0.05).toBuilder().weightDecay(weightDecay).build()).batches(bands(2, 64, 64)).workDir(work)
                    .manager(model.getNDManager()).build().run(false, 1);
            java.util.Map<String, float[]> values = new java.util.TreeMap<>();
            ModelDirectory.network(model).getParameters().forEach(p -> values.put(p.getKey(), p.getValue().getArray().toFloatArray()));
            return values;
        }
    }

    private static void copy(Model from, Model to) {
        var source = from.getBlock().getParameters();
        var target = to.getBlock().getParameters();
        for (int i = 0; i < source.size(); i++) {
            target.get(i).getValue().getArray().set(source.get(i).getValue().getArray().toFloatArray());
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
            TrainingConfig exploding = TrainingConfig.builder().iterations(20).batchSize(2).learningRate(1e6).weightDecay(0)
                    .archOptimizer("sgd").lambda(0).logEvery(1).checkpointEvery(1).seed(1).build();
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
