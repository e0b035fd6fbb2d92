package org.rtseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rtseg.core.Engines;

/** The TorchScript operations of the deploy graph compute what the eager operations compute. */
class FusedOpsTest {

    @ParameterizedTest(name = "{0}→{1} k{2} s{3} groups {4}")
    @CsvSource({"3, 8, 3, 2, 1", "8, 8, 3, 1, 8", "8, 16, 1, 1, 1", "6, 12, 3, 2, 3"})
    void convReluEqualsEagerConvolutionThenRelu(int in, int out, int kernel, int stride, int groups) {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, in, 9, 14));
            NDArray weight = m.randomNormal(new Shape(out, in / groups, kernel, kernel));
            NDArray bias = m.randomNormal(new Shape(out));
            int pad = kernel / 2;
            NDArray eager = Conv2d.conv2d(x, weight, bias, new Shape(stride, stride), new Shape(pad, pad), new Shape(1, 1), groups)
                    .singletonOrThrow().getNDArrayInternal().relu();
            NDArray fused = FusedOps.conv2dRelu(x, weight, bias, stride, pad, groups);
            assertEquals(eager.getShape(), fused.getShape());
            assertArrayEquals(eager.toFloatArray(), fused.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void batchNormReluEqualsEagerInferenceBatchNormThenRelu() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 5, 6, 7));
            NDArray gamma = m.randomNormal(new Shape(5));
            NDArray beta = m.randomNormal(new Shape(5));
            NDArray mean = m.randomNormal(new Shape(5));
            NDArray variance = m.randomUniform(0.1f, 2f, new Shape(5));
            float[] statistics = mean.toFloatArray();
            NDArray eager = BatchNorm.batchNorm(x, mean, variance, gamma, beta, 1, 0.9f, 1e-3f, false)
                    .singletonOrThrow().getNDArrayInternal().relu();
            NDArray fused = FusedOps.batchNormRelu(x, gamma, beta, mean, variance, 1e-3);
            assertArrayEquals(eager.toFloatArray(), fused.toFloatArray(), 1e-5f);
            assertArrayEquals(statistics, mean.toFloatArray(), 0f, "the running statistics are read, not updated");
        }
    }

    @Test
    void inferenceOnlyOutsideTrainingAndGradientRecording() {
        Engines.pytorch();
        assertTrue(FusedOps.inference(false));
        assertFalse(FusedOps.inference(true));
        try (GradientCollector collector = Engines.pytorch().newGradientCollector()) {
            assertFalse(FusedOps.inference(false), "an eval pass under a gradient collector keeps to autograd's operations");
        }
    }

    @Test
    void channelsLastKeepsShapeAndValues() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 4, 5));
            NDArray nhwc = FusedOps.channelsLast(x);
            assertEquals(x.getShape(), nhwc.getShape());
            assertArrayEquals(x.toFloatArray(), nhwc.toFloatArray());
            // Element-wise results keep the layout of their input; DJL reads them in NCHW order.
            assertArrayEquals(x.mul(2).toFloatArray(), nhwc.mul(2).toFloatArray());
        }
    }
}
