package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;

/** Eq. 3–4 forward, eq. 6 backward. */
class ChannelMaskTest {

    @Test
    void aGroupKeepsItsStrongestChannel() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray c = m.create(new float[] {0.1f, 0.4f, -2f});
            assertArrayEquals(new float[] {0, 1, 0}, ChannelMask.binarize(c).toFloatArray(), 0f);
            assertArrayEquals(new int[] {1}, ChannelMask.kept(new float[] {0.1f, 0.4f, -2f}));
            assertArrayEquals(new int[] {0, 2}, ChannelMask.kept(new float[] {0.6f, 0.4f, 0.9f}));
        }
    }

    @Test
    void forwardAndExtractionKeepTheSameChannelOfTiedMaxima() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            float[] tied = {0.3f, 0.1f, 0.3f, 0.3f};
            assertArrayEquals(new int[] {0}, ChannelMask.kept(tied));
            assertArrayEquals(new float[] {1, 0, 0, 0}, ChannelMask.binarize(m.create(tied)).toFloatArray(), 0f);
        }
    }

    @Test
    void clampKeepsWeightsInTheUnitInterval() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            ChannelMask mask = new ChannelMask(4);
            mask.initialize(m, DataType.FLOAT32, new Shape(1));
            mask.weight().getArray().set(new float[] {1.7f, -0.2f, 0.4f, 1f});
            mask.clamp();
            assertArrayEquals(new float[] {1f, 0f, 0.4f, 1f}, mask.weight().getArray().toFloatArray(), 0f);
        }
    }

    @Test
    void forwardUsesTheBinarisedWeightsAndBackwardPassesStraightThrough() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            ChannelMask mask = new ChannelMask(4);
            mask.initialize(m, DataType.FLOAT32, new Shape(1));
            mask.weight().getArray().set(new float[] {0.9f, 0.2f, 0.51f, -1f});
            NDArray x = m.arange(1f, 1f + 2 * 4 * 3, 1f).reshape(2, 4, 3, 1);
            NDArray upstream = m.randomNormal(new Shape(2, 4, 3, 1));
            NDArray expectedGradAtB;
            NDArray y;
            try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                y = mask.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                gc.backward(y.mul(upstream).sum());
            }
            float[] keep = {1, 0, 1, 0};
            NDArray b = m.create(keep).reshape(1, 4, 1, 1);
            assertArrayEquals(x.mul(b).toFloatArray(), y.toFloatArray(), 0f);
            // ∂L/∂b_c = Σ upstream·x over the channel; the STE hands exactly that to c.
            expectedGradAtB = upstream.mul(x).sum(new int[] {0, 2, 3});
            assertArrayEquals(expectedGradAtB.toFloatArray(), mask.weight().getArray().getGradient().toFloatArray(), 1e-4f);
        }
    }
}
