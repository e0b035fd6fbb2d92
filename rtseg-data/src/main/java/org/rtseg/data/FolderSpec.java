package org.rtseg.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code dataset.json} of a {@link FolderDataset}, read and checked: the label format it describes,
 * and how its label files are decoded (class-id PNGs, or colour PNGs through the palette). Every problem is
 * an {@link InvalidDataException} naming the file, what is wrong and the fix.
 */
final class FolderSpec {

    /** The description's file name, in the dataset root. */
    static final String FILE = "dataset.json";

    private static final String IDS = "ids";
    private static final String COLORS = "colors";
    private static final String EXAMPLE = "{\"classes\": [\"background\", \"road\", \"car\"], \"ignore\": 255}";
    private static final String DOCS = " (see docs/data.md, \"Your own dataset\")";
    private static final String IGNORE_FIX = "Set \"ignore\" to the label value of unscored pixels, above every class id"
            + " and at most 255 (default 255)";
    private static final String PALETTE_FIX = "Give \"palette\" one [r, g, b] per class, in class-id order";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    /** What each field must hold, for type errors (Jackson's own name Java types). */
    private static final Map<String, String> FIELD_TYPES = Map.of(
            "name", "a string",
            "classes", "a list of class names",
            "ignore", "an integer from the class count to 255",
            "palette", "a list of [r, g, b] colours, one per class",
            "labels", "\"" + IDS + "\" or \"" + COLORS + "\"",
            "ignoreColor", "an [r, g, b] colour");

    /**
     * The JSON form.
     *
     * @param name the name in messages and reports (default: the root folder's name)
     * @param classes class names in class-id order
     * @param ignore the label value of unscored pixels (default 255)
     * @param palette display colour of each class; with {@code "labels": "colors"} also the label colours
     * @param labels {@code "ids"} (default): single-channel PNGs whose value is the class id;
     *     {@code "colors"}: RGB PNGs whose colour is the class's palette colour
     * @param ignoreColor with colour labels, the colour of unscored pixels
     */
    record Json(String name, List<String> classes, Integer ignore, List<int[]> palette, String labels, int[] ignoreColor) {}

    private final Path file;
    private final LabelFormat format;
    private final int ignore;
    /** Label value by packed colour (the ignore colour gives the ignore value); null for id labels. */
    private final Map<Integer, Integer> valueOfColor;

    private FolderSpec(Path file, LabelFormat format, int ignore, Map<Integer, Integer> valueOfColor) {
        this.file = file;
        this.format = format;
        this.ignore = ignore;
        this.valueOfColor = valueOfColor;
    }

    /**
     * Reads and checks {@code <root>/dataset.json}.
     *
     * @throws InvalidDataException if the root or the file is missing, or the file is not a valid description
     * @throws IllegalArgumentException if {@code root} is null
     */
    static FolderSpec read(Path root) throws IOException {
        if (root == null) {
            throw new IllegalArgumentException(
                    "the " + FolderDataset.NAME + " dataset reads its classes from <root>/" + FILE + ": give its root");
        }
        FileSegmentationDataset.requireRoot(root, FolderDataset.LAYOUT);
        Path file = root.resolve(FILE);
        Json json = parse(file);
        List<String> classes = classes(file, json.classes());
        int ignore = json.ignore() == null ? LabelMap.IGNORE : json.ignore();
        checkIgnore(file, ignore, classes);
        boolean colors = labelsAreColors(file, json.labels());
        int[] palette = palette(file, json.palette(), classes, colors);
        String name = json.name() != null ? json.name() : defaultName(root);
        LabelFormat format = LabelFormat.indexed(name, classes, palette, ignore);
        return new FolderSpec(file, format, ignore, colors ? valueOfColor(file, palette, json.ignoreColor(), ignore) : null);
    }

    /** The classes, palette and ignore value. */
    LabelFormat format() {
        return format;
    }

    /**
     * Reads a label file as label values: the PNG's values for id labels, the class id (or the ignore
     * value) of each pixel's colour for colour labels.
     *
     * @throws InvalidDataException naming the file and pixel of a value or colour that is no class's
     */
    LabelMap readLabel(Path label) throws IOException {
        return valueOfColor == null ? readIds(label) : readColors(label);
    }

