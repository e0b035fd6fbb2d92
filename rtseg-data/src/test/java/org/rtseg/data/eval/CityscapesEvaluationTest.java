package org.rtseg.data.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.Ade20k;
import org.rtseg.data.Cityscapes;
import org.rtseg.data.FileSegmentationDataset;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.InvalidDataException;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.PascalVoc;
import org.rtseg.data.SharedData;

/** Scoring official-format prediction folders against the real ground truth, as the official scripts. */
class CityscapesEvaluationTest {

    private static final String KEY = "frankfurt_000000_000294";

    @TempDir Path predictions;

    /** Every test scores the shared frames: skip them all up front, not inside an assertThrows. */
    @BeforeEach
    void requireSharedData() {
        SharedData.cityscapes();
        SharedData.voc();
        SharedData.ade20k();
    }

    private static Cityscapes cityscapesVal() {
        return Cityscapes.builder().setRoot(SharedData.cityscapes()).optSplit("val").build();
    }

    private static SegmentationMetrics evaluate(FileSegmentationDataset dataset, Path dir) throws IOException {
        return new PredictionEvaluator(dataset, 2).evaluate(dir, null);
    }

    private static LabelMap constant(LabelMap like, int value) {
        byte[] b = new byte[like.values().length];
        Arrays.fill(b, (byte) value);
        return new LabelMap(like.width(), like.height(), b);
    }

    @Test
    void groundTruthAsPredictionScoresOneOnThePresentClasses() throws IOException {
        Path gt = SharedData.cityscapesLabelIds();
        Files.copy(gt, predictions.resolve(KEY + "_pred.png"));
        SegmentationMetrics m = evaluate(cityscapesVal(), predictions);
        assertEquals(10, m.definedClasses());
        for (double iou : m.iou()) {
            assertTrue(Double.isNaN(iou) || iou == 1.0);
        }
        assertEquals(1.0, m.meanIoU(), 0);
        assertEquals(1.0, m.pixelAccuracy(), 0);
    }

    @Test
    void everyPixelRoadMatchesCityscapesScripts() throws IOException {
        LabelMap gt = ImageFiles.readIndex(SharedData.cityscapesLabelIds());
        ImageFiles.writeIndexPng(predictions.resolve("frankfurt/" + KEY + "_leftImg8bit.png"), constant(gt, 7), null);
        SegmentationMetrics m = evaluate(cityscapesVal(), predictions);
        assertEquals(0.337, m.iou()[0], 5e-4);
        assertEquals(0.03370942064096352, m.meanIoU(), 1e-12);
        assertEquals(10, m.definedClasses());
        assertEquals(LabelFormat.CITYSCAPES.averaging(), m.rule());
        assertTrue(m.toTable().contains("0.0337"), m.toTable());
    }

    @Test
    void predictingAnIgnoredIdCountsAsFalseNegative() throws IOException {
        LabelMap gt = ImageFiles.readIndex(SharedData.cityscapesLabelIds());
        ImageFiles.writeIndexPng(predictions.resolve(KEY + ".png"), constant(gt, 0), null);
        SegmentationMetrics m = evaluate(cityscapesVal(), predictions);
        assertEquals(10, m.definedClasses());
        assertEquals(0.0, m.meanIoU(), 0);
        assertEquals(0.0, m.pixelAccuracy(), 0);
    }

    @Test
    void exportedTrainIdPredictionRoundTripsThroughTheOfficialFormat() throws IOException {
        Cityscapes val = Cityscapes.builder().setRoot(SharedData.cityscapes()).optSplit("val").optSkipUnlabeled(true).build();
        val.prepare();
        LabelMap trainIds = val.load(0).label();
        byte[] pred = trainIds.values().clone();
        for (int i = 0; i < pred.length; i++) {
            pred[i] = (pred[i] & 0xFF) == 255 ? 10 : pred[i];
        }
        new PredictionWriter(LabelFormat.CITYSCAPES).writeOfficial(predictions, KEY, new LabelMap(256, 128, pred));
        SegmentationMetrics m = evaluate(cityscapesVal(), predictions);
        assertEquals(1.0, m.meanIoU(), 0);
    }

