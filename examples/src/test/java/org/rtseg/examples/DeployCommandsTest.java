package org.rtseg.examples;

import org.rtseg.core.onnx.OnnxExport;
import org.rtseg.core.training.BatchNormCalibration;
import org.rtseg.inference.OnnxRuntimeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.LabeledImage;
import org.rtseg.data.RgbImage;
import org.rtseg.data.SyntheticScenes;
import org.rtseg.data.augment.EvalTransform;
import org.rtseg.data.augment.Normalization;
import org.rtseg.data.augment.TransformedSample;
import org.rtseg.inference.SegmentationTranslator;

/** export, infer on images, evaluate, the DJL translator and the benchmark's deploy comparison. */
class DeployCommandsTest {

    private static final Path RUN_CONFIG = Path.of("configs/synthetic-small.json");

    @TempDir Path dir;

    /** A small network with aux heads and a mixed block whose chosen path is not the first. */
    private static SupernetConfig network(int classes) {
        return SupernetConfig.fromJson("""
                {"name": "small", "numClasses": %d,
                 "detail": {"stages": [[8], [8], [16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "ge"}, {"type": "lir", "params": {"expansion": 2}}], "choice": 1}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "mhsa", "params": {"heads": 2, "patch": 1}}]}]}]},
                 "head": {"channels": 16, "dropout": 0.1},
                 "aux": {"enabled": true, "channels": 8, "dropout": 0.1}}
                """.formatted(classes), "small");
    }

    /** A saved model with BatchNorm statistics as after training, so that folding changes the weights. */
    private Path trainedModel(int classes) throws Exception {
        Path model = dir.resolve("trained");
        try (Model m = ModelDirectory.create(network(classes), Device.cpu())) {
            NDManager nd = m.getNDManager();
            for (Pair<String, Parameter> p : m.getBlock().getParameters()) {
                NDArray a = p.getValue().getArray();
                if (p.getKey().endsWith("_runningVar")) {
                    a.set(nd.randomUniform(1f, 2f, a.getShape()).toFloatArray());
                } else if (p.getKey().endsWith("_runningMean") || p.getKey().endsWith("_beta")) {
                    a.set(nd.randomNormal(0, 0.1f, a.getShape(), DataType.FLOAT32).toFloatArray());
                }
            }
            ModelDirectory.save(m, model);
        }
        return model;
    }

    private Path export(Path trained) {
        Path deploy = dir.resolve("deploy");
        CoreCommandsTest.Run r = CoreCommandsTest.run("export", "--model", trained.toString(), "--out", deploy.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("max |Δ| = ") && r.out().contains("parameters"), r.out());
        return deploy;
    }

    @Test
    void exportWritesADeployModelThatInfersLikeTheTrainedOne() throws Exception {
        Path trained = trainedModel(8);
        Path deploy = export(trained);
        assertTrue(DeployGraph.isDeploy(deploy));
        CoreCommandsTest.Run again = CoreCommandsTest.run("export", "--model", deploy.toString(), "--out", dir.resolve("x").toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already a deploy model"), again.err());

        Path images = dir.resolve("images");
        SyntheticScenes scenes = SyntheticScenes.builder().optImageSize(64, 96).optNumSamples(2).build();
        for (int i = 0; i < 2; i++) {
            ImageFiles.writeRgbPng(images.resolve("scene" + i + ".png"), scenes.load(i).image());
        }
        for (Path model : List.of(trained, deploy)) {
            Path out = dir.resolve("out-" + model.getFileName());
            CoreCommandsTest.Run r = CoreCommandsTest.run("infer", "--model", model.toString(), "--image", images.toString(),
                    "--out", out.toString(), "--overlay", "--label-ids", "--device", "cpu");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("wrote predictions of 2 images"), r.out());
            RgbImage color = ImageFiles.readRgb(out.resolve("scene1_color.png"));
            assertEquals(96, color.width());
            assertEquals(64, color.height());
            assertTrue(Files.exists(out.resolve("scene0_overlay.png")));
            LabelMap ids = ImageFiles.readIndex(out.resolve("labelIds/scene0.png"));
            assertEquals(64, ids.height());
        }
        LabelMap fromTrained = ImageFiles.readIndex(dir.resolve("out-trained/labelIds/scene1.png"));
        LabelMap fromDeploy = ImageFiles.readIndex(dir.resolve("out-deploy/labelIds/scene1.png"));
        assertTrue(agreement(fromTrained.values(), fromDeploy.values()) > 0.999, "deploy and trained predictions agree");
    }

