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

    /**
     * An eval pass frees each block's intermediates as the block returns, as PyTorch frees a tensor
     * at its last use; a training pass keeps them for the trainer's step scope.
     */
    @Test
    void anEvalPassKeepsOnlyTheTopLevelsMaps() {
        try (Model model = ModelDirectory.create(TinyConfigs.tinySupernet(4), Device.cpu())) {
            int eval = liveAfterForward(model, false);
            int training = liveAfterForward(model, true);
            assertTrue(eval <= 12, eval + " arrays alive after an eval pass: the input, the top level's maps and the logits");
            assertTrue(training > 8 * eval, training + " arrays alive after a training pass, " + eval + " after an eval pass");
        }
    }

    private static int liveAfterForward(Model model, boolean training) {
        try (NDManager step = model.getNDManager().newSubManager()) {
            forward(model, step.randomNormal(new Shape(2, 3, 64, 96)), training);
            return step.getManagedArrays().size();
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

    /** {@link MixedBlock#AVERAGE}: the mean of every path but skip, counted as all of them running. */
    @Test
    void anAveragedBlockOutputsTheMeanOfItsPathsOtherThanSkip() {
        org.rtseg.core.config.SupernetConfig config = TinyConfigs.tinySupernet(4);
        try (Model model = ModelDirectory.create(config, Device.cpu())) {
            NDManager m = model.getNDManager();
            Supernet net = ModelDirectory.network(model);
            MixedBlock last = net.mixedBlocks().get(net.mixedBlocks().size() - 1); // mhsa | lir
            NDArray x = m.randomNormal(new Shape(1, 16, 4, 4));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray mhsa = last.candidates().get(0).block().forward(ps, new NDList(x), false).head();
            NDArray lir = last.candidates().get(1).block().forward(ps, new NDList(x), false).head();
            last.choose(MixedBlock.AVERAGE);
            assertTrue(last.averaged());
            NDArray averaged = last.forward(ps, new NDList(x), false).head();
            assertEquals(0f, averaged.sub(mhsa.add(lir).div(2)).abs().max().getFloat(), 1e-5f);
            assertThrows(IllegalStateException.class, last::chosen);
            MixedBlock first = net.mixedBlocks().get(0); // lir | skip: the average is the LIR alone
            first.choose(MixedBlock.AVERAGE);
            assertEquals(java.util.List.of("lir"), first.running().stream().map(MixedBlock.Candidate::name).toList());
            org.rtseg.core.complexity.Complexity.Report all = org.rtseg.core.complexity.Complexity.of(net, new Shape(1, 3, 64, 64),
                    new org.rtseg.core.complexity.Complexity.Options(false, true));
            assertEquals(all.macs(), org.rtseg.core.complexity.Complexity.of(net, new Shape(1, 3, 64, 64),
                    org.rtseg.core.complexity.Complexity.Options.EVAL).macs(), "every path but skip runs, and skip costs nothing");
            Supernet averagedNet = Supernet.of(config.withAveragedPaths());
            averagedNet.mixedBlocks().forEach(b -> assertTrue(b.averaged(), "every block with a path other than skip averages"));
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
