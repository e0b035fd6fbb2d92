package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class LabelFormatTest {

    private static final Path FILE = Path.of("some/label.png");

    /** The devkit table, as printed in the shared README. */
    private static final int[] LABEL_TO_TRAIN = {255, 255, 255, 255, 255, 255, 255, 0, 1, 255, 255, 2, 3, 4, 255, 255,
        255, 5, 255, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255, 255, 16, 17, 18};

    private static LabelMap row(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return new LabelMap(values.length, 1, b);
    }

    @Test
    void cityscapesMapsLabelIdsToTrainIdsAsTheDevkit() throws IOException {
        int[] ids = new int[34];
        for (int i = 0; i < 34; i++) {
            ids[i] = i;
        }
        assertArrayEquals(LABEL_TO_TRAIN, LabelFormat.CITYSCAPES.groundTruthToClasses(row(ids), FILE).toIntArray());
        assertEquals(19, LabelFormat.CITYSCAPES.numClasses());
        assertEquals("road", LabelFormat.CITYSCAPES.classNames().get(0));
        assertEquals(7, LabelFormat.CITYSCAPES.categories().size());
        assertEquals(0x804080, LabelFormat.CITYSCAPES.palette()[0]);
        for (int t = 0; t < 19; t++) {
            assertEquals(t, LABEL_TO_TRAIN[LabelFormat.CITYSCAPES.fileValue(t)]);
        }
    }

    @Test
    void outOfRangeValuesAreErrorsNamingTheFile() {
        for (Object[] c : new Object[][] {{LabelFormat.CITYSCAPES, 34}, {LabelFormat.VOC, 21}, {LabelFormat.VOC, 254},
            {LabelFormat.ADE20K, 151}, {LabelFormat.CAMVID, 12}, {LabelFormat.CAMVID, 255}}) {
            LabelFormat format = (LabelFormat) c[0];
            int value = (Integer) c[1];
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> format.groundTruthToClasses(row(0, value), FILE));
            assertTrue(e.getMessage().startsWith(FILE.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("value " + value + " at (1, 0)"), e.getMessage());
        }
    }

    @Test
    void vocAndAdeConventions() throws IOException {
        assertArrayEquals(new int[] {0, 20, 255}, LabelFormat.VOC.groundTruthToClasses(row(0, 20, 255), FILE).toIntArray());
        assertArrayEquals(new int[] {255, 0, 149}, LabelFormat.ADE20K.groundTruthToClasses(row(0, 1, 150), FILE).toIntArray());
        assertEquals(150, LabelFormat.ADE20K.numClasses());
        assertEquals(150, LabelFormat.ADE20K.palette().length);
    }

    @Test
    void predictionsOfUnscoredIdsAreMissesWhereTheDevkitAllowsThem() throws IOException {
        assertArrayEquals(new int[] {255, 0}, LabelFormat.CITYSCAPES.predictionToClasses(row(0, 7), FILE).toIntArray());
        assertArrayEquals(new int[] {255, 149}, LabelFormat.ADE20K.predictionToClasses(row(0, 150), FILE).toIntArray());
        // VOCevalseg rejects any prediction value above 20.
        assertThrows(InvalidDataException.class, () -> LabelFormat.VOC.predictionToClasses(row(255), FILE));
    }

    @Test
    void exportMapsClassesBackToFileValues() {
        assertArrayEquals(new int[] {7, 33, 26}, LabelFormat.CITYSCAPES.classesToFileValues(row(0, 18, 13)).toIntArray());
        assertArrayEquals(new int[] {1, 150}, LabelFormat.ADE20K.classesToFileValues(row(0, 149)).toIntArray());
        assertThrows(IllegalArgumentException.class, () -> LabelFormat.VOC.classesToFileValues(row(255)));
    }

    @Test
    void vocPaletteIsTheOneOfTheOfficialPngs() throws IOException {
        Path file = SharedData.require("voc2012/VOCdevkit/VOC2012/SegmentationClass/2007_000129.png");
        BufferedImage image = ImageIO.read(file.toFile());
        IndexColorModel official = (IndexColorModel) image.getColorModel();
        int[] ours = LabelFormat.VOC.filePalette();
        for (int i : new int[] {0, 1, 2, 7, 15, 20, 255}) {
            assertEquals(official.getRGB(i) & 0xFFFFFF, ours[i], "palette entry " + i);
        }
    }
}
