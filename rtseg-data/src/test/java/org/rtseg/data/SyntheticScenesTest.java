package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Record;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.rtseg.data.eval.ConfusionMatrix;
import org.rtseg.data.eval.SegmentationMetrics;

class SyntheticScenesTest {

    private static SyntheticScenes scenes(long seed, int h, int w, int classes) {
        return SyntheticScenes.builder().optSeed(seed).optImageSize(h, w).optNumClasses(classes).build();
    }

    @Test
    void scenesAreAPureFunctionOfSeedAndIndex() {
        SyntheticScenes a = scenes(1, 64, 128, 8);
        SyntheticScenes b = scenes(1, 64, 128, 8);
        assertArrayEquals(a.load(3).image().pixels(), b.load(3).image().pixels());
        assertArrayEquals(a.load(3).label().values(), b.load(3).label().values());
        assertFalse(java.util.Arrays.equals(a.load(3).label().values(), a.load(4).label().values()));
        assertFalse(java.util.Arrays.equals(a.load(3).image().pixels(), scenes(2, 64, 128, 8).load(3).image().pixels()));
    }

    @Test
    void anySizeAndClassCount() {
        for (int classes : new int[] {2, 3, 8, 12}) {
            SyntheticScenes data = scenes(0, 16, 24, classes);
            BitSet seen = new BitSet();
            for (int i = 0; i < 60; i++) {
                for (byte v : scenes(0, 48, 96, classes).load(i).label().values()) {
                    seen.set(v & 0xFF);
                }
            }
            assertEquals(classes, seen.cardinality(), "every class is drawn, no other value: " + seen);
            assertEquals(classes, data.format().numClasses());
            assertEquals(16, data.load(0).image().height());
        }
        assertEquals("object9", scenes(0, 16, 16, 12).classNames().get(9));
        LabeledImage big = scenes(0, 1024, 2048, 19).load(0);
        assertEquals(2048, big.image().width());
    }

    @Test
    void labelsAreSpatiallyCoherent() {
        SyntheticScenes data = scenes(0, 64, 128, 8);
        long same = 0;
        long pairs = 0;
        for (int i = 0; i < 20; i++) {
            LabelMap l = data.load(i).label();
            for (int y = 0; y < l.height(); y++) {
                for (int x = 1; x < l.width(); x++) {
                    same += l.get(x, y) == l.get(x - 1, y) ? 1 : 0;
                    pairs++;
                }
            }
        }
        assertTrue(same > 0.9 * pairs, "neighbouring pixels mostly share a class: " + (double) same / pairs);
    }

    /** A per-pixel colour classifier (nearest class mean in RGB) fails: colour alone does not solve it. */
    @Test
    void colourAloneDoesNotSolveIt() {
        double miou = colourOnlyMeanIoU(scenes(1, 64, 128, 8), scenes(2, 64, 128, 8));
        assertTrue(miou < 0.35, "colour-only mIoU must be far below 1: " + miou);
    }

    static double colourOnlyMeanIoU(SyntheticScenes train, SyntheticScenes test) {
        int n = train.format().numClasses();
        double[][] mean = new double[n][3];
        long[] count = new long[n];
        for (int i = 0; i < 40; i++) {
            LabeledImage s = train.load(i);
            for (int p = 0; p < s.label().values().length; p++) {
                int c = s.label().values()[p] & 0xFF;
                for (int k = 0; k < 3; k++) {
                    mean[c][k] += s.image().pixels()[3 * p + k] & 0xFF;
                }
                count[c]++;
            }
        }
        for (int c = 0; c < n; c++) {
            for (int k = 0; k < 3; k++) {
                mean[c][k] /= Math.max(1, count[c]);
            }
        }
        ConfusionMatrix matrix = new ConfusionMatrix(n);
        for (int i = 0; i < 40; i++) {
            LabeledImage s = test.load(i);
            int[] pred = new int[s.label().values().length];
            for (int p = 0; p < pred.length; p++) {
                double best = Double.MAX_VALUE;
                for (int c = 0; c < n; c++) {
                    double d = 0;
                    for (int k = 0; k < 3; k++) {
                        double e = (s.image().pixels()[3 * p + k] & 0xFF) - mean[c][k];
                        d += e * e;
                    }
                    if (d < best) {
                        best = d;
                        pred[p] = c;
                    }
                }
            }
            matrix.update(s.label().toIntArray(), pred);
        }
        return SegmentationMetrics.of(matrix, train.format()).meanIoU();
    }

    private static Block conv(int filters, int dilation) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(dilation, dilation)).optDilation(new Shape(dilation, dilation)).build();
    }

    /**
     * A five-layer dilated CNN (about 25 k parameters) trained for 200 steps on CPU learns the scenes far
     * beyond the colour-only baseline: they have learnable structure, they are not noise.
     */
    @Test
    void aSmallNetworkLearnsThemWell() throws IOException {
        int h = 32;
        int w = 64;
        int batchSize = 8;
        SyntheticScenes train = SyntheticScenes.builder().optSeed(1).optImageSize(h, w).optNumSamples(1600).build();
        SyntheticScenes test = scenes(2, h, w, 8);
        SequentialBlock net = new SequentialBlock()
                .add(conv(16, 1)).add(Activation::relu)
                .add(conv(32, 2)).add(Activation::relu)
                .add(conv(32, 4)).add(Activation::relu)
                .add(conv(32, 8)).add(Activation::relu)
                .add(Conv2d.builder().setFilters(8).setKernelShape(new Shape(1, 1)).build());
        try (Model model = Model.newInstance("synthetic-probe")) {
            model.setBlock(net);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(batchSize, 3, h, w));
                for (int step = 0; step < 200; step++) {
                    try (NDManager batch = trainer.getManager().newSubManager()) {
                        NDList images = new NDList();
                        NDList labels = new NDList();
                        for (int i = 0; i < batchSize; i++) {
                            Record r = train.get(batch, step * batchSize + i);
                            images.add(r.getData().head());
                            labels.add(r.getLabels().head());
                        }
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDArray logits = trainer.forward(new NDList(NDArrays.stack(images))).head();
                            NDArray target = NDArrays.stack(labels).oneHot(8).transpose(0, 3, 1, 2);
                            collector.backward(logits.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg());
                        }
                        trainer.step();
                    }
                }
                ConfusionMatrix matrix = new ConfusionMatrix(8);
                for (int i = 0; i < 32; i++) {
                    try (NDManager one = trainer.getManager().newSubManager()) {
                        Record r = test.get(one, i);
                        NDArray logits = trainer.evaluate(new NDList(r.getData().head().expandDims(0))).head();
                        matrix.update(r.getLabels().head(), logits.argMax(1).squeeze(0));
                    }
                }
                double learned = SegmentationMetrics.of(matrix, test.format()).meanIoU();
                double colourOnly = colourOnlyMeanIoU(scenes(1, h, w, 8), test);
                assertTrue(learned > 0.55 && learned > colourOnly + 0.3,
                        "small CNN mIoU " + learned + " vs colour-only " + colourOnly);
            }
        }
    }
}