    @Test
    void translatorNormalisesAsTheDataPipelineAndPredictsTheArgmax() throws Exception {
        Path trained = trainedModel(8);
        Path deploy = export(trained);
        LabeledImage scene = SyntheticScenes.builder().optImageSize(64, 96).build().load(3);
        RgbImage rgb = scene.image();
        try (Model model = DeployGraph.loadForInference(trained, Device.cpu());
                Model folded = DeployGraph.loadForInference(deploy, Device.cpu());
                NDManager m = model.getNDManager().newSubManager()) {
            NDArray hwc = m.create(ByteBuffer.wrap(rgb.pixels()), new Shape(64, 96, 3), DataType.UINT8);
            NDArray ours = SegmentationTranslator.normalize(hwc, Normalization.IMAGENET);
            TransformedSample pipeline = EvalTransform.none().apply(scene, null);
            NDArray expected = m.create(pipeline.image(), new Shape(1, 3, 64, 96));
            assertTrue(ours.sub(expected).abs().max().getFloat() < 1e-5f, "same normalisation as rtseg-data");

            NDArray logits = ModelDirectory.network(model).logits(new ParameterStore(m, false), expected, false, false).get(0);
            int[] argmax = logits.argMax(1).toType(DataType.INT32, false).toIntArray();
            Image image = ImageFactory.getInstance().fromNDArray(hwc);
            SegmentationTranslator translator = SegmentationTranslator.of(SyntheticScenes.formatFor(8));
            try (Predictor<Image, CategoryMask> p = model.newPredictor(translator);
                    Predictor<Image, CategoryMask> q = folded.newPredictor(translator)) {
                CategoryMask mask = p.predict(image);
                assertEquals(SyntheticScenes.formatFor(8).classNames(), mask.getClasses());
                assertEquals(64, mask.getMask().length);
                assertEquals(96, mask.getMask()[0].length);
                assertEquals(1.0, agreement(argmax, flatten(mask)), "the mask is the argmax of the logits");
                assertTrue(agreement(argmax, flatten(q.predict(image))) > 0.999, "the deploy model through the translator");
            }
        }
    }

