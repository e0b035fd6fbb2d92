package org.rtseg.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

/** The network trains: gradients everywhere, a falling loss, BatchNorm statistics, save/load. */
class TrainingTest {

    private static final Shape BATCH = new Shape(2, 3, 128, 256);

    @Test
    void bisenetv2TrainsOnOneBatch() {
        try (Model model = ModelDirectory.create(SupernetConfig.preset("bisenetv2"), Device.cpu());
                Trainer trainer = model.newTrainer(config(0.01f))) {
            NDManager m = model.getNDManager();
            m.getEngine().setRandomSeed(7);
            NDArray x = m.randomNormal(BATCH);
            NDArray y = labels(m, 19);
            float first = step(trainer, x, y, true);
            float last = first;
            for (int i = 1; i < 30; i++) {
                last = step(trainer, x, y, false);
            }
            assertTrue(Float.isFinite(first) && Float.isFinite(last));
            assertTrue(last < 0.65f * first, "30 steps on one batch: loss " + first + " → " + last);
        }
    }

    @Test
    void batchNormStatisticsMoveInTrainingOnly() {
        try (Model model = ModelDirectory.create(SupernetConfig.preset("bisenetv2"), Device.cpu())) {
            NDManager m = model.getNDManager();
            Parameter mean = parameter(model, "detail_S1_0_bn_runningMean");
            NDArray before = mean.getArray().duplicate();
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64)).add(3);
            model.getBlock().forward(new ParameterStore(m, false), new NDList(x), false);
            assertEquals(before, mean.getArray(), "eval forward must not touch running stats");
            model.getBlock().forward(new ParameterStore(m, false), new NDList(x), true);
            assertFalse(before.contentEquals(mean.getArray()), "training forward updates running stats");
            // PyTorch momentum 0.1: running ← 0.9·running + 0.1·batch mean.
            NDArray conv = ((Supernet) model.getBlock()).detail().getChildren().get("S1_0").getChildren().get("conv")
                    .forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            NDArray batchMean = conv.mean(new int[] {3}).mean(new int[] {2}).mean(new int[] {0});
            NDArray expected = before.mul(0.9f).add(batchMean.mul(0.1f));
            assertTrue(expected.sub(mean.getArray()).abs().max().getFloat() < 1e-4f);
        }
    }

    @Test
    void saveAndLoadGiveIdenticalOutputs(@TempDir Path dir) throws Exception {
        SupernetConfig config = org.rtseg.core.TinyConfigs.tinySupernet(5);
        try (Model model = ModelDirectory.create(config, Device.cpu());
                Trainer trainer = model.newTrainer(config(0.05f))) {
            NDManager m = model.getNDManager();
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 96));
            step(trainer, x, labels(m, 5, 2, 64, 96), false);
            ModelDirectory.save(model, dir.resolve("model"));
            NDArray expected = model.getBlock().forward(new ParameterStore(m, false), new NDList(x), false).head();
            try (Model loaded = ModelDirectory.load(dir.resolve("model"), Device.cpu())) {
                assertEquals(config, ModelDirectory.network(loaded).config());
                NDArray actual = loaded.getBlock()
                        .forward(new ParameterStore(loaded.getNDManager(), false), new NDList(x.toDevice(Device.cpu(), true)), false)
                        .head();
                assertEquals(0f, expected.sub(actual).abs().max().getFloat());
            }
        }
    }

    /** One SGD step on main + aux cross-entropy; optionally checks every gradient. */
    private static float step(Trainer trainer, NDArray x, NDArray y, boolean checkGradients) {
        float value;
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDList out = trainer.forward(new NDList(x));
            assertEquals(5, out.size(), "main + 4 aux logits in training mode");
            NDArray loss = PixelCrossEntropy.of(out.get(0), y);
            for (int i = 1; i < out.size(); i++) {
                loss = loss.add(PixelCrossEntropy.of(out.get(i), y));
            }
            gc.backward(loss);
            if (checkGradients) {
                for (Pair<String, Parameter> p : trainer.getModel().getBlock().getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        NDArray g = p.getValue().getArray().getGradient();
                        assertTrue(g.isInfinite().logicalOr(g.isNaN()).none().getBoolean(), p.getKey() + " has a non-finite gradient");
                        // The context embedding's BN shift is followed by conv + BN over the batch,
                        // which removes any per-channel constant: its gradient is exactly zero
                        // (as in PyTorch).
                        if (!p.getKey().equals("segment_ce_bn_beta")) {
                            assertTrue(g.abs().sum().getFloat() > 0, p.getKey() + " gets no gradient");
                        }
                    }
                }
            }
            value = loss.getFloat();
        }
        trainer.step();
        return value;
    }

    private static DefaultTrainingConfig config(float lr) {
        return new DefaultTrainingConfig(new PixelCrossEntropy())
                .optOptimizer(MomentumSgd.builder().learningRate(Tracker.fixed(lr)).build());
    }

    private static NDArray labels(NDManager m, int classes) {
        return labels(m, classes, BATCH.get(0), BATCH.get(2), BATCH.get(3));
    }

    /** Labels with structure (bands of classes) and some ignored pixels. */
    private static NDArray labels(NDManager m, int classes, long n, long h, long w) {
        int[] data = new int[(int) (n * h * w)];
        for (int i = 0; i < data.length; i++) {
            long row = (i / w) % h;
            long col = i % w;
            data[i] = col < 4 ? 255 : (int) ((row * classes / h + col * 2 / w) % classes);
        }
        return m.create(data, new Shape(n, h, w));
    }

    private static Parameter parameter(Model model, String name) {
        return model.getBlock().getParameters().get(name);
    }
}
