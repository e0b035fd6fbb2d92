package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.eval.AveragingRule;

/** CamVid in the SegNet layout: the real frames of ../shared, and broken copies of the layout. */
class CamVidTest {

    /** SegNet's classes, in label-value order, as printed in the shared README. */
    static final List<String> CLASSES = List.of("Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence",
            "Car", "Pedestrian", "Bicyclist");

    /** The file value of void. */
    static final int VOID = 11;

    @TempDir Path root;

    /**
     * Writes {@code frames} synthetic street scenes of {@code width × height} as split {@code split} of a
     * CamVid layout under {@code root}; the first label row is void.
     */
    static void writeSynthetic(Path root, String split, int frames, int height, int width) throws IOException {
        SyntheticScenes scenes = SyntheticScenes.builder().optImageSize(height, width).optNumClasses(11).build();
        for (int i = 0; i < frames; i++) {
            LabeledImage scene = scenes.load(i);
            String name = String.format(Locale.ROOT, "0001TP_%06d.png", i);
            byte[] values = scene.label().values().clone();
            Arrays.fill(values, 0, width, (byte) VOID);
            ImageFiles.writeRgbPng(root.resolve(split).resolve(name), scene.image());
            ImageFiles.writeIndexPng(root.resolve(split + "annot").resolve(name), new LabelMap(width, height, values), null);
        }
    }

    private static LabelMap row(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return new LabelMap(values.length, 1, b);
    }

    private static InvalidDataException expectError(Path file, BadInputTest.ThrowingRunnable action) {
        InvalidDataException e = assertThrows(InvalidDataException.class, action::run);
        assertTrue(e.getMessage().startsWith(file.toString()), "message must start with " + file + ": " + e.getMessage());
        return e;
    }

    @Test
    void realTrainAndValFramesAre480x360WithVoidIgnored() throws IOException {
        Set<Integer> classesSeen = new TreeSet<>();
        int voidPixels = 0;
        for (String split : List.of("train", "val")) {
            CamVid data = CamVid.builder().setRoot(SharedData.camvid()).optSplit(split).build();
            data.prepare();
            assertEquals(split.equals("train") ? 367 : 101, data.size());
            for (long i : new long[] {0, data.size() / 2, data.size() - 1}) {
                LabeledImage sample = data.load(i);
                assertEquals(480, sample.image().width());
                assertEquals(360, sample.image().height());
                assertEquals(data.files(i).key() + ".png", data.files(i).image().getFileName().toString());
                byte[] raw = ImageFiles.readIndex(data.files(i).label()).values();
                byte[] ids = sample.label().values();
                for (int p = 0; p < raw.length; p++) {
                    int value = raw[p] & 0xFF;
                    int id = ids[p] & 0xFF;
                    assertEquals(value == VOID ? LabelMap.IGNORE : value, id, "pixel " + p + " of " + data.files(i).label());
                    voidPixels += id == LabelMap.IGNORE ? 1 : 0;
                    classesSeen.add(id);
                }
            }
        }
        assertTrue(voidPixels > 0, "the sampled frames hold void pixels");
        assertTrue(classesSeen.stream().allMatch(c -> c < 11 || c == LabelMap.IGNORE), classesSeen.toString());
    }

    @Test
    void rootMayBeTheFolderHoldingCamVid() throws IOException {
        CamVid val = CamVid.builder().setRoot(SharedData.camvid().getParent()).optSplit("val").build();
        val.prepare();
        assertEquals(101, val.size());
        assertEquals("0016E5_07959", val.files(0).key());
    }

    @Test
    void elevenClassesWithSegNetNamesAndPalette() throws IOException {
        LabelFormat camvid = CamVid.builder().setRoot(root).build().format();
        assertEquals(11, camvid.numClasses());
        assertEquals(CLASSES, camvid.classNames());
        assertEquals(0x808080, camvid.palette()[0], "Sky");
        assertEquals(0x3C28DE, camvid.palette()[4], "Pavement");
        assertEquals(0x0080C0, camvid.palette()[10], "Bicyclist");
        assertEquals(0x000000, camvid.voidColor());
        assertEquals(AveragingRule.NON_NAN_CLASSES, camvid.averaging());
        assertArrayEquals(new int[] {0, 3, 10, 255}, camvid.groundTruthToClasses(row(0, 3, 10, VOID), root).toIntArray());
    }

    @Test
    void labelValuesOtherThanClassesAndVoidAreErrorsNamingFileValueAndPixel() throws IOException {
        writeSynthetic(root, "train", 1, 16, 24);
        Path label = root.resolve("trainannot/0001TP_000000.png");
        for (int bad : new int[] {12, 32, 255}) {
            byte[] values = new byte[24 * 16];
            values[2 * 24 + 5] = (byte) bad;
            ImageFiles.writeIndexPng(label, new LabelMap(24, 16, values), null);
            CamVid data = CamVid.builder().setRoot(root).build();
            data.prepare();
            InvalidDataException e = expectError(label, () -> data.load(0));
            assertTrue(e.getMessage().contains("value " + bad + " at (5, 2)"), e.getMessage());
            expectError(label, () -> CamVid.builder().setRoot(root).optVerify(true).build().prepare());
        }
    }

    @Test
    void corruptLabelIsAnErrorNamingIt() throws IOException {
        writeSynthetic(root, "val", 2, 16, 16);
        Path label = root.resolve("valannot/0001TP_000001.png");
        byte[] bytes = Files.readAllBytes(label);
        Files.write(label, Arrays.copyOf(bytes, bytes.length / 2));
        CamVid val = CamVid.builder().setRoot(root).optSplit("val").build();
        val.prepare();
        assertEquals(LabelMap.IGNORE, val.load(0).label().get(3, 0), "the void row of the intact frame");
        expectError(label, () -> val.load(1));
    }

    @Test
    void missingLabelFolderOrSplitIsAnErrorNamingTheFolder() throws IOException {
        writeSynthetic(root, "train", 1, 16, 16);
        writeSynthetic(root, "val", 1, 16, 16);
        for (Path file : List.of(root.resolve("valannot/0001TP_000000.png"), root.resolve("valannot"))) {
            Files.delete(file);
        }
        InvalidDataException e = expectError(root.resolve("valannot"),
                () -> CamVid.builder().setRoot(root).optSplit("val").build().prepare());
        assertTrue(e.getMessage().contains("label folder of split 'val'"), e.getMessage());
        assertTrue(e.getMessage().contains("[train, trainannot, val]"), e.getMessage());
        e = expectError(root.resolve("test"), () -> CamVid.builder().setRoot(root).optSplit("test").build().prepare());
        assertTrue(e.getMessage().contains("image folder of split 'test'"), e.getMessage());
        expectError(root.resolve("nowhere"), () -> CamVid.builder().setRoot(root.resolve("nowhere")).build().prepare());
    }

    @Test
    void frameWithoutLabelIsAnErrorNamingIt() throws IOException {
        writeSynthetic(root, "train", 2, 16, 16);
        Files.delete(root.resolve("trainannot/0001TP_000001.png"));
        InvalidDataException e = expectError(root.resolve("train/0001TP_000001.png"),
                () -> CamVid.builder().setRoot(root).build().prepare());
        assertTrue(e.getMessage().contains("without a label"), e.getMessage());
    }
}
