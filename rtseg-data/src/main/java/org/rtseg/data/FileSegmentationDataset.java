package org.rtseg.data;

import ai.djl.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dataset stored as image files and label PNGs in an on-disk layout: the base of the official datasets,
 * of {@link FolderDataset} and of a user's own layout, in any package. Subclasses only know their layout
 * ({@link #list()}); pairing, validation, decoding and label mapping are shared here. To name a layout in
 * configs and commands, register a {@link DatasetType} for it.
 *
 * <p>{@link #prepare(Progress)} lists the files and checks that every image has its label and every label
 * its image; with {@code optVerify(true)} it also decodes every pair (with a progress bar), so that a
 * corrupt file stops the run before training rather than hours into it.
 *
 * <p>With {@code optCacheDecoded(true)} each pair is decoded once and kept in memory (4 bytes a pixel:
 * 254 MB for CamVid's 367 training frames of 480×360, far too much for Cityscapes). Decoding a PNG costs
 * more than augmenting a small crop of it (on CamVid ≈ 12 ms against ≈ 1.5 ms for a 192×256 crop, see
 * docs/data.md), and it gives the same bytes every epoch; augmentation still runs on every {@link #get},
 * so records are bit-identical with and without the cache.
 */
public abstract class FileSegmentationDataset extends SegmentationDataset {

    private static final Logger logger = LoggerFactory.getLogger(FileSegmentationDataset.class);

    /** The dataset root as given. */
    protected final Path root;
    /** The split name as given. */
    protected final String split;
    private final boolean skipUnlabeled;
    private final boolean verify;
    private final boolean cacheDecoded;
    private List<SampleFiles> samples;
    /** Decoded samples by index when {@code cacheDecoded}, filled on first use; null otherwise. */
    private SampleCache decoded;

    /**
     * One sample's files: where its image and its label are (or would be, when one is missing).
     *
     * @param key the sample's name (Cityscapes {@code <city>_<seq>_<frame>}, VOC, ADE20K and CamVid file
     *     stem)
     * @param image image path
     * @param label label path
     */
    public record SampleFiles(String key, Path image, Path label) {}

    /**
     * What a layout holds for one split. Public, with its public constructor, so that a subclass in
     * another package can build it (a record's constructor takes the record's access).
     *
     * @param imageDir the folder of images of the split
     * @param labelDir the folder of labels of the split
     * @param files every key found among images or labels (or in the split list), sorted by key
     */
    public record Listing(Path imageDir, Path labelDir, List<SampleFiles> files) {}

    /**
     * Builds from the builder.
     *
     * @param builder the concrete dataset's builder, with its root set
     * @throws IllegalArgumentException when the builder has no root
     */
    protected FileSegmentationDataset(FileBuilder<?> builder) {
        super(builder);
        if (builder.root == null) {
            throw new IllegalArgumentException("the dataset root must be set (setRoot)");
        }
        this.root = builder.root;
        this.split = builder.split;
        this.skipUnlabeled = builder.skipUnlabeled;
        this.verify = builder.verify;
        this.cacheDecoded = builder.cacheDecoded;
    }

    /**
     * Lists the split's files in this layout. Files may be missing; callers check.
     *
     * @return the split's image and label folders and every key found, sorted by key
     * @throws InvalidDataException if the root or the split does not exist
     */
    protected abstract Listing list() throws IOException;

    /**
     * Whether a prediction file for ground truth {@code key} may carry a suffix after the key (the
     * Cityscapes {@code <city>_<seq>_<frame>*.png} rule) rather than be exactly {@code <key>.png}.
     *
     * @return true when a suffix is allowed; false here, where the name must match exactly
     */
    public boolean predictionNameIsPrefix() {
        return false;
    }

    /**
     * The split name.
     *
     * @return the split as given to the builder, or the dataset's default split
     */
    public String split() {
        return split;
    }

    @Override
    public void prepare(Progress progress) throws IOException {
        if (samples != null) {
            return;
        }
        Listing listing = list();
        requireDirectory(listing.imageDir(), "image");
        requireDirectory(listing.labelDir(), "label");
        List<SampleFiles> paired = pair(listing.files());
        SampleCache cache = cacheDecoded ? new SampleCache(paired.size()) : null;
        if (verify) {
            verifyAll(paired, cache, progress);
        }
        decoded = cache;
        samples = paired;
    }

    /**
     * The ground-truth label files of the split, for scoring predictions; images are not needed and
     * not checked.
     *
     * @return the samples whose label file exists, sorted by key
     * @throws IOException when the split cannot be listed, its label folder is missing or it holds no
     *     label files ({@link InvalidDataException} names the path)
     */
    public List<SampleFiles> groundTruthFiles() throws IOException {
        Listing listing = list();
        requireDirectory(listing.labelDir(), "label");
        List<SampleFiles> out = new ArrayList<>();
        for (SampleFiles f : listing.files()) {
            if (Files.isRegularFile(f.label())) {
                out.add(f);
            }
        }
        if (out.isEmpty()) {
            throw new InvalidDataException(
                    listing.labelDir(), "holds no " + format().name() + " label files",
                    "Check --root and --split");
        }
        return out;
    }

    /**
     * The files of sample {@code index} (after {@link #prepare}).
     *
     * @param index the sample, from 0 to {@code size() - 1}
     * @return the sample's key, image path and label path
     * @throws IllegalStateException when {@link #prepare} has not run
     */
    public SampleFiles files(long index) {
        return prepared().get(Math.toIntExact(index));
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code optCacheDecoded(true)} the same instance is returned every time: its arrays are
     * shared and must not be modified (the transforms only read them).
     */
    @Override
    public LabeledImage load(long index) throws IOException {
        SampleFiles files = files(index);
        if (decoded == null) {
            return decode(files);
        }
        return decoded.get(Math.toIntExact(index), () -> decode(files));
    }

    @Override
    protected long availableSize() {
        return prepared().size();
    }

    /**
     * Decodes a pair and maps its label to class ids.
     *
     * @param files the sample's key, image and label paths
     * @return the image and its label in class ids
     * @throws InvalidDataException naming the file that is missing, corrupt, of the wrong size or
     *     holds values outside the format
     */
    public LabeledImage decode(SampleFiles files) throws IOException {
        RgbImage image = ImageFiles.readRgb(files.image());
        LabelMap raw = readLabel(files.label());
        if (raw.width() != image.width() || raw.height() != image.height()) {
            throw new InvalidDataException(
                    files.label(),
                    "is " + raw.width() + "x" + raw.height() + " but its image " + files.image() + " is "
                            + image.width() + "x" + image.height(),
                    "Image and label must have the same size; resize neither, re-extract both from the"
                            + " dataset archive");
        }
        return new LabeledImage(files.key(), image, format().groundTruthToClasses(raw, files.label()));
    }

    /**
     * Reads a label file as its file values, which {@link LabelFormat#groundTruthToClasses} then maps to
     * class ids: a single-channel index PNG here. A layout that stores its labels otherwise (colour-coded
     * PNGs) overrides this; scoring reads ground truth through it too.
     *
     * @param label a label file of this dataset
     * @return its file values
     * @throws InvalidDataException naming the file when it is missing, corrupt or not a label
     */
    public LabelMap readLabel(Path label) throws IOException {
        return ImageFiles.readIndex(label);
    }

    /**
     * Checks that {@code root} exists.
     *
     * @param root the dataset root to check
     * @param layout the expected content, for the message
     * @throws InvalidDataException when {@code root} is not a directory
     */
    protected static void requireRoot(Path root, String layout) throws InvalidDataException {
        if (!Files.isDirectory(root)) {
            throw new InvalidDataException(
                    root, "dataset root does not exist", "Pass the folder that contains " + layout);
        }
    }

    /**
     * Lists the regular files directly under {@code dir} whose names end with {@code suffix}, sorted.
     *
     * @param dir the folder to list; a missing folder lists as empty
     * @param suffix the end of the file name, e.g. {@code .png}
     * @return the matching files, sorted by path
     * @throws IOException when the folder exists but cannot be listed
     */
    protected static List<Path> filesEndingWith(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
    }

    /**
     * The listing of a layout that keeps a split's images in one folder and its labels in another, paired
     * by file name: every name found in either folder is a key, so that a file missing on one side is
     * reported by {@link #prepare} rather than silently dropped.
     *
     * @param imageDir the folder of the split's images; may be missing, then it lists as empty
     * @param imageSuffix the image file extension, e.g. {@code .jpg}
     * @param labelDir the folder of the split's labels; may be missing, then it lists as empty
     * @param labelSuffix the label file extension, e.g. {@code .png}
     * @return the two folders and one entry per file stem found in either, sorted by key
     * @throws IOException when a folder exists but cannot be listed
     */
    protected static Listing pairedFolders(Path imageDir, String imageSuffix, Path labelDir, String labelSuffix)
            throws IOException {
        TreeSet<String> keys = new TreeSet<>();
        for (Path p : filesEndingWith(imageDir, imageSuffix)) {
            keys.add(stem(p, imageSuffix));
        }
        for (Path p : filesEndingWith(labelDir, labelSuffix)) {
            keys.add(stem(p, labelSuffix));
        }
        List<SampleFiles> files = new ArrayList<>(keys.size());
        for (String key : keys) {
            files.add(new SampleFiles(key, imageDir.resolve(key + imageSuffix), labelDir.resolve(key + labelSuffix)));
        }
        return new Listing(imageDir, labelDir, files);
    }

    private static String stem(Path file, String suffix) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - suffix.length());
    }

    /**
     * Names of the sub-folders of {@code dir}, sorted, for "available splits" messages.
     *
     * @param dir the folder to list; a missing folder lists as empty
     * @return the names of its direct sub-folders, sorted
     * @throws IOException when the folder exists but cannot be listed
     */
    protected static List<String> subfolders(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void requireDirectory(Path dir, String what) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new InvalidDataException(
                    dir,
                    "the " + what + " folder of split '" + split + "' does not exist",
                    "Check the root and the split name; folders found beside it: " + subfolders(dir.getParent()));
        }
    }

    private List<SampleFiles> pair(List<SampleFiles> files) throws IOException {
        List<SampleFiles> paired = new ArrayList<>(files.size());
        int unlabeled = 0;
        for (SampleFiles f : files) {
            boolean hasImage = Files.isRegularFile(f.image());
            boolean hasLabel = Files.isRegularFile(f.label());
            if (!hasImage) {
                throw new InvalidDataException(
                        hasLabel ? f.label() : f.image(),
                        hasLabel ? "is a label without an image (expected " + f.image() + ")"
                                : "image listed in the split does not exist",
                        "Restore the missing image or remove the sample from the split");
            }
            if (!hasLabel) {
                if (skipUnlabeled) {
                    unlabeled++;
                    continue;
                }
                throw new InvalidDataException(
                        f.image(), "is an image without a label (expected " + f.label() + ")",
                        "Restore the label, remove the image, or build the dataset with"
                                + " optSkipUnlabeled(true)");
            }
            paired.add(f);
        }
        if (unlabeled > 0) {
            logger.warn("{} {}: skipped {} images without labels", format().name(), split, unlabeled);
        }
        if (paired.isEmpty()) {
            throw new InvalidDataException(root, "split '" + split + "' holds no labelled samples", "Check the root and split");
        }
        return List.copyOf(paired);
    }

    /** Decodes every pair, keeping the results in {@code cache} when there is one (else dropping them). */
    private void verifyAll(List<SampleFiles> files, SampleCache cache, Progress progress)
            throws IOException {
        if (progress != null) {
            progress.reset("Verifying " + format().name() + " " + split, files.size());
        }
        for (int i = 0; i < files.size(); i++) {
            LabeledImage sample = decode(files.get(i));
            if (cache != null) {
                cache.put(i, sample);
            }
            if (progress != null) {
                progress.increment(1);
            }
        }
        if (progress != null) {
            progress.end();
        }
    }

    private List<SampleFiles> prepared() {
        if (samples == null) {
            throw new IllegalStateException("call prepare() before reading " + format().name() + " samples");
        }
        return samples;
    }

    /**
     * Options shared by the file datasets.
     *
     * @param <T> the concrete builder
     */
    public abstract static class FileBuilder<T extends FileBuilder<T>> extends SegmentationDataset.Builder<T> {

        private Path root;
        private String split;
        private boolean skipUnlabeled;
        private boolean verify;
        private boolean cacheDecoded;

        /** @param defaultSplit the split used when {@link #optSplit} is not called */
        protected FileBuilder(String defaultSplit) {
            this.split = defaultSplit;
        }

        /**
         * The dataset root (required); see each dataset for what it must contain.
         *
         * @param root the folder the dataset was extracted to; checked when the dataset lists its files
         * @return this builder
         */
        public T setRoot(Path root) {
            this.root = root;
            return self();
        }

        /**
         * The split to read.
         *
         * @param split the split's name in the layout, e.g. {@code train} or {@code val}
         * @return this builder
         */
        public T optSplit(String split) {
            this.split = split;
            return self();
        }

        /**
         * Skip images that have no label, with a warning, instead of failing (for folders that also hold
         * inference-only frames). A label without an image is always an error.
         *
         * @param skip true to skip unlabelled images (default false: fail)
         * @return this builder
         */
        public T optSkipUnlabeled(boolean skip) {
            this.skipUnlabeled = skip;
            return self();
        }

        /**
         * Decode every pair during {@code prepare} to find bad files before training starts (with
         * {@link #optCacheDecoded}, this also fills the cache).
         *
         * @param verify true to decode every pair in {@code prepare} (default false)
         * @return this builder
         */
        public T optVerify(boolean verify) {
            this.verify = verify;
            return self();
        }

        /**
         * Keep every decoded image and label in memory after its first use, for small datasets whose
         * frames are decoded again every epoch (see the class documentation for the memory it takes).
         *
         * @param cache true to keep decoded samples (default false)
         * @return this builder
         */
        public T optCacheDecoded(boolean cache) {
            this.cacheDecoded = cache;
            return self();
        }

        /**
         * Builds the dataset; call {@code prepare()} before reading. Declared here so that code choosing a
         * dataset by name can configure and build any of them through this type.
         *
         * @return a new, unprepared dataset
         * @throws IllegalArgumentException when no root was set
         */
        public abstract FileSegmentationDataset build();
    }
}
