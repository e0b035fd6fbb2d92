package org.example.research;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.Engines;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.FolderDataset;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.LabeledImage;
import org.rtseg.data.SyntheticScenes;
import org.rtseg.data.augment.EvalTransform;
import org.rtseg.data.eval.SegmentationMetrics;
import org.rtseg.inference.Evaluation;
import org.rtseg.inference.SegmentationTranslator;
import org.rtseg.inference.TestTimeAugmentation;
import org.rtseg.search.BatchSource;
import org.rtseg.search.DatasetBatches;
import org.rtseg.search.MacCost;
import org.rtseg.search.Pipeline;
import org.rtseg.search.TrainingConfig;

/**
 * The method end to end from a user's project, through public API only: a supernet with the
 * project's own block type (found by ServiceLoader), pretrained, searched to a MAC target, extracted,
 * fine-tuned with the boosters, scored with the official metrics and run through DJL's Predictor.
 */
class ResearchWorkflowTest {

    private static final Shape INPUT = new Shape(1, 3, 64, 64);

    // [doc:config]
    static final SupernetConfig SUPERNET = SupernetConfig.fromJson("""
            {"name": "se-supernet", "numClasses": 4,
             "detail": {"stages": [[8], [8], [16]]},
             "segment": {"stemChannels": 8, "stages": [
               {"channels": 8, "downsample": {"type": "lir", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "lir"}, {"type": "se-lir"}, {"type": "skip"}]}]},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "lir"}, {"type": "se-lir", "params": {"reduced": 8}}, {"type": "skip"}]}]},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []}]},
             "head": {"channels": 16, "dropout": 0.0},
             "aux": {"enabled": true, "channels": 8, "dropout": 0.0}}
            """, "se-supernet");
    // [/doc:config]

    @BeforeAll
    static void oneThread() {
        // [doc:threads]
        Engines.setThreads(1); // before libtorch first loads; by default it takes every core
        // [/doc:threads]
    }

    @Test
    void pretrainSearchExtractFinetuneEvaluateAndPredict(@TempDir Path work) throws Exception {
        // [doc:pipeline]
        SyntheticScenes train = SyntheticScenes.builder().optImageSize(64, 64).optNumClasses(4).optNumSamples(16)
                .optSeed(1).optTransform(EvalTransform.none()).setSampling(2, true, true).build();
        train.prepare();
        BatchSource batches = new DatasetBatches(train, 2, 7, train::useEpoch);
        TrainingConfig training = TrainingConfig.builder().iterations(8).batchSize(2).learningRate(0.05).seed(7).build();
        List<Device> devices = List.of(Device.cpu());

        Pipeline.pretrain(SUPERNET, training, batches, work.resolve("pretrain"), devices, false);
        Pipeline.teacher(work.resolve("pretrain/model"), batches, 4, work.resolve("teacher"), Device.cpu());
        double target = 0.7 * Complexity.of(Supernet.of(SUPERNET), INPUT, Complexity.Options.EVAL).macs() / 1e9;
        Pipeline.SearchResult search = Pipeline.search(work.resolve("pretrain/model"), work.resolve("teacher"),
                space -> new MacCost(space, INPUT), target, training, batches, work.resolve("search"), devices, false);
        SupernetConfig subnet = Pipeline.extract(work.resolve("search/search"), work.resolve("subnet"), Device.cpu());
        Pipeline.finetune(work.resolve("subnet"), work.resolve("teacher"), training, batches, work.resolve("finetune"), devices, false);
        // [/doc:pipeline]

        assertEquals(target, search.cost(), 0.03 * target, "the search lands on its MAC target");
        double subnetGmacs = Complexity.of(Supernet.of(subnet), INPUT, Complexity.Options.EVAL).macs() / 1e9;
        assertEquals(search.cost(), subnetGmacs, 1e-6 + 1e-4 * subnetGmacs, "the extracted subnet costs what the search said");

        // [doc:evaluate]
        SyntheticScenes val = SyntheticScenes.builder().optImageSize(64, 64).optNumClasses(4).optNumSamples(3).optSeed(99).build();
        SegmentationMetrics metrics;
        try (Model model = ModelDirectory.load(work.resolve("finetune/model"), Device.cpu())) {
            metrics = Evaluation.score(model.getNDManager(), ModelDirectory.network(model), val, TestTimeAugmentation.NONE, "val",
                    (sample, prediction) -> { });
        }
        // [/doc:evaluate]
        assertEquals(4, metrics.iou().length);
        assertTrue(metrics.pixelAccuracy() > 0 && metrics.meanIoU() >= 0 && metrics.meanIoU() <= 1, metrics.toString());

        // [doc:dataset]
        Path roads = work.resolve("roads");
        Files.createDirectories(roads.resolve("val/images"));
        Files.createDirectories(roads.resolve("val/labels"));
        for (int i = 0; i < val.size(); i++) {
            LabeledImage sample = val.load(i);
            ImageFiles.writeRgbPng(roads.resolve("val/images/scene" + i + ".png"), sample.image());
            ImageFiles.writeIndexPng(roads.resolve("val/labels/scene" + i + ".png"), sample.label(), null);
        }
        Files.writeString(roads.resolve("dataset.json"), new ObjectMapper().writeValueAsString(
                Map.of("name", "roads", "classes", SyntheticScenes.formatFor(4).classNames(), "ignore", 255)));
        FolderDataset own = FolderDataset.builder().setRoot(roads).optSplit("val").build();
        own.prepare();
        SegmentationMetrics ownMetrics;
        try (Model model = ModelDirectory.load(work.resolve("finetune/model"), Device.cpu())) {
            ownMetrics = Evaluation.score(model.getNDManager(), ModelDirectory.network(model), own, TestTimeAugmentation.NONE, "roads",
                    (sample, prediction) -> { });
        }
        // [/doc:dataset]
        assertArrayEquals(metrics.iou(), ownMetrics.iou(), "the same images from a folder score the same per class");

        // [doc:predict]
        LabelFormat format = SyntheticScenes.formatFor(4);
        LabeledImage scene = val.load(0);
        try (Model model = DeployGraph.loadForInference(work.resolve("finetune/model"), Device.cpu());
                Predictor<Image, CategoryMask> predictor = model.newPredictor(SegmentationTranslator.of(format));
                NDManager manager = NDManager.newBaseManager()) {
            Image image = ImageFactory.getInstance().fromNDArray(manager.create(ByteBuffer.wrap(scene.image().pixels()),
                    new Shape(64, 64, 3), ai.djl.ndarray.types.DataType.UINT8));
            CategoryMask mask = predictor.predict(image);
            // [/doc:predict]
            LabelMap direct = Evaluation.predict(model.getNDManager(), ModelDirectory.network(model), TestTimeAugmentation.NONE, scene.image());
            assertEquals(format.classNames(), mask.getClasses());
            assertArrayEquals(toBytes(mask), direct.values(), "Predictor and Evaluation predict alike");
        }
    }

    private static byte[] toBytes(CategoryMask mask) {
        int[][] m = mask.getMask();
        byte[] out = new byte[m.length * m[0].length];
        for (int y = 0; y < m.length; y++) {
            for (int x = 0; x < m[y].length; x++) {
                out[y * m[y].length + x] = (byte) m[y][x];
            }
        }
        return out;
    }
}
