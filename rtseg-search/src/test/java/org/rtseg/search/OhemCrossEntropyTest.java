package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;
import org.rtseg.core.training.PixelCrossEntropy;

/** OHEM keeps the pixels above the loss threshold, or the hardest sixteenth when fewer are. */
class OhemCrossEntropyTest {

    private static final int CLASSES = 4;

    @Test
    void manyHardPixelsAllCountAndNoMore() {
        // Flat logits: every pixel's loss is log 4 > −log 0.7, so all labelled pixels are hard.
        check(0f, 0.7, 0.25);
    }

    @Test
    void fewHardPixelsGiveTheHardestSixteenth() {
        // Confident, mostly right logits: a handful of pixels are hard, fewer than a sixteenth.
        check(6f, 0.7, 0.01);
    }

    @Test
    void thresholdOutsideTheOpenUnitIntervalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OhemCrossEntropy(1.0));
        assertThrows(IllegalArgumentException.class, () -> new OhemCrossEntropy(0.0));
    }

    /**
     * Compares with the rule computed directly: per-pixel −log softmax of the true class over the
     * labelled pixels; the mean of those above −log(threshold) when there are at least n/16 of
     * them, else the mean of the n/16 largest.
     */
    private static void check(float confidence, double threshold, double wrongFraction) {
        int n = 2;
        int h = 16;
        int w = 24;
        Random random = new Random(7);
        float[] logits = new float[n * CLASSES * h * w];
        float[] labels = new float[n * h * w];
        for (int b = 0; b < n; b++) {
            for (int p = 0; p < h * w; p++) {
                int label = random.nextInt(CLASSES);
                labels[b * h * w + p] = random.nextInt(10) == 0 ? PixelCrossEntropy.IGNORE : label;
                int favoured = random.nextDouble() < wrongFraction ? (label + 1) % CLASSES : label;
                for (int c = 0; c < CLASSES; c++) {
                    logits[((b * CLASSES + c) * h * w) + p] = (c == favoured ? confidence : 0f) + 0.3f * (float) random.nextGaussian();
                }
            }
        }
        double expected = expected(logits, labels, n, h * w, threshold);
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray x = m.create(logits, new Shape(n, CLASSES, h, w));
            NDArray y = m.create(labels, new Shape(n, h, w));
            assertEquals(expected, new OhemCrossEntropy(threshold).of(x, y).getFloat(), 1e-4);
        }
    }

    private static double expected(float[] logits, float[] labels, int n, int pixels, double threshold) {
        double[] losses = new double[n * pixels];
        int count = 0;
        for (int b = 0; b < n; b++) {
            for (int p = 0; p < pixels; p++) {
                int label = (int) labels[b * pixels + p];
                if (label == PixelCrossEntropy.IGNORE) {
                    continue;
                }
                double sum = 0;
                for (int c = 0; c < CLASSES; c++) {
                    sum += Math.exp(logits[(b * CLASSES + c) * pixels + p]);
                }
                losses[count++] = Math.log(sum) - logits[(b * CLASSES + label) * pixels + p];
            }
        }
        double[] labelled = Arrays.copyOf(losses, count);
        double cut = -Math.log(threshold);
        double[] hard = Arrays.stream(labelled).filter(l -> l > cut).toArray();
        int minKept = Math.max(1, count / 16);
        if (hard.length >= minKept) {
            return Arrays.stream(hard).average().orElseThrow();
        }
        Arrays.sort(labelled);
        return Arrays.stream(labelled, count - minKept, count).average().orElseThrow();
    }
}
