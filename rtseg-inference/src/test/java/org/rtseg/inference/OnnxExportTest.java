package org.rtseg.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.io.Npy;
import org.rtseg.core.io.PyTorchImporter;
import org.rtseg.core.onnx.OnnxExport;
import org.rtseg.core.training.BatchNormCalibration;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.RgbImage;
import org.rtseg.data.augment.Normalization;

/**
 * The ONNX export of each kind of network, run in ONNX Runtime, gives the logits of rtseg's eval
 * graph (≤ 1e-4): every block type, pruned widths, MHSA with and without patches, fixed and
 * symbolic input sizes, padding to the stride, and the real reference BiSeNetV2 weights.
 */
class OnnxExportTest {

    private static final double TOLERANCE = 1e-4;

    /**
     * A searched subnet: GE downsampling (with shortcut), a LIR path with a pruned expansion, a skip,
     * MHSA on per-pixel tokens, a pruned detail width, aux heads (which the export drops).
     */
    private static final SupernetConfig SEARCHED = SupernetConfig.fromJson("""
            {"name": "searched", "numClasses": 5,
             "detail": {"stages": [[8], [8, 8], [16]]},
             "segment": {"stemChannels": 8, "stages": [
               {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}, {"type": "lir", "params": {"expansion": 3}}], "choice": 1},
                           {"candidates": [{"type": "ge"}, {"type": "skip"}], "choice": 1}]},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
               {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "lir"}, {"type": "mhsa", "params": {"heads": 2, "patch": 1}}], "choice": 1}]}]},
             "head": {"channels": 16, "dropout": 0.1},
             "aux": {"enabled": true, "channels": 8, "dropout": 0.1},
             "widths": {"segment.stage1.mixed0.lir1.expand": 17, "detail.S2_0": 11, "segment.stage3.mixed0.mhsa.mlp": 19}}
            """, "searched");

    @Test
    void searchedSubnetWithSymbolicSizeMatchesTheEvalGraph(@TempDir Path dir) throws IOException {
        try (Model trained = trainedLike(SEARCHED)) {
            Path file = dir.resolve("searched.onnx");
            OnnxExport.write(trained, OnnxExport.Options.builder().build(), file);
            assertMatches(trained, file, new Shape(2, 3, 64, 96));
            assertMatches(trained, file, new Shape(1, 3, 50, 70)); // padded to the stride in the graph, cropped back
        }
    }

    @Test
    void supernetPresetSubnetWithPatchedMhsaMatchesTheEvalGraph(@TempDir Path dir) throws IOException {
        Model fresh = ModelDirectory.create(SupernetConfig.preset("supernet").withNumClasses(4), Device.cpu(), 7);
        List<MixedBlock> mixed = ModelDirectory.network(fresh).mixedBlocks();
        for (int i = 0; i < mixed.size(); i++) {
            mixed.get(i).choose(i % 3); // lir, mhsa (patch 2 in the first stage), skip in turn
        }
        assertEquals("mhsa", mixed.get(1).chosen().type());
        try (Model trained = trainedLike(fresh)) {
            Path file = dir.resolve("supernet.onnx");
            OnnxExport.write(trained, OnnxExport.Options.builder().fixedInput(1, 64, 64).build(), file);
            assertMatches(trained, file, new Shape(1, 3, 64, 64));
        }
    }

