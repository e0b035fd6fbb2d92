package org.rtseg.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.rtseg.data.eval.AveragingRule;

/**
 * How a dataset writes class ids into its label PNGs, and everything that comes with its classes: names,
 * official colour palette, Cityscapes categories and the official averaging rule.
 *
 * <p>Three value spaces meet here. A <em>file value</em> is what a PNG pixel holds (Cityscapes labelId
 * 0..33, VOC index 0..20 or 255, ADE20K 0..150, CamVid 0..11). A <em>class id</em> is what a network predicts, 0 to
 * {@code numClasses - 1}, with {@link LabelMap#IGNORE} for unscored ground truth. The tables are
 * data ({@code labels/*.json}, copied from the official devkits) rather than code so that they can be
 * read against their sources line by line.
 */
public final class LabelFormat {

    /** Cityscapes: labelIds 0..33 mapped to the 19 trainIds; ignored labelIds are unscored. */
    public static final LabelFormat CITYSCAPES = load("cityscapes");

    /** PASCAL VOC 2012: palette PNG indices 0..20 are the classes, 255 is the void border. */
    public static final LabelFormat VOC = load("voc2012");

    /** ADE20K (SceneParsing150): value 0 is "other" and unscored, value k+1 is class k. */
    public static final LabelFormat ADE20K = load("ade20k");

    /**
     * CamVid (SegNet's 11-class version): grayscale PNG values 0..10 are the classes, 11 is void. A
     * prediction may hold 11, which counts as a miss: SegNet's own models have a twelfth, void output.
     */
    public static final LabelFormat CAMVID = load("camvid");

    /** Marks a file value that is not allowed at all in a lookup table. */
    private static final int INVALID = -1;

    private final Spec spec;
    private final int[] palette;
    private final int[] groundTruthLut = new int[256];
    private final int[] predictionLut = new int[256];
    private final Map<String, int[]> categories;

    /**
     * The JSON form of a format.
     *
     * @param name short name used in messages and reports
     * @param valueRange the allowed file values in words, for error messages
     * @param classes class names in class-id order
     * @param palette official display colour of each class, {@code [r, g, b]}
     * @param fileValues the file value that stores each class id
     * @param ignoredValues file values that are valid in ground truth but not scored
     * @param predictionMayUseIgnored whether a prediction may hold an ignored value (it then counts as a
     *     miss, as in cityscapesScripts); if not, such a prediction is an error (VOC devkit)
     * @param palettePng whether label files are palette PNGs (VOC) rather than grayscale
     * @param voidColor colour of unscored pixels in renderings and of the void palette entry
     * @param categories groups of class ids scored together (Cityscapes categories), in report order
     * @param averaging the official rule for class averages
     */
    public record Spec(
            String name,
            String valueRange,
            List<String> classes,
            List<int[]> palette,
            int[] fileValues,
            int[] ignoredValues,
            boolean predictionMayUseIgnored,
            boolean palettePng,
            int[] voidColor,
            LinkedHashMap<String, int[]> categories,
            AveragingRule averaging) {}

    private LabelFormat(Spec spec) {
        this.spec = spec;
        int n = spec.classes().size();
        if (spec.palette().size() != n || spec.fileValues().length != n || n > LabelMap.IGNORE) {
            throw new IllegalArgumentException(spec.name() + ": classes, palette and fileValues differ in length");
        }
        palette = spec.palette().stream().mapToInt(LabelFormat::pack).toArray();
        Arrays.fill(groundTruthLut, INVALID);
        Arrays.fill(predictionLut, INVALID);
        for (int value : spec.ignoredValues()) {
            groundTruthLut[value] = LabelMap.IGNORE;
            if (spec.predictionMayUseIgnored()) {
                predictionLut[value] = LabelMap.IGNORE;
            }
        }
        for (int c = 0; c < n; c++) {
            groundTruthLut[spec.fileValues()[c]] = c;
            predictionLut[spec.fileValues()[c]] = c;
        }
        categories = Collections.unmodifiableMap(new LinkedHashMap<>(spec.categories()));
    }