    @Test
    void evaluateScoresTheRunConfigDataWithAugmentationAndSavesPredictions() throws Exception {
        Path trained = trainedModel(8);
        Path deploy = export(trained);
        double[] miou = new double[2];
        int k = 0;
        for (Path model : List.of(trained, deploy)) {
            Path predictions = dir.resolve("pred-" + model.getFileName());
            Path json = dir.resolve("scores-" + model.getFileName() + ".json");
            CoreCommandsTest.Run r = CoreCommandsTest.run("evaluate", "--model", model.toString(), "--run-config", RUN_CONFIG.toString(),
                    "--set", "data.samples=3", "--scales", "0.75,1", "--flip", "--slide", "32x64,24x48",
                    "--save-predictions", predictions.toString(), "--json", json.toString(), "--threads", "1", "--device", "cpu");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("3 images") && r.out().contains("scales [0.75, 1.0], flip, slide 32x64 stride 24x48"), r.out());
            assertTrue(r.out().contains("mIoU") && r.out().contains("fwIoU") && r.out().contains("aAcc"), r.out());
            try (Stream<Path> files = Files.list(predictions)) {
                assertEquals(3, files.count());
            }
            JsonNode scores = new ObjectMapper().readTree(json.toFile());
            miou[k++] = scores.get("mIoU").asDouble();
            assertEquals(8, scores.get("classes").size());
        }
        assertEquals(miou[0], miou[1], 1e-3, "the deploy model scores as the trained one");
    }

    @Test
    void evaluateOnCityscapesWritesWhatTheOfficialEvaluatorScoresAlike() throws Exception {
        String shared = System.getProperty("rtseg.shared");
        Path root = shared == null ? null : Path.of(shared, "data", "cityscapes");
        assumeTrue(root != null && Files.isDirectory(root), "shared Cityscapes sample not found (" + root + ")");
        Path model = trainedModel(19);
        Path predictions = dir.resolve("pred");
        Path json = dir.resolve("scores.json");
        CoreCommandsTest.Run r = CoreCommandsTest.run("evaluate", "--model", model.toString(), "--dataset", "cityscapes",
                "--root", root.toString(), "--save-predictions", predictions.toString(), "--json", json.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(predictions.resolve("frankfurt_000000_000294.png")));
        Path official = dir.resolve("official.json");
        CoreCommandsTest.Run check = CoreCommandsTest.run("evaluate-predictions", "--dataset", "cityscapes", "--root", root.toString(),
                "--predictions", predictions.toString(), "--json", official.toString());
        assertEquals(0, check.code(), check.err());
        ObjectMapper mapper = new ObjectMapper();
        assertEquals(mapper.readTree(official.toFile()).get("mIoU").asDouble(), mapper.readTree(json.toFile()).get("mIoU").asDouble(), 1e-12);
    }

    @Test
    void evaluateOnCamVidWritesValuePngsThatEvaluatePredictionsScoresAlike() throws Exception {
        Path root = EvaluatePredictionsCommandTest.camvidVal(dir, 2);
        Path model = trainedModel(11);
        Path predictions = dir.resolve("pred");
        Path json = dir.resolve("scores.json");
        CoreCommandsTest.Run r = CoreCommandsTest.run("evaluate", "--model", model.toString(), "--dataset", "camvid",
                "--root", root.toString(), "--save-predictions", predictions.toString(), "--json", json.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("camvid val: 2 images"), r.out());
        LabelMap saved = ImageFiles.readIndex(predictions.resolve("0016E5_07959.png"));
        assertEquals(480, saved.width());
        assertEquals(360, saved.height());
        for (byte v : saved.values()) {
            assertTrue(v >= 0 && v < 11, "class index " + v);
        }
        Path official = dir.resolve("official.json");
        CoreCommandsTest.Run check = CoreCommandsTest.run("evaluate-predictions", "--dataset", "camvid", "--root", root.toString(),
                "--predictions", predictions.toString(), "--json", official.toString());
        assertEquals(0, check.code(), check.err());
        ObjectMapper mapper = new ObjectMapper();
        assertEquals(mapper.readTree(official.toFile()).get("mIoU").asDouble(), mapper.readTree(json.toFile()).get("mIoU").asDouble(), 1e-12);
        assertEquals(LabelFormat.CAMVID, InferCommand.format(null, null, 11), "an 11-class model draws with CamVid's names and palette");
    }

    @Test
    void badInputsAreExplainedInOneLine() throws Exception {
        Path trained = trainedModel(8);
        CoreCommandsTest.Run classes = CoreCommandsTest.run("infer", "--model", trained.toString(), "--image", dir.toString(),
                "--out", dir.resolve("o").toString(), "--dataset", "cityscapes");
        assertEquals(1, classes.code());
        assertTrue(classes.err().contains("--dataset cityscapes has 19 classes but the model predicts 8"), classes.err());
        CoreCommandsTest.Run missing = CoreCommandsTest.run("infer", "--model", trained.toString(), "--image", dir.resolve("no.png").toString(),
                "--out", dir.resolve("o").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no.png") && missing.err().contains("no such image"), missing.err());
        CoreCommandsTest.Run slide = CoreCommandsTest.run("evaluate", "--model", trained.toString(), "--run-config", RUN_CONFIG.toString(),
                "--slide", "64");
        assertEquals(1, slide.code());
        assertTrue(slide.err().contains("slide (--slide) is CROP,STRIDE"), slide.err());
        CoreCommandsTest.Run both = CoreCommandsTest.run("infer", "--model", trained.toString(), "--image", "a.png", "--input", "x.npy",
                "--logits", "y.npy", "--out", "o");
        assertEquals(2, both.code(), "one mode at a time is a usage error");
        assertFalse(Files.exists(dir.resolve("o")));
    }

    @Test
    void benchmarkTimesEvalAndDeployGraphsInOneRun() throws Exception {
        Path config = dir.resolve("small.json");
        network(8).save(config);
        CoreCommandsTest.Run r = CoreCommandsTest.run("benchmark", "--config", config.toString(), "--size", "64x128", "--runs", "2",
                "--warmup", "1", "--threads", "1", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("eval forward over 2 runs") && r.out().contains("deploy forward over 2 runs"), r.out());
        assertTrue(r.out().contains("% faster than the eval graph"), r.out());
        assertTrue(r.out().contains("onnxruntime 1.") && r.out().contains("deploy graph / ONNX Runtime"), r.out());
    }

    /**
     * A subnet as the demo's search leaves it — MHSA on 2×2 patches, a LIR of pruned expansion, a
     * skip, odd widths — goes to ONNX from its trained and its deploy directory, and ONNX Runtime
     * reproduces the eval graph at any input size with the synthetic scenes' class names.
     */
    @Test
    void exportOnnxWritesAModelThatOnnxRuntimeRunsAsTheEvalGraph() throws Exception {
        Path trained = dir.resolve("subnet");
        SupernetConfig subnet = SupernetConfig.fromJson("""
                {"name": "demo-subnet", "numClasses": 8,
                 "detail": {"stages": [[16, 16], [16, 16], [32, 32]]},
                 "segment": {"stemChannels": 16, "stages": [
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 4}},
                    "blocks": [{"candidates": [{"type": "mhsa", "params": {"heads": 2, "patch": 2, "mlpRatio": 2}}]}]},
                   {"channels": 32, "downsample": {"type": "ge", "params": {"expansion": 4}},
                    "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 4}}]}]},
                   {"channels": 32, "downsample": {"type": "ge", "params": {"expansion": 4}},
                    "blocks": [{"candidates": [{"type": "skip"}]}]}]},
                 "head": {"channels": 64, "dropout": 0.1},
                 "aux": {"enabled": true, "channels": 16, "dropout": 0.1},
                 "widths": {"detail.S1_0": 13, "segment.stage2.mixed0.lir.expand": 101, "segment.stage1.mixed0.mhsa.mlp": 77}}
                """, "demo-subnet");
        try (Model m = ModelDirectory.create(subnet, Device.cpu(), 3)) {
            BatchNormCalibration.recalibrate(m.getBlock(), m.getNDManager(), 2, (scope, i) -> scope.randomNormal(new Shape(2, 3, 64, 64)));
            ModelDirectory.save(m, trained);
        }
        Path deploy = dir.resolve("subnet-deploy");
        assertEquals(0, CoreCommandsTest.run("export", "--model", trained.toString(), "--out", deploy.toString()).code());
        for (Path model : List.of(trained, deploy)) {
            Path onnx = dir.resolve(model.getFileName() + ".onnx");
            CoreCommandsTest.Run r = CoreCommandsTest.run("export", "--format", "onnx", "--model", model.toString(), "--out", onnx.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("ONNX opset 17, symbolic Nx3xHxW input") && r.out().contains("classes of synthetic"), r.out());
            assertTrue(r.out().contains("ONNX Runtime vs eval logits on a random 1x3x128x256 image: max |Δ| = "), r.out());
            try (Model eval = DeployGraph.loadForInference(trained, Device.cpu()); OnnxRuntimeModel runtime = OnnxRuntimeModel.open(onnx, 1);
                    NDManager m = eval.getNDManager().newSubManager()) {
                assertEquals(new ObjectMapper().writeValueAsString(SyntheticScenes.formatFor(8).classNames()),
                        runtime.metadata().get(OnnxExport.CLASSES_KEY));
                NDArray x = m.randomNormal(new Shape(1, 3, 72, 100));
                NDArray expected = ModelDirectory.network(eval).logits(new ParameterStore(m, false), x, false, false).get(0);
                float diff = expected.sub(runtime.predict(x)).abs().max().getFloat();
                assertTrue(diff <= 1e-4f, model.getFileName() + ": ONNX Runtime vs eval graph max |Δ| = " + diff);
            }
        }
        Path fixed = dir.resolve("fixed.onnx");
        CoreCommandsTest.Run r = CoreCommandsTest.run("export", "--format", "onnx", "--model", trained.toString(), "--out", fixed.toString(),
                "--input-size", "64x96");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1x3x64x96 input") && r.out().contains("random 1x3x64x96 image"), r.out());
    }

    @Test
    void exportOnnxRefusesBadLaunchesAndWritesNothing() throws Exception {
        Path trained = trainedModel(8);
        Path onnx = dir.resolve("m.onnx");
        CoreCommandsTest.Run wrongDataset = CoreCommandsTest.run("export", "--format", "onnx", "--model", trained.toString(), "--out",
                onnx.toString(), "--dataset", "cityscapes");
        assertEquals(1, wrongDataset.code());
        assertTrue(wrongDataset.err().contains("has 19 classes but the model predicts 8"), wrongDataset.err());
        CoreCommandsTest.Run folder = CoreCommandsTest.run("export", "--format", "onnx", "--model", trained.toString(), "--out", dir.toString());
        assertEquals(1, folder.code());
        assertTrue(folder.err().contains("a folder; --format onnx writes one file"), folder.err());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("trained"), files.map(p -> p.getFileName().toString()).toList(), "nothing written beside the model");
        }
    }

    private static double agreement(byte[] a, byte[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return (double) same / a.length;
    }

    private static double agreement(int[] a, int[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return (double) same / a.length;
    }

    private static int[] flatten(CategoryMask mask) {
        return Stream.of(mask.getMask()).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
