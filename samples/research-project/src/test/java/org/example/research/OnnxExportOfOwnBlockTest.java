package org.example.research;

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
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.onnx.OnnxExport;
import org.rtseg.core.training.BatchNormCalibration;
import org.rtseg.inference.OnnxRuntimeModel;

/**
 * ONNX export of a network with the project's own block type: the exported model, run in ONNX
 * Runtime, gives the logits of the eval graph; a block type that does not implement {@link
 * org.rtseg.core.onnx.OnnxExportable} stops the export with a message naming it.
 */
class OnnxExportOfOwnBlockTest {

    private static final double TOLERANCE = 1e-4;

    /** se-lir chosen in both stages, the first with its expansion pruned from 16 to 11 channels. */
    private static final SupernetConfig WITH_SE_LIR = SupernetConfig.fromJson("""
            {"name": "se-subnet", "numClasses": 4,
             "detail": {"stages": [[8], [8], [16]]},
             "segment": {"stemChannels": 8, "stages": [
               {"channels": 8, "downsample": {"type": "lir", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "lir"}, {"type": "se-lir"}, {"type": "skip"}], "choice": 1}]},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "lir"}, {"type": "se-lir", "params": {"reduced": 8}}], "choice": 1}]},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []}]},
             "head": {"channels": 16, "dropout": 0.0},
             "aux": {"enabled": true, "channels": 8, "dropout": 0.0},
             "widths": {"segment.stage1.mixed0.se-lir.expand": 11}}
            """, "se-subnet");

    @BeforeAll
    static void oneThread() {
        Engines.setThreads(1);
    }

    @Test
    void ownBlockExportsAndOnnxRuntimeGivesTheEvalGraphLogits(@TempDir Path dir) throws IOException {
        try (Model trained = trainedLike(ModelDirectory.create(WITH_SE_LIR, Device.cpu(), 7))) {
            assertEquals("se-lir", ModelDirectory.network(trained).mixedBlocks().get(0).chosen().type());
            assertEquals(List.of(11L, 8L, 1L, 1L), exportedShape(trained, "segment.stage1.mixed0.se-lir.expand/weight"),
                    "the pruned expansion is what the graph computes");
            Path file = dir.resolve("se-subnet.onnx");
            OnnxExport.write(trained, OnnxExport.Options.builder().build(), file);
            assertMatches(trained, file, new Shape(2, 3, 64, 96));
            assertMatches(trained, file, new Shape(1, 3, 50, 70)); // not a multiple of 32: padded and cropped in the graph
        }
    }

    @Test
    void blockTypeWithoutOnnxExportableFailsTheExportNamingItself(@TempDir Path dir) {
        BlockTypes.register(new Opaque.Type());
        SupernetConfig config = SupernetConfig.fromJson("""
                {"name": "opaque-subnet", "numClasses": 4,
                 "detail": {"stages": [[8], [8], [16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "lir"},
                    "blocks": [{"candidates": [{"type": "lir"}, {"type": "opaque-identity"}], "choice": 1}]},
                   {"channels": 16, "downsample": {"type": "lir"}, "blocks": []},
                   {"channels": 16, "downsample": {"type": "lir"}, "blocks": []}]},
                 "head": {"channels": 16, "dropout": 0.0},
                 "aux": {"enabled": true, "channels": 8, "dropout": 0.0}}
                """, "opaque-subnet");
        Path file = dir.resolve("opaque.onnx");
        try (Model model = ModelDirectory.create(config, Device.cpu(), 7)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxExport.write(model, OnnxExport.Options.builder().build(), file));
            assertTrue(e.getMessage().contains("block type '" + Opaque.NAME + "' at segment.stage1.mixed0." + Opaque.NAME), e.getMessage());
            assertTrue(e.getMessage().contains("does not implement org.rtseg.core.onnx.OnnxExportable; implement exportOnnx"), e.getMessage());
        }
        assertFalse(Files.exists(file), "a failed export writes no file");
    }

    private static void assertMatches(Model trained, Path file, Shape input) throws IOException {
        try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 1); NDManager m = trained.getNDManager().newSubManager()) {
            NDArray x = m.randomNormal(input);
            NDArray expected = trained.getBlock().forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            NDArray actual = onnx.predict(x);
            assertEquals(expected.getShape(), actual.getShape());
            float diff = expected.sub(actual).abs().max().getFloat();
            assertTrue(diff <= TOLERANCE, "ONNX Runtime vs eval graph at " + input + ": max |Δ| = " + diff);
            assertTrue(expected.abs().max().getFloat() > 1f, "logits are not trivial");
        }
    }

    /** The dimensions of a weight in the exported graph, found by its path. */
    private static List<Long> exportedShape(Model trained, String initializer) {
        return OnnxExport.toModel(trained, OnnxExport.Options.builder().build()).getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals(initializer)).findFirst().orElseThrow().getDimsList();
    }

    /**
     * Gives a fresh model the BatchNorm state of a trained one: random affine terms, so that folding
     * changes every weight, and running statistics measured on random images, so that activations
     * stay of realistic size (random statistics blow the logits up, and float32 rounding with them).
     */
    private static Model trainedLike(Model model) {
        NDManager m = model.getNDManager();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            NDArray a = p.getValue().getArray();
            if (p.getKey().endsWith("_beta")) {
                a.set(m.randomNormal(0, 0.3f, a.getShape(), a.getDataType()).toFloatArray());
            } else if (p.getKey().endsWith("_gamma")) {
                a.set(m.randomUniform(0.5f, 1.5f, a.getShape()).toFloatArray());
            }
        }
        BatchNormCalibration.recalibrate(model.getBlock(), m, 2, (scope, i) -> scope.randomNormal(new Shape(2, 3, 64, 64)));
        return model;
    }

    /** The identity as a block of its own type, written before ONNX export existed: it lacks exportOnnx. */
    private static final class Opaque extends RtsegBlock {
        static final String NAME = "opaque-identity";

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            return in;
        }

        @Override
        public Shape count(Shape input, Tally tally) {
            return input;
        }

        /** Its type, without parameters. */
        static final class Type implements BlockType {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public Map<String, Double> defaults() {
                return Map.of();
            }

            @Override
            public RtsegBlock build(BlockArgs args) {
                return new Opaque();
            }
        }
    }
}
