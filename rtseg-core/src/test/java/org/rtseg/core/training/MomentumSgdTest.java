package org.rtseg.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;

class MomentumSgdTest {

    /** PyTorch's torch.optim.SGD(momentum=0.9, weight_decay=0.1) with lr 1.0, 0.5, 0.25, by hand. */
    @Test
    void followsPyTorchUnderAChangingLearningRate() {
        float[] lrs = {1.0f, 0.5f, 0.25f};
        ParameterTracker tracker = (id, step) -> lrs[step - 1];
        MomentumSgd sgd = MomentumSgd.builder().learningRate(tracker).momentum(0.9f).weightDecay(0.1f).build();
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray w = m.create(new float[] {1f, -2f});
            w.setRequiresGradient(true);
            float[] grads = {0.5f, 0.25f};
            double w0 = 1, w1 = -2, b0 = 0, b1 = 0;
            for (int step = 0; step < 3; step++) {
                double g0 = grads[0] + 0.1 * w0;
                double g1 = grads[1] + 0.1 * w1;
                b0 = step == 0 ? g0 : 0.9 * b0 + g0;
                b1 = step == 0 ? g1 : 0.9 * b1 + g1;
                w0 -= lrs[step] * b0;
                w1 -= lrs[step] * b1;
                sgd.update("w", w, m.create(grads));
            }
            assertArrayEquals(new float[] {(float) w0, (float) w1}, w.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {(float) b0, (float) b1}, sgd.state().get("w").toFloatArray(), 1e-6f);
        }
    }

    @Test
    void decayOnlyExemptsTheOtherParameters() {
        try (ai.djl.ndarray.NDManager m = org.rtseg.core.Engines.pytorch().newBaseManager()) {
            MomentumSgd sgd = MomentumSgd.builder().learningRate((id, n) -> 0.1f).momentum(0.9f).weightDecay(0.5f)
                    .decayOnly(id -> id.endsWith("weight")).build();
            ai.djl.ndarray.NDArray weight = m.create(new float[] {2f});
            ai.djl.ndarray.NDArray bias = m.create(new float[] {2f});
            weight.setRequiresGradient(true);
            bias.setRequiresGradient(true);
            sgd.update("conv_weight", weight, m.create(new float[] {1f}));
            sgd.update("conv_bias", bias, m.create(new float[] {1f}));
            org.junit.jupiter.api.Assertions.assertEquals(2f - 0.1f * (1f + 0.5f * 2f), weight.getFloat(), 1e-6f);
            org.junit.jupiter.api.Assertions.assertEquals(2f - 0.1f * 1f, bias.getFloat(), 1e-6f);
        }
    }
}
