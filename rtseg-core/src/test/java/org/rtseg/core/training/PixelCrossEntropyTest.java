package org.rtseg.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;

class PixelCrossEntropyTest {

    @Test
    void crossEntropyIgnores255AndAveragesOverLabelledPixels() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            // 1 image, 2 classes, 1×3 pixels; the last pixel is ignored.
            NDArray logits = m.create(new float[] {2f, 0f, 5f, 0f, 1f, -5f}, new Shape(1, 2, 1, 3));
            NDArray labels = m.create(new int[] {0, 1, 255}, new Shape(1, 1, 3));
            double l0 = -Math.log(Math.exp(2) / (Math.exp(2) + Math.exp(0)));
            double l1 = -Math.log(Math.exp(1) / (Math.exp(0) + Math.exp(1)));
            assertEquals((l0 + l1) / 2, PixelCrossEntropy.of(logits, labels).getFloat(), 1e-6);
            NDArray none = m.create(new int[] {255, 255, 255}, new Shape(1, 1, 3));
            assertEquals(0f, PixelCrossEntropy.of(logits, none).getFloat(), 1e-9, "all ignored: zero, not NaN");
        }
    }
}
