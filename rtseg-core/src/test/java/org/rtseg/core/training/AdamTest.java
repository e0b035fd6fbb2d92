package org.rtseg.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;

class AdamTest {

    /** torch.optim.Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-8) by hand, then a restore mid-way. */
    @Test
    void followsPyTorchAndResumesFromItsState() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            Adam adam = Adam.builder().learningRate((id, n) -> 0.1f).build();
            NDArray w = m.create(new float[] {1f, -2f});
            w.setRequiresGradient(true);
            float[][] grads = {{0.5f, -1f}, {0.25f, 2f}, {-1f, 0.5f}};
            double[] ew = {1, -2};
            double[] em = new double[2];
            double[] ev = new double[2];
            Map<String, NDArray> saved = null;
            for (int t = 1; t <= 3; t++) {
                for (int i = 0; i < 2; i++) {
                    em[i] = 0.9 * em[i] + 0.1 * grads[t - 1][i];
                    ev[i] = 0.999 * ev[i] + 0.001 * grads[t - 1][i] * grads[t - 1][i];
                    double mh = em[i] / (1 - Math.pow(0.9, t));
                    double vh = ev[i] / (1 - Math.pow(0.999, t));
                    ew[i] -= 0.1 * mh / (Math.sqrt(vh) + 1e-8);
                }
                if (t == 2) {
                    saved = new java.util.HashMap<>();
                    for (var e : adam.state().entrySet()) {
                        saved.put(e.getKey(), e.getValue().duplicate());
                    }
                }
                adam.update("w", w, m.create(grads[t - 1]));
                if (t == 2) {
                    // A fresh optimiser restored from the state before step 2 repeats step 2 exactly.
                    Adam resumed = Adam.builder().learningRate((id, n) -> 0.1f).build();
                    resumed.restore(saved);
                    assertEquals(3, resumed.state().size());
                    assertArrayEquals(adam.state().get("w/m").toFloatArray(), stepped(resumed, m, grads[1]).toFloatArray(), 1e-6f);
                }
            }
            assertArrayEquals(new float[] {(float) ew[0], (float) ew[1]}, w.toFloatArray(), 1e-5f);
        }
    }

    private static NDArray stepped(Adam adam, NDManager m, float[] grad) {
        NDArray w = m.create(new float[] {0f, 0f});
        w.setRequiresGradient(true);
        adam.update("w", w, m.create(grad));
        return adam.state().get("w/m");
    }
}
