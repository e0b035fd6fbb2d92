package org.rtseg.core.blocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

class MultiHeadSelfAttentionTest {

    /** DJL describes an initialised block at the 1×1 shape its children were initialised with. */
    @Test
    void aPatchedPathPrintsAtTheShapeItIsInitialisedWith() {
        try (Model model = ModelDirectory.create(SupernetConfig.preset("supernet"), Device.cpu())) {
            MixedBlock first = ModelDirectory.network(model).mixedBlocks().get(0);
            MixedBlock.Candidate mhsa = first.candidates().get(1);
            assertEquals(2, mhsa.args().intParam("patch"));
            assertEquals(new Shape(1, 112, 1, 1), mhsa.block().getOutputShapes(new Shape[] {new Shape(1, 112, 1, 1)})[0]);
            assertTrue(first.toString().contains("(1, 448, 1, 1)"), "the tokens of the attention path are printed");
        }
    }
}
