package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rtseg.data.eval.PredictionEvaluator;
import org.rtseg.data.eval.PredictionWriter;
import org.rtseg.data.eval.SegmentationMetrics;

/** The no-code {@code folder} layout: dataset.json, {@code <split>/images}, {@code <split>/labels}. */
class FolderDatasetTest {

    /** Three classes, label value 9 unscored. */
    private static final String THREE_CLASSES = "{\"classes\": [\"background\", \"road\", \"car\"], \"ignore\": 9}";
    private static final int RED = 0xFF0000;
    private static final int GREEN = 0x00FF00;
    private static final int BLUE = 0x0000FF;
    private static final int WHITE = 0xFFFFFF;

    @TempDir Path root;

    private static LabelMap row(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return new LabelMap(values.length, 1, b);
    }

    private static RgbImage colors(int... rgb) {
        byte[] p = new byte[rgb.length * 3];
        for (int i = 0; i < rgb.length; i++) {
            p[3 * i] = (byte) (rgb[i] >> 16);
            p[3 * i + 1] = (byte) (rgb[i] >> 8);
            p[3 * i + 2] = (byte) rgb[i];
        }
        return new RgbImage(rgb.length, 1, p);
    }

    private void describe(String json) throws IOException {
        Files.writeString(root.resolve("dataset.json"), json);
    }

    /** An image of {@code width}×1 named {@code <name><suffix>} in the split's images. */
    private Path image(String split, String name, String suffix, int width) throws IOException {
        Path file = root.resolve(split).resolve("images").resolve(name + suffix);
        ImageFiles.writeRgbPng(file, ImageFilesTest.gradient(width, 1));
        return file;
    }

    private Path label(String split, String name, LabelMap values) throws IOException {
        Path file = root.resolve(split).resolve("labels").resolve(name + ".png");
        ImageFiles.writeIndexPng(file, values, null);
        return file;
    }

    private Path colorLabel(String split, String name, RgbImage rgb) throws IOException {
        Path file = root.resolve(split).resolve("labels").resolve(name + ".png");
        ImageFiles.writeRgbPng(file, rgb);
        return file;
    }

    private FolderDataset open(String split) throws IOException {
        FolderDataset ds = FolderDataset.builder().setRoot(root).optSplit(split).build();
        ds.prepare();
        return ds;
    }

