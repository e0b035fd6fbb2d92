package org.rtseg.core.supernet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.rtseg.core.TinyConfigs;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.io.ModelDirectory;

class SupernetTest {

    @Test
    void evalReturnsMainLogitsAtInputSizeAndTrainingAddsAuxLogits() {
        try (Model model = ModelDirectory.create(TinyConfigs.tinySupernet(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 96));
            NDList eval = forward(model, x, false);
            assertEquals(1, eval.size());
            assertEquals(new Shape(2, 4, 64, 96), eval.head().getShape());
            NDList train = forward(model, x, true);
            assertEquals(5, train.size(), "main + aux on stem and three stages");
            train.forEach(a -> assertEquals(new Shape(2, 4, 64, 96), a.getShape()));
        }
    }

    @Test
    void sizesNotDivisibleBy32ArePaddedAndCroppedBack() {
        try (Model model = ModelDirectory.create(TinyConfigs.tinySupernet(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            NDArray x = m.randomNormal(new Shape(1, 3, 50, 70));
            NDArray logits = forward(model, x, false).head();
            assertEquals(new Shape(1, 4, 50, 70), logits.getShape());
            NDArray padded = m.zeros(new Shape(1, 3, 64, 96));
            padded.set(new ai.djl.ndarray.index.NDIndex(":, :, :50, :70"), x);
            NDArray expected = forward(model, padded, false).head().get(":, :, :50, :70");
            assertEquals(0f, expected.sub(logits).abs().max().getFloat(), 1e-6f, "same as explicit zero padding");
        }
    }

    @Test
    void onlyTheChosenPathRuns() {
        try (Model model = ModelDirectory.create(TinyConfigs.tinySupernet(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            NDArray x = m.randomNormal(new Shape(1, 3, 64, 64));
            MixedBlock mixed = ModelDirectory.network(model).mixedBlocks().get(0);
            assertEquals("lir", mixed.chosen().name());
            NDArray lir = forward(model, x, false).head();
            // Scaling the unchosen path's weights must not change anything; choosing it must.
            model.getBlock().getParameters().get("segment_stage1_mixed0_lir_conv1_conv_weight").getArray().muli(0);
            assertTrue(forward(model, x, false).head().sub(lir).abs().max().getFloat() > 0, "lir weights matter while chosen");
            mixed.choose(1);
            NDArray skip = forward(model, x, false).head();
            mixed.choose(0);
            model.getBlock().getParameters().get("segment_stage1_mixed0_lir_conv1_conv_weight").getArray().addi(5);
            mixed.choose(1);
            assertEquals(0f, forward(model, x, false).head().sub(skip).abs().max().getFloat(), "skip path ignores lir weights");
            assertThrows(IllegalArgumentException.class, () -> mixed.choose(2));
            assertFalse(skip.isEmpty());
        }
    }

    @Test
    void trainingNeedsTwoImages() {
        try (Model model = ModelDirectory.create(TinyConfigs.tinySupernet(4), Device.cpu())) {
            NDArray x = model.getNDManager().randomNormal(new Shape(1, 3, 64, 64));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> forward(model, x, true));
            assertTrue(e.getMessage().contains("at least 2 images"));
        }
    }

    private static NDList forward(Model model, NDArray x, boolean training) {
        return model.getBlock().forward(new ParameterStore(model.getNDManager(), false), new NDList(x), training);
    }
}