    @Test
    void bisenetv2WithFixedSizeMatchesTheEvalGraphAndRefusesOtherSizes(@TempDir Path dir) throws IOException {
        try (Model trained = trainedLike(SupernetConfig.preset("bisenetv2").withNumClasses(3))) {
            Path file = dir.resolve("bisenetv2.onnx");
            OnnxExport.write(trained, OnnxExport.Options.builder().fixedInput(1, 64, 128).build(), file);
            assertMatches(trained, file, new Shape(1, 3, 64, 128));
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 1); NDManager m = trained.getNDManager().newSubManager()) {
                NDArray other = m.randomNormal(new Shape(1, 3, 96, 128));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> onnx.predict(other));
                assertTrue(e.getMessage().contains("(1, 3, 96, 128)"), e.getMessage());
            }
        }
    }

    @Test
    void metadataCarriesConfigClassesAndNormalisation(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("meta.onnx");
        List<String> names = List.of("road", "car", "tree", "sky", "person");
        try (Model trained = trainedLike(SEARCHED)) {
            OnnxExport.write(trained, OnnxExport.Options.builder().classNames(names)
                    .normalization(Normalization.IMAGENET.mean(), Normalization.IMAGENET.std()).build(), file);
        }
        try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 1)) {
            Map<String, String> meta = onnx.metadata();
            assertEquals("[\"road\",\"car\",\"tree\",\"sky\",\"person\"]", meta.get(OnnxExport.CLASSES_KEY));
            assertEquals("[0.485,0.456,0.406]", meta.get(OnnxExport.MEAN_KEY).replaceAll("(\\d\\.\\d{3})\\d+", "$1"));
            assertEquals("[0.229,0.224,0.225]", meta.get(OnnxExport.STD_KEY).replaceAll("(\\d\\.\\d{3})\\d+", "$1"));
            SupernetConfig config = SupernetConfig.fromJson(meta.get(OnnxExport.CONFIG_KEY), "metadata");
            assertEquals("searched-deploy", config.name());
            assertFalse(config.aux().enabled());
        }
    }

    @Test
    void badExportsAreRefusedAndWriteNothing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.onnx");
        try (Model trained = trainedLike(SEARCHED)) {
            OnnxExport.Options twoNames = OnnxExport.Options.builder().classNames(List.of("a", "b")).build();
            IllegalArgumentException names = assertThrows(IllegalArgumentException.class, () -> OnnxExport.write(trained, twoNames, file));
            assertTrue(names.getMessage().contains("2 class names for a network of 5 classes"), names.getMessage());
        }
        try (Model teacher = trainedLike(SEARCHED.withAveragedPaths())) {
            assertThrows(IllegalStateException.class, () -> OnnxExport.write(teacher, OnnxExport.Options.builder().build(), file));
        }
        assertFalse(Files.exists(file));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.Options.builder().fixedInput(1, 0, 64).build());
        assertTrue(size.getMessage().contains("positive sizes"), size.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.Options.builder().normalization(new float[] {0.5f}, new float[] {0f}).build());
        IOException missing = assertThrows(IOException.class, () -> OnnxRuntimeModel.open(dir.resolve("none.onnx"), 1));
        assertTrue(missing.getMessage().contains("rtseg export --format onnx"), missing.getMessage());
        Files.writeString(file, "not a model");
        IOException corrupt = assertThrows(IOException.class, () -> OnnxRuntimeModel.open(file, 1));
        assertTrue(corrupt.getMessage().startsWith(file.toString()), corrupt.getMessage());
    }

    /**
     * The real reference weights: ONNX Runtime gives rtseg's and PyTorch's logits on the reference
     * input, and the same argmax as rtseg on a real Cityscapes frame.
     */
    @Test
    void referenceBiSeNetV2MatchesRtsegAndPyTorch(@TempDir Path dir) throws IOException {
        Path reference = shared("reference/bisenetv2");
        Path frame = shared("data/cityscapes/leftImg8bit/val/frankfurt/frankfurt_000000_000294_leftImg8bit.png");
        Path file = dir.resolve("bisenetv2-city.onnx");
        try (Model trained = ModelDirectory.create(SupernetConfig.preset("bisenetv2"), Device.cpu())) {
            PyTorchImporter.load(ModelDirectory.network(trained), reference.resolve("weights.npz"));
            OnnxExport.write(trained, OnnxExport.Options.builder().classNames(LabelFormat.CITYSCAPES.classNames()).build(), file);
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 1); NDManager m = trained.getNDManager().newSubManager()) {
                NDArray input = Npy.readArray(m, reference.resolve("io/input.npy"));
                NDArray logits = onnx.predict(input);
                assertBelow(eval(trained, input).sub(logits).abs().max().getFloat(), "ONNX Runtime vs rtseg eval graph");
                assertBelow(Npy.readArray(m, reference.resolve("io/logits.npy")).sub(logits).abs().max().getFloat(), "ONNX Runtime vs PyTorch");

                RgbImage rgb = ImageFiles.readRgb(frame);
                NDArray hwc = m.create(ByteBuffer.wrap(rgb.pixels()), new Shape(rgb.height(), rgb.width(), 3), DataType.UINT8);
                NDArray image = SegmentationTranslator.normalize(hwc, Normalization.IMAGENET);
                NDArray rtseg = eval(trained, image).argMax(1);
                NDArray ort = onnx.predict(image).argMax(1);
                long agree = rtseg.eq(ort).sum().getLong();
                assertEquals(rtseg.size(), agree, "argmax agreement on " + frame.getFileName());
            }
        }
    }

    private static void assertMatches(Model trained, Path file, Shape input) throws IOException {
        try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 1); NDManager m = trained.getNDManager().newSubManager()) {
            NDArray x = m.randomNormal(input);
            NDArray expected = eval(trained, x);
            NDArray actual = onnx.predict(x);
            assertEquals(expected.getShape(), actual.getShape());
            assertBelow(expected.sub(actual).abs().max().getFloat(), "ONNX Runtime vs eval graph at " + input);
            assertTrue(expected.abs().max().getFloat() > 1f, "logits are not trivial");
        }
    }

    private static void assertBelow(float diff, String what) {
        assertTrue(diff <= TOLERANCE, what + ": max |Δ| = " + diff);
    }

    private static NDArray eval(Model model, NDArray x) {
        return model.getBlock().forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow();
    }

    private static Model trainedLike(SupernetConfig config) {
        return trainedLike(ModelDirectory.create(config, Device.cpu(), 7));
    }

    /**
     * Gives a fresh model the BatchNorm state of a trained one: random affine terms (so that folding
     * changes every weight) and running statistics measured on random images, so that, as in a
     * trained network, each BatchNorm normalises what it sees. With random statistics instead, a
     * BiSeNetV2 reaches logits of 30 and float32 rounding alone (eager eval vs deploy graph) 2e-3.
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

    private static Path shared(String relative) {
        Path p = Path.of(System.getProperty("rtseg.shared", "../shared")).resolve(relative);
        assumeTrue(Files.exists(p), "skipped: " + p + " is absent (the shared reference material lives beside the project)");
        return p;
    }
}
