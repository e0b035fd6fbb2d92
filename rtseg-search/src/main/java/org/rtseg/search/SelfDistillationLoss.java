package org.rtseg.search;

import ai.djl.ndarray.NDArray;

/**
 * Self-distillation (paper §Boosters, eq. 10–11): the per-pixel Kullback–Leibler divergence between
 * the student's and the teacher's class distributions, KL(q_s ‖ q_t) = Σ_c q_s (log q_s − log q_t)
 * with the student first as the paper writes it, averaged over pixels. The teacher is constant.
 */
public final class SelfDistillationLoss {

    private SelfDistillationLoss() {}

    /**
     * @param student N×C×H×W logits of the network being trained
     * @param teacher N×C×H×W logits of the pretrained supernet (no gradient flows into them)
     * @return the mean per-pixel KL(q_student ‖ q_teacher)
     */
    public static NDArray of(NDArray student, NDArray teacher) {
        NDArray logS = student.logSoftmax(1);
        NDArray logT = teacher.stopGradient().logSoftmax(1);
        NDArray kl = logS.exp().mul(logS.sub(logT)).sum(new int[] {1});
        return kl.mean();
    }
}
