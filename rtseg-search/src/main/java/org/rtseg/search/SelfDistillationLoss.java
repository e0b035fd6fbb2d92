package org.rtseg.search;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Arrays;
import java.util.Locale;
import org.rtseg.core.config.ConfigException;

/**
 * Self-distillation (paper §Boosters, eq. 10–11): the per-pixel Kullback–Leibler divergence between
 * the student's and the teacher's class distributions, KL(q_s ‖ q_t) = Σ_c q_s (log q_s − log q_t)
 * with the student first as the paper writes it, on the prediction (the main output). The teacher
 * is constant.
 *
 * <p>Eq. 10 sums the divergence over all pixels R of an image; with λ = 0.001 (§Experiments) the
 * term then weighs as much as the cross-entropy at about a thousand pixels of disagreement, at any
 * crop size. {@link Reduction#MEAN} averages over pixels instead, which shrinks the term by the pixel
 * count (about 5·10⁵ at 512×1024): kept as an option for comparison, not the paper's setting.
 */
public final class SelfDistillationLoss {

    /** How the per-pixel divergences of a batch become one number. */
    public enum Reduction {
        /** Eq. 10: the sum over the pixels of each image, averaged over the images of the batch. */
        SUM,
        /** The mean over every pixel of the batch. */
        MEAN;

        /**
         * The name in run configs ({@code sum}, {@code mean}).
         *
         * @return the constant's name in lower case
         */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Parses a config name, naming the valid ones on failure.
         *
         * @param name {@code sum} or {@code mean}, lower case
         * @return the reduction of that name
         * @throws ConfigException when {@code name} is neither
         */
        @JsonCreator
        public static Reduction of(String name) {
            for (Reduction r : values()) {
                if (r.configName().equals(name)) {
                    return r;
                }
            }
            throw new ConfigException("kdReduction must be one of " + Arrays.stream(values()).map(Reduction::configName).toList()
                    + ", was " + name);
        }
    }

    private SelfDistillationLoss() {}

    /**
     * @param student N×C×H×W logits of the network being trained
     * @param teacher N×C×H×W logits of the supernet (no gradient flows into them)
     * @param reduction how the per-pixel divergences are reduced
     * @return KL(q_student ‖ q_teacher), reduced
     */
    public static NDArray of(NDArray student, NDArray teacher, Reduction reduction) {
        NDArray logS = student.logSoftmax(1);
        NDArray logT = teacher.stopGradient().logSoftmax(1);
        NDArray kl = logS.exp().mul(logS.sub(logT)).sum(new int[] {1});
        return reduction == Reduction.SUM ? kl.sum(new int[] {1, 2}).mean() : kl.mean();
    }
}