    /**
     * A format whose file values are the class ids themselves and 255 is ignored, with no categories and
     * the {@link AveragingRule#NON_NAN_CLASSES} rule: the natural format of new data such as
     * {@link SyntheticScenes}.
     *
     * @param name short name used in messages and reports
     * @param classNames class names in class-id order, at most 255
     * @param palette packed {@code 0xRRGGBB} colour per class
     * @return a format whose file value of class {@code k} is {@code k}, with 255 unscored
     */
    public static LabelFormat indexed(String name, List<String> classNames, int[] palette) {
        return indexed(name, classNames, palette, LabelMap.IGNORE);
    }

    /**
     * As {@link #indexed(String, List, int[])}, with another file value for unscored pixels.
     *
     * @param name short name used in messages and reports
     * @param classNames class names in class-id order
     * @param palette packed {@code 0xRRGGBB} colour per class
     * @param ignoreValue the file value of unscored pixels, from {@code classNames.size()} to 255
     * @return a format whose file value of class {@code k} is {@code k}
     * @throws IllegalArgumentException if {@code ignoreValue} is a class id or above 255
     */
    public static LabelFormat indexed(String name, List<String> classNames, int[] palette, int ignoreValue) {
        int n = classNames.size();
        if (ignoreValue < n || ignoreValue > LabelMap.IGNORE) {
            throw new IllegalArgumentException(
                    name + ": the ignore value must be " + n + "..255 (above the class ids), was " + ignoreValue);
        }
        List<int[]> rgb = Arrays.stream(palette).mapToObj(LabelFormat::unpack).toList();
        int[] values = IntStream.range(0, n).toArray();
        return new LabelFormat(
                new Spec(name, "class ids 0.." + (n - 1) + " and " + ignoreValue + " (ignore)", List.copyOf(classNames),
                        rgb, values, new int[] {ignoreValue}, false, true, new int[] {0, 0, 0},
                        new LinkedHashMap<>(), AveragingRule.NON_NAN_CLASSES));
    }

    /**
     * The format's short name ({@code cityscapes}, {@code voc2012}, {@code ade20k}, {@code camvid}, ...).
     *
     * @return the name used in messages and reports
     */
    public String name() {
        return spec.name();
    }

    /**
     * Number of scored classes.
     *
     * @return the class count; class ids run from 0 to one less
     */
    public int numClasses() {
        return spec.classes().size();
    }

    /**
     * Class names in class-id order.
     *
     * @return the names, element {@code i} naming class id {@code i}
     */
    public List<String> classNames() {
        return spec.classes();
    }

    /**
     * Official colour of each class as packed {@code 0xRRGGBB}.
     *
     * @return a new array with one colour per class id
     */
    public int[] palette() {
        return palette.clone();
    }

    /**
     * Colour of unscored pixels as packed {@code 0xRRGGBB}.
     *
     * @return the void colour
     */
    public int voidColor() {
        return pack(spec.voidColor());
    }

    /**
     * Category name to the class ids it groups (empty except for Cityscapes).
     *
     * @return an unmodifiable map in report order; the arrays are shared and must not be modified
     */
    public Map<String, int[]> categories() {
        return categories;
    }

    /**
     * The official rule for averaging class scores.
     *
     * @return the rule
     */
    public AveragingRule averaging() {
        return spec.averaging();
    }

    /**
     * The file value that stores class {@code classId}.
     *
     * @param classId a class id, from 0 to {@code numClasses() - 1}
     * @return the value written in the dataset's label PNGs for that class, 0 to 255
     * @throws ArrayIndexOutOfBoundsException when {@code classId} is not a class id
     */
    public int fileValue(int classId) {
        return spec.fileValues()[classId];
    }