    /**
     * Reads a class-id PNG. Its values are checked here, although the format checks them again, so that
     * the message can point at this dataset's description rather than at an official devkit.
     */
    private LabelMap readIds(Path label) throws IOException {
        LabelMap ids = ImageFiles.readIndex(label);
        byte[] v = ids.values();
        for (int i = 0; i < v.length; i++) {
            int value = v[i] & 0xFF;
            if (value >= format.numClasses() && value != ignore) {
                throw new InvalidDataException(
                        label,
                        "holds value " + value + " at (" + i % ids.width() + ", " + i / ids.width()
                                + "), which is neither a class id of " + file + " (0.." + (format.numClasses() - 1)
                                + ") nor its ignore value " + ignore,
                        "Fix the label, or list the class in \"classes\" (a class's id is its position there)"
                                + " or set \"ignore\" to this value");
            }
        }
        return ids;
    }

    private LabelMap readColors(Path label) throws IOException {
        RgbImage rgb = ImageFiles.readRgb(label);
        byte[] p = rgb.pixels();
        byte[] values = new byte[rgb.width() * rgb.height()];
        for (int i = 0; i < values.length; i++) {
            int color = (p[3 * i] & 0xFF) << 16 | (p[3 * i + 1] & 0xFF) << 8 | (p[3 * i + 2] & 0xFF);
            Integer value = valueOfColor.get(color);
            if (value == null) {
                throw new InvalidDataException(
                        label,
                        "holds colour " + rgbText(color) + " at (" + i % rgb.width() + ", " + i / rgb.width()
                                + "), which is neither a class colour of the palette in " + file + " nor its ignoreColor",
                        "Paint the pixel in a class colour, or add the colour to the palette (with its class) or"
                                + " as ignoreColor; a colour label must be a lossless PNG without anti-aliasing");
            }
            values[i] = value.byteValue();
        }
        return new LabelMap(rgb.width(), rgb.height(), values);
    }

    private static Json parse(Path file) throws IOException {
        Json json;
        try {
            json = JSON.readValue(Files.readString(file), Json.class);
        } catch (NoSuchFileException e) {
            throw invalid(file, "does not exist; a folder dataset describes its classes there", "Write it, e.g. " + EXAMPLE, e);
        } catch (UnrecognizedPropertyException e) {
            throw invalid(file, "has an unknown field '" + e.getPropertyName() + "'",
                    "Use only the fields " + String.join(", ", FIELD_TYPES.keySet().stream().sorted().toList()), e);
        } catch (JsonMappingException e) {
            throw mappingProblem(file, e);
        } catch (JsonProcessingException e) {
            throw invalid(file, "is not valid JSON: " + e.getOriginalMessage() + where(e), "Fix the syntax, e.g. " + EXAMPLE, e);
        }
        if (json == null) {
            throw invalid(file, "holds no JSON object", "Write one, e.g. " + EXAMPLE, null);
        }
        return json;
    }

    /** Names the field and what it must hold, or says that the whole file is not an object. */
    private static InvalidDataException mappingProblem(Path file, JsonMappingException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        String field = path.isEmpty() ? null : path.get(0).getFieldName();
        if (field == null || !FIELD_TYPES.containsKey(field)) {
            return invalid(file, "is not one JSON object of description fields", "Write one, e.g. " + EXAMPLE, e);
        }
        return invalid(file, "field '" + field + "' must be " + FIELD_TYPES.get(field), "Fix the field, e.g. " + EXAMPLE, e);
    }

    private static List<String> classes(Path file, List<String> classes) throws InvalidDataException {
        if (classes == null || classes.isEmpty()) {
            throw invalid(file, "lists no classes", "Add \"classes\": the class names in class-id order", null);
        }
        if (classes.size() > LabelMap.IGNORE) {
            throw invalid(file, "lists " + classes.size() + " classes, but 8-bit label PNGs hold at most 255 (ids 0..254)",
                    "Merge classes", null);
        }
        Set<String> seen = new HashSet<>();
        for (String c : classes) {
            if (c == null || c.isBlank()) {
                throw invalid(file, "has an empty class name at classes[" + classes.indexOf(c) + "]", "Name every class", null);
            }
            if (!seen.add(c)) {
                throw invalid(file, "lists class '" + c + "' twice", "Give every class its own name", null);
            }
        }
        return classes;
    }

