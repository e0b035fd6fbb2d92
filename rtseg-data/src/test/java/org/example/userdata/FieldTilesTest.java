package org.example.userdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.DataConfig;
import org.rtseg.data.DataConfigException;
import org.rtseg.data.DatasetTypes;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.InvalidDataException;
import org.rtseg.data.LabelMap;
import org.rtseg.data.SegmentationDataset;

/**
 * A layout of a user's own, outside {@code org.rtseg.data}: {@link FieldTiles} extends the public base
 * class, {@link FieldTilesType} registers it through {@code META-INF/services}, and configs open it by
 * name. The code regions between the [doc:NAME] markers are quoted in docs/data.md.
 */
class FieldTilesTest {

    private static final int WIDTH = 8;
    private static final int HEIGHT = 6;

    @TempDir Path root;

    /** Mask of tile {@code i}: row y holds class (y + i) % 3, the last row is unlabelled. */
    private static LabelMap mask(int i) {
        byte[] values = new byte[WIDTH * HEIGHT];
        for (int y = 0; y < HEIGHT; y++) {
            Arrays.fill(values, y * WIDTH, (y + 1) * WIDTH, (byte) (y == HEIGHT - 1 ? 255 : (y + i) % 3));
        }
        return new LabelMap(WIDTH, HEIGHT, values);
    }

    /** Writes tiles {@code tile0 … tile<n-1>} and lists them in {@code <split>.txt}. */
    private void writeTiles(String split, int n) throws IOException {
        Files.createDirectories(root.resolve("tiles"));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = "tile" + i;
            ImageIO.write(new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR), "jpg",
                    root.resolve("tiles").resolve(name + ".jpg").toFile());
            ImageFiles.writeIndexPng(root.resolve("masks").resolve(name + ".png"), mask(i), null);
            names.add(name);
        }
        Files.write(root.resolve(split + ".txt"), names);
    }

    private String configJson() throws IOException {
        return """
                {"dataset": "field-tiles", "root": %s, "split": "train",
                 "cropHeight": 4, "cropWidth": 4, "scaleMin": 1, "scaleMax": 1}
                """.formatted(new ObjectMapper().writeValueAsString(root.toString()));
    }

    @Test
    void theServiceLoaderRegistersItAfterTheBuiltIns() {
        assertInstanceOf(FieldTilesType.class, DatasetTypes.get("field-tiles"));
        assertEquals(List.of("cityscapes", "voc", "ade20k", "camvid", "folder", "field-tiles"), DatasetTypes.names().subList(0, 6));
    }

    @Test
    void aDataConfigOpensItByName() throws Exception {
        writeTiles("train", 3);
        // [doc:open]
        DataConfig config = DataConfig.fromJson(configJson());
        SegmentationDataset train = config.training(2);
        // [/doc:open]
        assertEquals(3, config.numClasses());
        assertInstanceOf(FieldTiles.class, train);
        assertEquals(3, train.size());
        for (int i = 0; i < 3; i++) {
            assertEquals("tile" + i, train.load(i).key());
            assertTrue(Arrays.equals(mask(i).values(), train.load(i).label().values()), "mask values are the class ids");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch batch = train.getData(manager).iterator().next();
            assertEquals(new Shape(2, 3, 4, 4), batch.getData().head().getShape());
            batch.close();
        }
    }

    @Test
    void theBaseClassChecksItsFiles() throws IOException {
        writeTiles("train", 2);
        Files.delete(root.resolve("masks/tile1.png"));
        FieldTiles tiles = FieldTiles.builder().setRoot(root).build();
        InvalidDataException unlabeled = assertThrows(InvalidDataException.class, tiles::prepare);
        assertTrue(unlabeled.getMessage().startsWith(root.resolve("tiles/tile1.jpg") + ": is an image without a label"),
                unlabeled.getMessage());
        InvalidDataException split = assertThrows(InvalidDataException.class,
                () -> FieldTiles.builder().setRoot(root).optSplit("val").build().prepare());
        assertTrue(split.getMessage().startsWith(root.resolve("val.txt") + ": split list does not exist"), split.getMessage());
    }

    @Test
    void unknownNamesAreListedWithTheUsersType() {
        DataConfigException e = assertThrows(DataConfigException.class,
                () -> DataConfig.fromJson("{\"dataset\": \"kitti\", \"root\": \"x\", \"scaleMin\": 1, \"scaleMax\": 1}"));
        assertTrue(e.getMessage().endsWith(
                "data.dataset must be synthetic or one of cityscapes, voc, ade20k, camvid, folder, field-tiles, was kitti"),
                e.getMessage());
    }

    /** Every region quoted in docs/data.md is the code here, character for character. */
    @Test
    void docsQuoteThisCode() throws IOException {
        String doc = Files.readString(Path.of("../docs/data.md"));
        List<String> quoted = new ArrayList<>();
        for (String file : List.of("FieldTiles", "FieldTilesType", "FieldTilesTest")) {
            String source = Files.readString(Path.of("src/test/java/org/example/userdata/" + file + ".java"));
            Matcher region = Pattern.compile("(?s)// \\[doc:(\\w+)]\\n(.*?)\\n\\s*// \\[/doc:\\1]").matcher(source);
            while (region.find()) {
                String code = dedent(region.group(2));
                assertTrue(doc.contains("```java\n" + code + "\n```"),
                        "docs/data.md does not quote region '" + region.group(1) + "' as it is in " + file + ":\n" + code);
                quoted.add(region.group(1));
            }
        }
        assertEquals(List.of("dataset", "type", "open"), quoted);
    }

    /** Removes the indentation common to all non-blank lines. */
    private static String dedent(String code) {
        List<String> lines = code.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList());
    }
}