    /**
     * Maps a ground-truth file to class ids ({@link LabelMap#IGNORE} where unscored).
     *
     * @param fileValues the label as read, in the format's file values
     * @param file named in the error
     * @return a new map of class ids, {@link LabelMap#IGNORE} where unscored
     * @throws InvalidDataException if a value is outside the format's range
     */
    public LabelMap groundTruthToClasses(LabelMap fileValues, Path file) throws InvalidDataException {
        return map(fileValues, groundTruthLut, file, "ground-truth label");
    }

    /**
     * Maps a prediction file to class ids; a value that is allowed but not a class (an ignored
     * Cityscapes labelId, ADE20K 0) becomes {@link LabelMap#IGNORE}, which scoring counts as a miss.
     *
     * @param fileValues the prediction as read, in the format's file values
     * @param file the prediction file, named in the error
     * @return a new map of class ids, {@link LabelMap#IGNORE} where the value is allowed but not a class
     * @throws InvalidDataException if a value is outside the format's range
     */
    public LabelMap predictionToClasses(LabelMap fileValues, Path file) throws InvalidDataException {
        return map(fileValues, predictionLut, file, "prediction");
    }

    /**
     * Maps class ids to file values for export.
     *
     * @param classes a prediction in class ids, every pixel below {@code numClasses()}
     * @return a new map of the same size in the format's file values
     * @throws IllegalArgumentException if a value is not a class id: an exported prediction must assign
     *     a class to every pixel
     */
    public LabelMap classesToFileValues(LabelMap classes) {
        byte[] lut = new byte[256];
        for (int c = 0; c < numClasses(); c++) {
            lut[c] = (byte) fileValue(c);
        }
        byte[] in = classes.values();
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            int c = in[i] & 0xFF;
            if (c >= numClasses()) {
                throw new IllegalArgumentException(
                        name() + " prediction holds " + c + " at pixel " + i + "; class ids are 0.."
                                + (numClasses() - 1));
            }
            out[i] = lut[c];
        }
        return new LabelMap(classes.width(), classes.height(), out);
    }

    /**
     * The 256-entry palette of exported PNGs indexed by file value, or null when the official files are
     * grayscale.
     *
     * @return a new array of 256 packed {@code 0xRRGGBB} colours (class colours at their file values, the
     *     void colour at ignored values, black elsewhere), or null for grayscale formats
     */
    public int[] filePalette() {
        if (!spec.palettePng()) {
            return null;
        }
        int[] out = new int[256];
        for (int c = 0; c < numClasses(); c++) {
            out[fileValue(c)] = palette[c];
        }
        for (int value : spec.ignoredValues()) {
            out[value] = voidColor();
        }
        return out;
    }

    @Override
    public String toString() {
        return name() + " (" + numClasses() + " classes)";
    }

    private LabelMap map(LabelMap in, int[] lut, Path file, String what) throws InvalidDataException {
        byte[] src = in.values();
        byte[] out = new byte[src.length];
        for (int i = 0; i < src.length; i++) {
            int mapped = lut[src[i] & 0xFF];
            if (mapped == INVALID) {
                throw new InvalidDataException(
                        file,
                        "holds value " + (src[i] & 0xFF) + " at (" + i % in.width() + ", " + i / in.width()
                                + "), outside the " + name() + " " + what + " range (" + spec.valueRange() + ")",
                        "Check that this is a " + name() + " " + what + " file (not a trainId, colour or"
                                + " instance map) and regenerate it");
            }
            out[i] = (byte) mapped;
        }
        return new LabelMap(in.width(), in.height(), out);
    }

    private static int pack(int[] rgb) {
        return (rgb[0] << 16) | (rgb[1] << 8) | rgb[2];
    }

    private static int[] unpack(int rgb) {
        return new int[] {(rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF};
    }

    private static LabelFormat load(String name) {
        String resource = "labels/" + name + ".json";
        try (InputStream in = LabelFormat.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new LabelFormat(new ObjectMapper().readValue(in, Spec.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