    private static void checkIgnore(Path file, int ignore, List<String> classes) throws InvalidDataException {
        if (ignore < 0 || ignore > LabelMap.IGNORE) {
            throw invalid(file, "has ignore " + ignore + ", outside 0..255", IGNORE_FIX, null);
        }
        if (ignore < classes.size()) {
            throw invalid(file, "has ignore " + ignore + ", which is the id of class '" + classes.get(ignore)
                    + "' (class ids are 0.." + (classes.size() - 1) + ")", IGNORE_FIX, null);
        }
    }

    private static boolean labelsAreColors(Path file, String labels) throws InvalidDataException {
        if (labels == null || labels.equals(IDS)) {
            return false;
        }
        if (labels.equals(COLORS)) {
            return true;
        }
        throw invalid(file, "has labels '" + labels + "'",
                "Use \"" + IDS + "\" (class-id PNGs, the default) or \"" + COLORS + "\" (colour PNGs read through the palette)", null);
    }

    /** The palette packed, or the default one when none is given and labels are ids. */
    private static int[] palette(Path file, List<int[]> palette, List<String> classes, boolean colors)
            throws InvalidDataException {
        if (palette == null) {
            if (colors) {
                throw invalid(file, "has colour labels but no palette to read them with", PALETTE_FIX, null);
            }
            return defaultPalette(classes.size());
        }
        if (palette.size() != classes.size()) {
            throw invalid(file, "has a palette of " + palette.size() + " colours for " + classes.size() + " classes",
                    PALETTE_FIX, null);
        }
        int[] packed = new int[palette.size()];
        for (int c = 0; c < packed.length; c++) {
            packed[c] = color(file, "palette[" + c + "]", palette.get(c));
        }
        return packed;
    }

    /** The label value of each colour of colour labels, which must tell every class apart. */
    private static Map<Integer, Integer> valueOfColor(Path file, int[] palette, int[] ignoreColor, int ignore)
            throws InvalidDataException {
        Map<Integer, Integer> out = new HashMap<>();
        for (int c = 0; c < palette.length; c++) {
            Integer before = out.put(palette[c], c);
            if (before != null) {
                throw invalid(file, "gives classes " + before + " and " + c + " the same colour " + rgbText(palette[c])
                        + ", so colour labels cannot tell them apart", "Give every class its own colour", null);
            }
        }
        if (ignoreColor != null) {
            int color = color(file, "ignoreColor", ignoreColor);
            Integer clash = out.put(color, ignore);
            if (clash != null) {
                throw invalid(file, "has ignoreColor " + rgbText(color) + ", the colour of class " + clash,
                        "Pick a colour that no class has", null);
            }
        }
        return out;
    }

    private static int color(Path file, String field, int[] rgb) throws InvalidDataException {
        if (rgb == null || rgb.length != 3 || Arrays.stream(rgb).anyMatch(v -> v < 0 || v > 255)) {
            throw invalid(file, "has " + field + " = " + Arrays.toString(rgb), "Write a colour as [r, g, b], each 0..255", null);
        }
        return rgb[0] << 16 | rgb[1] << 8 | rgb[2];
    }

    /**
     * The PASCAL VOC colour map: distinct colours for up to 256 classes, class 0 black, as most tools
     * draw index PNGs.
     */
    private static int[] defaultPalette(int n) {
        int[] out = new int[n];
        for (int c = 0; c < n; c++) {
            int rgb = 0;
            for (int bit = 7, v = c; v > 0; bit--, v >>= 3) {
                rgb |= (v & 1) << (16 + bit) | (v >> 1 & 1) << (8 + bit) | (v >> 2 & 1) << bit;
            }
            out[c] = rgb;
        }
        return out;
    }

    private static String defaultName(Path root) {
        Path name = root.toAbsolutePath().normalize().getFileName();
        return name != null ? name.toString() : FolderDataset.NAME;
    }

    private static String rgbText(int color) {
        return "(" + (color >> 16 & 0xFF) + ", " + (color >> 8 & 0xFF) + ", " + (color & 0xFF) + ")";
    }

    /** Where a syntax error is, when the parser knows. */
    private static String where(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static InvalidDataException invalid(Path file, String problem, String fix, Throwable cause) {
        return new InvalidDataException(file, problem, fix + DOCS, cause);
    }
}
