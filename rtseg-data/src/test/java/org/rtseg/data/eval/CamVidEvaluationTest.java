package org.rtseg.data.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.CamVid;
import org.rtseg.data.FileSegmentationDataset.SampleFiles;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.InvalidDataException;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.RgbImage;
import org.rtseg.data.SharedData;

/** CamVid predictions: value-PNG export, colour masks, and scoring a few real val frames. */
class CamVidEvaluationTest {

    private static final PredictionWriter WRITER = new PredictionWriter(LabelFormat.CAMVID);

    @TempDir Path dir;

    /**
     * A ground-truth root holding the labels of the first {@code count} real val frames: scoring needs
     * labels only, and a few frames keep the test fast.
     */
    private Path fewValLabels(int count) throws IOException {
        Path root = dir.resolve("gt");
        Files.createDirectories(root.resolve("valannot"));
        List<SampleFiles> all = CamVid.builder().setRoot(SharedData.camvid()).optSplit("val").build().groundTruthFiles();
        for (SampleFiles f : all.subList(0, count)) {
            Files.copy(f.label(), root.resolve("valannot").resolve(f.label().getFileName()));
        }
        return root;
    }

    private static LabelMap classes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return new LabelMap(v.length, 1, b);
    }

    @Test
    void perfectPredictionsOfAFewValFramesScoreOneOnThePresentClasses() throws IOException {
        CamVid val = CamVid.builder().setRoot(fewValLabels(3)).optSplit("val").build();
        Path predictions = dir.resolve("pred");
        Set<Integer> present = new TreeSet<>();
        for (SampleFiles f : val.groundTruthFiles()) {
            byte[] ids = LabelFormat.CAMVID.groundTruthToClasses(ImageFiles.readIndex(f.label()), f.label()).values().clone();
            for (int i = 0; i < ids.length; i++) {
                if ((ids[i] & 0xFF) == LabelMap.IGNORE) {
                    ids[i] = 3; // void pixels are not scored: any class will do there
                } else {
                    present.add((int) ids[i]);
                }
            }
            WRITER.writeOfficial(predictions, f.key(), new LabelMap(480, 360, ids));
        }
        SegmentationMetrics m = new PredictionEvaluator(val, 2).evaluate(predictions, null);
        assertEquals(present.size(), m.definedClasses());
        assertTrue(present.size() >= 8, "three street frames show most classes: " + present);
        for (int c = 0; c < 11; c++) {
            assertEquals(present.contains(c) ? 1.0 : Double.NaN, m.iou()[c], 0, m.classNames().get(c));
        }
        assertEquals(1.0, m.meanIoU(), 0);
        assertEquals(1.0, m.pixelAccuracy(), 0);
        assertEquals("camvid", m.dataset());
    }

    @Test
    void groundTruthFilesAsPredictionsScoreOneSinceVoidPredictionsAreAllowed() throws IOException {
        CamVid val = CamVid.builder().setRoot(fewValLabels(2)).optSplit("val").build();
        Path predictions = dir.resolve("pred");
        Files.createDirectories(predictions);
        for (SampleFiles f : val.groundTruthFiles()) {
            Files.copy(f.label(), predictions.resolve(f.key() + ".png"));
        }
        assertEquals(1.0, new PredictionEvaluator(val, 1).evaluate(predictions, null).meanIoU(), 0);
    }

    @Test
    void voidOrOutOfRangePredictions() throws IOException {
        CamVid val = CamVid.builder().setRoot(fewValLabels(1)).optSplit("val").build();
        SampleFiles gt = val.groundTruthFiles().get(0);
        Path file = dir.resolve("pred").resolve(gt.key() + ".png");
        byte[] voidEverywhere = new byte[480 * 360];
        Arrays.fill(voidEverywhere, (byte) 11);
        ImageFiles.writeIndexPng(file, new LabelMap(480, 360, voidEverywhere), null);
        SegmentationMetrics m = new PredictionEvaluator(val, 1).evaluate(dir.resolve("pred"), null);
        assertEquals(0.0, m.meanIoU(), 0, "a void prediction is a miss");
        assertEquals(0.0, m.pixelAccuracy(), 0);

        voidEverywhere[480 * 7 + 9] = 12;
        ImageFiles.writeIndexPng(file, new LabelMap(480, 360, voidEverywhere), null);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> new PredictionEvaluator(val, 1).evaluate(dir.resolve("pred"), null));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("value 12 at (9, 7)"), e.getMessage());
    }

    @Test
    void valuePngsHoldClassIndicesAndRoundTrip() throws IOException {
        LabelMap pred = classes(0, 1, 5, 10, 3);
        Path file = WRITER.writeOfficial(dir, "0016E5_07959", pred);
        assertEquals(dir.resolve("0016E5_07959.png"), file);
        assertArrayEquals(pred.values(), ImageFiles.readIndex(file).values());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, ImageIO.read(file.toFile()).getType(), "grayscale, as SegNet's labels");
        assertArrayEquals(pred.values(), LabelFormat.CAMVID.predictionToClasses(ImageFiles.readIndex(file), file).values());
        assertNull(LabelFormat.CAMVID.filePalette());
        assertThrows(IllegalArgumentException.class, () -> WRITER.writeOfficial(dir, "x", classes(0, LabelMap.IGNORE)));
        assertThrows(IllegalArgumentException.class, () -> WRITER.writeOfficial(dir, "x", classes(11)));
    }

    @Test
    void colourMaskUsesSegNetPaletteAndOverlayKeepsVoid() throws IOException {
        LabelMap pred = classes(0, 3, 10, LabelMap.IGNORE);
        WRITER.writeColorMask(dir.resolve("mask.png"), pred);
        RgbImage mask = ImageFiles.readRgb(dir.resolve("mask.png"));
        int[][] expected = {{128, 128, 128}, {128, 64, 128}, {0, 128, 192}, {0, 0, 0}};
        for (int x = 0; x < expected.length; x++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(expected[x][c], mask.get(x, 0, c), "pixel " + x + " channel " + c);
            }
        }
        RgbImage white = new RgbImage(4, 1, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1});
        WRITER.writeOverlay(dir.resolve("overlay.png"), white, pred, 0.5);
        RgbImage overlay = ImageFiles.readRgb(dir.resolve("overlay.png"));
        assertEquals(Math.round((255 + 128) / 2.0), overlay.get(0, 0, 0));
        assertEquals(255, overlay.get(3, 0, 1), "void pixels keep the image");
    }
}