    private static InvalidDataException expectError(Path file, String problem, FolderDataset dataset) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> {
            dataset.prepare();
            dataset.load(0);
        });
        assertTrue(e.getMessage().startsWith(file + ": " + problem), "expected '" + file + ": " + problem + "…', got: " + e.getMessage());
        return e;
    }

    private FolderDataset train() {
        return FolderDataset.builder().setRoot(root).build();
    }

    @Test
    void idLabelsAreClassIdsAndTheIgnoreValueIsUnscored() throws IOException {
        describe(THREE_CLASSES);
        image("train", "a", ".png", 4);
        image("train", "b", ".JPG", 4);
        label("train", "a", row(0, 1, 2, 9));
        label("train", "b", row(2, 2, 9, 0));
        FolderDataset ds = open("train");
        assertEquals(2, ds.size());
        assertEquals(List.of("background", "road", "car"), ds.classNames());
        assertEquals(root.getFileName().toString(), ds.format().name(), "named after its root by default");
        assertArrayEquals(new byte[] {0, 1, 2, (byte) LabelMap.IGNORE}, ds.load(0).label().values());
        assertEquals("b", ds.load(1).key(), "images pair with labels by name, whatever their extension");
        assertEquals(0x800000, ds.format().palette()[1], "the VOC colour map by default");
        assertEquals(3, DatasetTypes.get(FolderDataset.NAME).format(root).numClasses());
    }

    @Test
    void colourLabelsAreReadThroughThePalette() throws IOException {
        describe("""
                {"name": "rgb-roads", "classes": ["background", "road", "car"], "palette": [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                 "labels": "colors", "ignoreColor": [255, 255, 255]}""");
        image("val", "a", ".png", 4);
        colorLabel("val", "a", colors(BLUE, WHITE, RED, GREEN));
        FolderDataset ds = open("val");
        assertEquals("rgb-roads", ds.format().name());
        assertArrayEquals(new byte[] {2, (byte) LabelMap.IGNORE, 0, 1}, ds.load(0).label().values());
        assertArrayEquals(new int[] {RED, GREEN, BLUE}, ds.format().palette());

        // Scoring reads the ground truth the same way; predictions are id PNGs, as the writer exports them.
        Path predictions = root.resolve("pred");
        new PredictionWriter(ds.format()).writeOfficial(predictions, "a", row(2, 0, 0, 1));
        SegmentationMetrics scores = new PredictionEvaluator(ds, 1).evaluate(predictions, null);
        assertEquals(1.0, scores.meanIoU(), 0);
        assertEquals(3, scores.scoredPixels(), "the unscored pixel does not count");
    }

    @Test
    void aRunConfigOpensItByName() throws IOException {
        describe(THREE_CLASSES);
        image("train", "a", ".png", 4);
        label("train", "a", row(0, 1, 2, 9));
        DataConfig config = new DataConfig(FolderDataset.NAME, root.toString(), "train", 0, 0, 0, 0, 0, 0, null, 1, 1,
                false, 0, 0, true);
        assertEquals(3, config.numClasses());
        SegmentationDataset train = config.training(1);
        assertInstanceOf(FolderDataset.class, train);
        assertArrayEquals(new byte[] {0, 1, 2, (byte) LabelMap.IGNORE}, train.load(0).label().values());
    }

    static Stream<Arguments> badDescriptions() {
        return Stream.of(
                Arguments.of("{\"classes\": [\"a\", \"b\"],}", "is not valid JSON"),
                Arguments.of("{\"classes\": [\"a\", \"b\"], \"pallete\": []}", "has an unknown field 'pallete'"),
                Arguments.of("{\"classes\": \"road\"}", "field 'classes' must be a list of class names"),
                Arguments.of("{\"classes\": [\"a\"], \"ignore\": \"none\"}", "field 'ignore' must be an integer"),
                Arguments.of("{\"classes\": []}", "lists no classes"),
                Arguments.of("{\"ignore\": 255}", "lists no classes"),
                Arguments.of("{\"classes\": [\"road\", \"car\", \"road\"]}", "lists class 'road' twice"),
                Arguments.of("{\"classes\": [\"a\", \"road\"], \"ignore\": 1}", "has ignore 1, which is the id of class 'road'"),
                Arguments.of("{\"classes\": [\"a\", \"b\"], \"ignore\": 256}", "has ignore 256, outside 0..255"),
                Arguments.of("{\"classes\": [\"a\", \"b\", \"c\"], \"palette\": [[0, 0, 0], [1, 1, 1]]}",
                        "has a palette of 2 colours for 3 classes"),
                Arguments.of("{\"classes\": [\"a\"], \"palette\": [[300, 0, 0]]}", "has palette[0] = [300, 0, 0]"),
                Arguments.of("{\"classes\": [\"a\"], \"palette\": [[0, 0]]}", "has palette[0] = [0, 0]"),
                Arguments.of("{\"classes\": [\"a\"], \"labels\": \"rgb\"}", "has labels 'rgb'"),
                Arguments.of("{\"classes\": [\"a\"], \"labels\": \"colors\"}", "has colour labels but no palette"),
                Arguments.of("{\"classes\": [\"a\", \"b\"], \"labels\": \"colors\", \"palette\": [[1, 2, 3], [1, 2, 3]]}",
                        "gives classes 0 and 1 the same colour (1, 2, 3)"),
                Arguments.of("{\"classes\": [\"a\"], \"labels\": \"colors\", \"palette\": [[1, 2, 3]], \"ignoreColor\": [1, 2, 3]}",
                        "has ignoreColor (1, 2, 3), the colour of class 0"),
                Arguments.of("null", "holds no JSON object"),
                Arguments.of("[\"a\"]", "is not one JSON object of description fields"));
    }

    @ParameterizedTest
    @MethodSource("badDescriptions")
    void aBadDescriptionIsAnErrorNamingItAndTheProblem(String json, String problem) throws IOException {
        describe(json);
        image("train", "a", ".png", 1);
        label("train", "a", row(0));
        InvalidDataException e = expectError(root.resolve("dataset.json"), problem, train());
        assertTrue(e.getMessage().contains("docs/data.md"), "points to the documentation: " + e.getMessage());
        InvalidDataException early = assertThrows(InvalidDataException.class,
                () -> DatasetTypes.get(FolderDataset.NAME).format(root), "configs read the class count first");
        assertEquals(e.getMessage(), early.getMessage());
    }

    @Test
    void aMissingDescriptionSaysWhatToWrite() throws IOException {
        image("train", "a", ".png", 1);
        label("train", "a", row(0));
        InvalidDataException e = expectError(root.resolve("dataset.json"), "does not exist", train());
        assertTrue(e.getMessage().contains("{\"classes\": ["), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DatasetTypes.get(FolderDataset.NAME).format(null),
                "without a root there is no dataset.json to read");
    }

    @Test
    void aLabelValueOutsideTheClassesAndIgnoreIsAnErrorNamingFileValueAndPixel() throws IOException {
        describe(THREE_CLASSES);
        image("train", "a", ".png", 4);
        Path label = label("train", "a", row(0, 1, 3, 9));
        expectError(label, "holds value 3 at (2, 0), which is neither a class id of " + root.resolve("dataset.json")
                + " (0..2) nor its ignore value 9", train());
        describe("{\"classes\": [\"background\", \"road\", \"car\"]}");
        label("train", "a", row(0, 1, 2, 9));
        expectError(label, "holds value 9 at (3, 0), which is neither a class id", train());
    }

    @Test
    void aColourOutsideThePaletteIsAnErrorNamingFileColourAndPixel() throws IOException {
        describe("{\"classes\": [\"a\", \"b\"], \"palette\": [[255, 0, 0], [0, 255, 0]], \"labels\": \"colors\"}");
        image("train", "a", ".png", 3);
        Path label = colorLabel("train", "a", colors(RED, GREEN, WHITE));
        expectError(label, "holds colour (255, 255, 255) at (2, 0), which is neither a class colour", train());
    }

    @Test
    void unpairedFilesAreErrorsNamingThem() throws IOException {
        describe(THREE_CLASSES);
        image("train", "a", ".jpg", 1);
        label("train", "a", row(0));
        Path orphan = label("train", "b", row(0));
        expectError(orphan, "is a label without an image (expected " + root.resolve("train/images/b.jpg") + ")", train());
        Files.delete(orphan);
        Path unlabeled = image("train", "c", ".jpg", 1);
        expectError(unlabeled, "is an image without a label (expected " + root.resolve("train/labels/c.png") + ")", train());
        Files.delete(unlabeled);
        Path twin = image("train", "a", ".png", 1);
        expectError(twin, "has the same name as a.jpg but for the extension", train());
    }

    @Test
    void aMissingRootSplitOrFolderIsAnErrorListingWhatExists() throws IOException {
        expectError(root.resolve("nowhere"), "dataset root does not exist",
                FolderDataset.builder().setRoot(root.resolve("nowhere")).build());
        describe(THREE_CLASSES);
        image("train", "a", ".png", 1);
        label("train", "a", row(0));
        InvalidDataException split = expectError(root.resolve("val"), "split 'val' does not exist",
                FolderDataset.builder().setRoot(root).optSplit("val").build());
        assertTrue(split.getMessage().endsWith("splits found: [train]"), split.getMessage());
        Files.createDirectories(root.resolve("val/labels"));
        expectError(root.resolve("val/images"), "the image folder of split 'val' does not exist",
                FolderDataset.builder().setRoot(root).optSplit("val").build());
    }
}
