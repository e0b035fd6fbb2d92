package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;
import org.rtseg.core.config.ConfigException;

/** Eq. 10: KL(q_student ‖ q_teacher) per pixel, summed over the pixels of an image, averaged over the batch. */
class SelfDistillationLossTest {

    private static final Shape LOGITS = new Shape(2, 3, 4, 5);

    @Test
    void sumsOverPixelsAndAveragesOverImagesAsEquationTenWrites() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray s = m.randomNormal(LOGITS);
            NDArray t = m.randomNormal(LOGITS);
            double[] perImage = klPerImage(s.toFloatArray(), t.toFloatArray());
            double sum = (perImage[0] + perImage[1]) / 2;
            double mean = sum / (4 * 5);
            assertEquals(sum, SelfDistillationLoss.of(s, t, SelfDistillationLoss.Reduction.SUM).getFloat(), 1e-4 * sum);
            assertEquals(mean, SelfDistillationLoss.of(s, t, SelfDistillationLoss.Reduction.MEAN).getFloat(), 1e-4 * mean);
            assertTrue(sum > 0.5, "random logits disagree: " + sum);
        }
    }

    @Test
    void isZeroForEqualDistributionsAndOnlyTheStudentLearns() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray s = m.randomNormal(LOGITS);
            assertEquals(0f, SelfDistillationLoss.of(s, s.add(3f), SelfDistillationLoss.Reduction.SUM).getFloat(), 1e-5f,
                    "a shift of every logit is the same distribution");
            NDArray student = m.randomNormal(LOGITS);
            NDArray teacher = m.randomNormal(LOGITS);
            student.setRequiresGradient(true);
            teacher.setRequiresGradient(true);
            try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                gc.backward(SelfDistillationLoss.of(student, teacher, SelfDistillationLoss.Reduction.SUM));
            }
            assertTrue(student.getGradient().abs().sum().getFloat() > 0);
            assertEquals(0f, teacher.getGradient().abs().sum().getFloat(), "the teacher is constant");
        }
    }

    @Test
    void reductionsParseTheirConfigNames() {
        assertEquals(SelfDistillationLoss.Reduction.SUM, SelfDistillationLoss.Reduction.of("sum"));
        assertEquals(SelfDistillationLoss.Reduction.MEAN, SelfDistillationLoss.Reduction.of("mean"));
        ConfigException e = assertThrows(ConfigException.class, () -> SelfDistillationLoss.Reduction.of("pixels"));
        assertTrue(e.getMessage().contains("kdReduction") && e.getMessage().contains("sum") && e.getMessage().contains("pixels"), e.getMessage());
    }

    /** Σ over the 4×5 pixels of each image of Σ_c q_s (log q_s − log q_t), in double. */
    private static double[] klPerImage(float[] s, float[] t) {
        double[] out = new double[2];
        int classes = 3;
        int pixels = 20;
        for (int n = 0; n < 2; n++) {
            for (int p = 0; p < pixels; p++) {
                double[] ls = logSoftmax(s, n, p, classes, pixels);
                double[] lt = logSoftmax(t, n, p, classes, pixels);
                for (int c = 0; c < classes; c++) {
                    out[n] += Math.exp(ls[c]) * (ls[c] - lt[c]);
                }
            }
        }
        return out;
    }

    private static double[] logSoftmax(float[] x, int n, int p, int classes, int pixels) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, x[(n * classes + c) * pixels + p]);
        }
        double z = 0;
        for (int c = 0; c < classes; c++) {
            z += Math.exp(x[(n * classes + c) * pixels + p] - max);
        }
        double[] out = new double[classes];
        for (int c = 0; c < classes; c++) {
            out[c] = x[(n * classes + c) * pixels + p] - max - Math.log(z);
        }
        return out;
    }
}
