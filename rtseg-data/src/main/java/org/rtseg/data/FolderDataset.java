package org.rtseg.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A dataset of your own that needs no code (type {@code folder}): images and labels in two folders per
 * split, paired by file name without extension, and the classes described in a small JSON file.
 *
 * <pre>
 * &lt;root&gt;/dataset.json                 {"classes": ["background", "road", "car"], "ignore": 255}
 * &lt;root&gt;/&lt;split&gt;/images/&lt;name&gt;.jpg    (or .png, .jpeg)
 * &lt;root&gt;/&lt;split&gt;/labels/&lt;name&gt;.png
 * </pre>
 *
 * <p>{@code dataset.json} holds {@code classes} (names in class-id order, required), {@code ignore} (the
 * label value of unscored pixels, above the class ids, default 255), {@code palette} (an {@code [r, g, b]}
 * per class, default the PASCAL VOC colour map), {@code labels} ({@code "ids"}, the default: single-channel
 * PNGs whose value is the class id; {@code "colors"}: RGB PNGs painted in the palette's colours), {@code
 * ignoreColor} (with colour labels, the colour of unscored pixels) and {@code name} (default: the root
 * folder's name). It is checked when the dataset is listed; labels are checked as they are decoded, as the
 * official datasets' are.
 */
public final class FolderDataset extends FileSegmentationDataset {

    /** The type name configs and commands use. */
    public static final String NAME = "folder";

    /** What the root must contain, for messages. */
    static final String LAYOUT = FolderSpec.FILE + " and <split>/images/, <split>/labels/";

    private static final List<String> IMAGE_SUFFIXES = List.of(".png", ".jpg", ".jpeg");
    private static final List<String> LABEL_SUFFIXES = List.of(".png");

    /** The root's description, read on first use. */
    private volatile FolderSpec spec;

    private FolderDataset(Builder builder) {
        super(builder);
    }

    /**
     * A builder of a folder dataset.
     *
     * @return a builder whose default split is {@code train}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Read from {@code dataset.json} on first use.
     *
     * @throws UncheckedIOException wrapping the {@link InvalidDataException} of a missing or bad
     *     {@code dataset.json}, when it is first read here rather than by {@code prepare()}
     */
    @Override
    public LabelFormat format() {
        try {
            return spec().format();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Reads a class-id PNG, or maps a colour PNG's colours to class ids through the palette. */
    @Override
    public LabelMap readLabel(Path label) throws IOException {
        return spec().readLabel(label);
    }

    @Override
    protected Listing list() throws IOException {
        spec();
        Path splitDir = root.resolve(split);
        if (!Files.isDirectory(splitDir)) {
            throw new InvalidDataException(
                    splitDir, "split '" + split + "' does not exist",
                    "Check the split name; splits found: " + subfolders(root));
        }
        Path imageDir = splitDir.resolve("images");
        Path labelDir = splitDir.resolve("labels");
        Map<String, Path> images = byName(imageDir, IMAGE_SUFFIXES);
        Map<String, Path> labels = byName(labelDir, LABEL_SUFFIXES);
        // Where a missing image would be, for the message: with the extension the split's images have.
        String imageSuffix = images.isEmpty() ? ".png" : extension(images.values().iterator().next());
        TreeSet<String> keys = new TreeSet<>(images.keySet());
        keys.addAll(labels.keySet());
        List<SampleFiles> files = new ArrayList<>(keys.size());
        for (String key : keys) {
            files.add(new SampleFiles(
                    key,
                    images.getOrDefault(key, imageDir.resolve(key + imageSuffix)),
                    labels.getOrDefault(key, labelDir.resolve(key + ".png"))));
        }
        return new Listing(imageDir, labelDir, files);
    }

    private FolderSpec spec() throws IOException {
        if (spec == null) {
            spec = FolderSpec.read(root);
        }
        return spec;
    }

    /**
     * The files of {@code dir} with one of the extensions (in any case), by name without extension.
     *
     * @throws InvalidDataException if two files have the same name without extension, since they could
     *     not be paired
     */
    private static Map<String, Path> byName(Path dir, List<String> suffixes) throws IOException {
        TreeMap<String, Path> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> listing = Files.list(dir)) {
            for (Path file : listing.filter(Files::isRegularFile).sorted().toList()) {
                String suffix = extension(file);
                if (!suffixes.contains(suffix.toLowerCase(Locale.ROOT))) {
                    continue;
                }
                String name = file.getFileName().toString();
                Path other = out.put(name.substring(0, name.length() - suffix.length()), file);
                if (other != null) {
                    throw new InvalidDataException(
                            file, "has the same name as " + other.getFileName() + " but for the extension",
                            "Keep one file per sample: images and labels are paired by name without extension");
                }
            }
        }
        return out;
    }

    /** The extension with its dot, or "" when there is none. */
    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot) : "";
    }

    /** Builder of {@link FolderDataset}. */
    public static final class Builder extends FileBuilder<Builder> {

        private Builder() {
            super("train");
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Builds the dataset; call {@code prepare()} before reading. */
        @Override
        public FolderDataset build() {
            return new FolderDataset(this);
        }
    }
}