    @Test
    void missingPredictionIsAnErrorNamingTheGroundTruth() throws IOException {
        Files.writeString(predictions.resolve("unrelated.txt"), "x");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> evaluate(cityscapesVal(), predictions));
        assertTrue(e.getMessage().contains(SharedData.cityscapesLabelIds().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(KEY + "*.png"), e.getMessage());
    }

    @Test
    void duplicatedPredictionIsAnError() throws IOException {
        Files.copy(SharedData.cityscapesLabelIds(), predictions.resolve(KEY + "_a.png"));
        Files.createDirectories(predictions.resolve("sub"));
        Files.copy(SharedData.cityscapesLabelIds(), predictions.resolve("sub/" + KEY + "_b.png"));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> evaluate(cityscapesVal(), predictions));
        assertTrue(e.getMessage().contains("2 predictions"), e.getMessage());
    }

    @Test
    void wrongSizeRgbAndOutOfRangePredictionsAreErrorsNamingThePrediction() throws IOException {
        Path file = predictions.resolve(KEY + ".png");
        ImageFiles.writeIndexPng(file, new LabelMap(128, 64, new byte[128 * 64]), null);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> evaluate(cityscapesVal(), predictions));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("128x64"), e.getMessage());

        ImageFiles.writeRgbPng(file, new org.rtseg.data.RgbImage(256, 128, new byte[256 * 128 * 3]));
        e = assertThrows(InvalidDataException.class, () -> evaluate(cityscapesVal(), predictions));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("RGB"), e.getMessage());

        LabelMap gt = ImageFiles.readIndex(SharedData.cityscapesLabelIds());
        ImageFiles.writeIndexPng(file, constant(gt, 40), null);
        e = assertThrows(InvalidDataException.class, () -> evaluate(cityscapesVal(), predictions));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("value 40"), e.getMessage());
    }

    @Test
    void missingPredictionFolderIsAnError() {
        Path missing = predictions.resolve("nope");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> evaluate(cityscapesVal(), missing));
        assertEquals(missing, e.file());
    }

    @Test
    void vocAndAde20kGroundTruthAsPredictionUseTheirRules() throws IOException {
        PascalVoc voc = PascalVoc.builder().setRoot(SharedData.voc()).optSplit("val").build();
        Path vocGt = SharedData.require("voc2012/VOCdevkit/VOC2012/SegmentationClass/2007_000129.png");
        LabelMap vocValues = ImageFiles.readIndex(vocGt);
        byte[] noVoid = vocValues.values().clone();
        for (int i = 0; i < noVoid.length; i++) {
            noVoid[i] = (noVoid[i] & 0xFF) == 255 ? 0 : noVoid[i];
        }
        new PredictionWriter(LabelFormat.VOC).writeOfficial(predictions, "2007_000129", new LabelMap(334, 500, noVoid));
        SegmentationMetrics vm = evaluate(voc, predictions);
        assertEquals(1.0, vm.meanIoU(), 0);
        assertEquals(3, vm.definedClasses());

        Path adePredictions = predictions.resolve("ade");
        Ade20k ade = Ade20k.builder().setRoot(SharedData.ade20k()).optSplit("validation").build();
        for (FileSegmentationDataset.SampleFiles f : ade.groundTruthFiles()) {
            Files.createDirectories(adePredictions);
            Files.copy(f.label(), adePredictions.resolve(f.key() + ".png"));
        }
        SegmentationMetrics am = evaluate(ade, adePredictions);
        assertEquals(AveragingRule.ALL_CLASSES, am.rule());
        assertEquals(1.0, am.pixelAccuracy(), 0);
        assertEquals((double) am.definedClasses() / 150, am.meanIoU(), 1e-12);
    }

    @Test
    void metricsJsonIsWrittenAtomically() throws IOException {
        Files.copy(SharedData.cityscapesLabelIds(), predictions.resolve(KEY + ".png"));
        SegmentationMetrics m = evaluate(cityscapesVal(), predictions);
        Path json = predictions.resolve("out/metrics.json");
        m.writeJson(json);
        String text = Files.readString(json);
        assertTrue(text.contains("\"mIoU\" : 1.0") && text.contains("\"categoryIoU\""), text);
    }
}
