package org.rtseg.data.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.RgbImage;

class PredictionWriterTest {

    @TempDir Path dir;

    private static LabelMap classes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return new LabelMap(v.length, 1, b);
    }

    @Test
    void officialFormatsHoldFileValues() throws IOException {
        LabelMap pred = classes(0, 1, 18, 13);
        Path city = new PredictionWriter(LabelFormat.CITYSCAPES).writeOfficial(dir, "aachen_000000_000019", pred);
        assertArrayEquals(new int[] {7, 8, 33, 26}, ImageFiles.readIndex(city).toIntArray());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, ImageIO.read(city.toFile()).getType());

        Path ade = new PredictionWriter(LabelFormat.ADE20K).writeOfficial(dir, "ADE_val_00000001", pred);
        assertArrayEquals(new int[] {1, 2, 19, 14}, ImageFiles.readIndex(ade).toIntArray());

        Path voc = new PredictionWriter(LabelFormat.VOC).writeOfficial(dir, "2007_000129", pred);
        assertArrayEquals(new int[] {0, 1, 18, 13}, ImageFiles.readIndex(voc).toIntArray());
        IndexColorModel palette = (IndexColorModel) ImageIO.read(voc.toFile()).getColorModel();
        assertEquals(0x800000, palette.getRGB(1) & 0xFFFFFF);
        assertEquals(0xE0E0C0, palette.getRGB(255) & 0xFFFFFF);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary files left");
        }
    }

    @Test
    void unassignedPixelsCannotBeExported() {
        PredictionWriter writer = new PredictionWriter(LabelFormat.CITYSCAPES);
        assertThrows(IllegalArgumentException.class, () -> writer.writeOfficial(dir, "x", classes(0, 255)));
        assertThrows(IllegalArgumentException.class, () -> writer.writeOfficial(dir, "x", classes(19)));
    }

    @Test
    void colourMaskAndOverlay() throws IOException {
        PredictionWriter writer = new PredictionWriter(LabelFormat.CITYSCAPES);
        LabelMap pred = classes(0, 10, 255);
        RgbImage mask = writer.colorize(pred);
        assertEquals(128, mask.get(0, 0, 0));
        assertEquals(64, mask.get(0, 0, 1));
        assertEquals(180, mask.get(1, 0, 2));
        assertEquals(0, mask.get(2, 0, 0));
        RgbImage white = new RgbImage(3, 1, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1});
        RgbImage blend = writer.overlay(white, pred, 0.5);
        assertEquals(Math.round((255 + 128) / 2.0), blend.get(0, 0, 0));
        assertEquals(255, blend.get(2, 0, 1), "unscored pixels keep the image");
        writer.writeOverlay(dir.resolve("o.png"), white, pred, 0.5);
        writer.writeColorMask(dir.resolve("m.png"), pred);
        assertArrayEquals(mask.pixels(), ImageFiles.readRgb(dir.resolve("m.png")).pixels());
        assertTrue(Files.exists(dir.resolve("o.png")));
    }

    @Test
    void nearestResizeBringsPredictionsToGroundTruthSize() {
        LabelMap small = new LabelMap(2, 1, new byte[] {3, 5});
        assertArrayEquals(new int[] {3, 3, 5, 5}, small.resizeNearest(4, 1).toIntArray());
    }
}
