package org.rtseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;

/** Bilinear resizing is PyTorch's {@code F.interpolate(mode="bilinear", align_corners=False)}, without antialiasing. */
class ResizeTest {

    @Test
    void halvingAveragesEachTwoByTwoBlock() {
        // align_corners=False reads source position 2d + 0.5 when halving: the mean of a 2×2 block.
        // An antialiased resize (DJL 0.36's interpolation) spreads over 4×4 and fails here.
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7) % 11;
        }
        float[] expected = new float[16];
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                expected[r * 4 + c] = (x[2 * r * 8 + 2 * c] + x[2 * r * 8 + 2 * c + 1] + x[(2 * r + 1) * 8 + 2 * c]
                        + x[(2 * r + 1) * 8 + 2 * c + 1]) / 4;
            }
        }
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray y = Resize.to(m.create(x, new Shape(1, 1, 8, 8)), 4, 4, Resize.Mode.BILINEAR);
            assertArrayEquals(expected, y.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void doublingInterpolatesBetweenPixelCentres() {
        // Output d reads source (d + 0.5)/2 − 0.5, clamped to the map: 0, 0.25, 0.75, 1 (clamped 1.25).
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray x = m.create(new float[] {0, 4, 8, 12}, new Shape(1, 1, 2, 2));
            NDArray y = new Resize(Resize.Mode.BILINEAR, 2).forward(null, new NDList(x), false).head();
            assertEquals(new Shape(1, 1, 4, 4), y.getShape());
            float[] row = {0, 1, 3, 4};
            float[] col = {0, 2, 6, 8};
            float[] expected = new float[16];
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 4; c++) {
                    expected[r * 4 + c] = col[r] + row[c];
                }
            }
            assertArrayEquals(expected, y.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void gradientSpreadsEachOutputOverItsSources() {
        // Each output's weights sum to 1, so a gradient of ones reaching the outputs sums to their count.
        Engine engine = Engines.pytorch();
        try (NDManager m = engine.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 3, 5));
            x.setRequiresGradient(true);
            try (GradientCollector gc = engine.newGradientCollector()) {
                gc.backward(Resize.to(x, 7, 4, Resize.Mode.BILINEAR).sum());
            }
            NDArray grad = x.getGradient();
            assertEquals(2 * 3 * 7 * 4, grad.sum().getFloat(), 1e-3f);
            // Output column 0 of a 5→4 resize reads source 0.125: 0.875 of input column 0, in each of the 7 output rows.
            assertEquals(0.875f * 7, grad.get("0,0,:,0").sum().getFloat(), 1e-4f);
        }
    }

    @Test
    void sameSizeIsTheInputItself() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray x = m.ones(new Shape(1, 2, 3, 4));
            assertSame(x, Resize.to(x, 3, 4, Resize.Mode.BILINEAR));
        }
    }
}
