package org.rtseg.core.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;
import org.rtseg.core.nn.ConvBnAct;

/** One conv → BN pair against the single convolution it folds into. */
class BatchNormFoldingTest {

    @Test
    void foldedConvolutionEqualsConvolutionThenBatchNorm() {
        check(ConvBnAct.builder(6, 8).kernel(3).stride(2).noActivation());
        check(ConvBnAct.builder(6, 12).groups(3));
        check(ConvBnAct.builder(6, 6).depthwise().bias());
    }

    @Test
    void mismatchedSizesAreRejected() {
        float[] four = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.fold(new float[10], null, four, four, four, four, 1e-5));
        assertTrue(e.getMessage().contains("BatchNorm of 4 channels"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.fold(new float[8], new float[3], four, four, four, four, 1e-5));
    }

    @Test
    void normCannotBeRemovedAfterInitialisation() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            ConvBnAct unit = ConvBnAct.builder(2, 2).build();
            unit.initialize(m, DataType.FLOAT32, new Shape(1, 2, 4, 4));
            assertThrows(IllegalStateException.class, unit::removeNormForFolding);
        }
    }

    private static void check(ConvBnAct.Builder builder) {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            ConvBnAct original = builder.build();
            Shape input = new Shape(2, original.inChannels(), 9, 11);
            original.initialize(m, DataType.FLOAT32, input);
            Block conv = original.getChildren().get("conv");
            Block bn = original.getChildren().get("bn");
            int c = original.outChannels();
            set(bn, "gamma", m.randomUniform(0.5f, 1.5f, new Shape(c)));
            set(bn, "beta", m.randomNormal(new Shape(c)));
            set(bn, "runningMean", m.randomNormal(new Shape(c)));
            set(bn, "runningVar", m.randomUniform(0.1f, 3f, new Shape(c)));
            if (original.hasBias()) {
                set(conv, "bias", m.randomNormal(new Shape(c)));
            }

            ConvBnAct folded = builder.build();
            folded.removeNormForFolding();
            assertFalse(folded.hasNorm());
            assertTrue(folded.hasBias());
            folded.initialize(m, DataType.FLOAT32, input);
            BatchNormFolding.Folded f = BatchNormFolding.fold(values(conv, "weight"),
                    original.hasBias() ? values(conv, "bias") : null, values(bn, "gamma"), values(bn, "beta"),
                    values(bn, "runningMean"), values(bn, "runningVar"), ConvBnAct.NORM_EPSILON);
            Block target = folded.getChildren().get("conv");
            target.getParameters().get("weight").getArray().set(f.weight());
            target.getParameters().get("bias").getArray().set(f.bias());

            NDArray x = m.randomNormal(input);
            NDArray expected = original.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            NDArray actual = folded.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            float diff = expected.sub(actual).abs().max().getFloat();
            assertTrue(diff <= 1e-5f, "max |Δ| = " + diff);
            assertTrue(expected.abs().max().getFloat() > 0.5f, "the check is not trivial");
        }
    }

    private static void set(Block block, String name, NDArray values) {
        block.getParameters().get(name).getArray().set(values.toFloatArray());
    }

    private static float[] values(Block block, String name) {
        return block.getParameters().get(name).getArray().toFloatArray();
    }
}
