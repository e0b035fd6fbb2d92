package org.rtseg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PASCAL VOC 2012 segmentation in its official layout: {@code VOCdevkit/VOC2012/JPEGImages/<id>.jpg},
 * {@code SegmentationClass/<id>.png} and the split list {@code ImageSets/Segmentation/<split>.txt}. The
 * root may be the folder holding {@code VOCdevkit} or {@code VOC2012} itself.
 *
 * <p>Labels are palette PNGs whose pixel <em>index</em> is the class (0..20, 255 = void border); they are
 * read as indices, never as colours. With {@code optAugmented(true)} labels come from the SBD-augmented
 * {@code SegmentationClassAug} folder (grayscale PNGs with the same values) and the split list is
 * whatever {@code <split>.txt} names, e.g. {@code train_aug}.
 */
public final class PascalVoc extends FileSegmentationDataset {

    private final String labelFolder;

    private PascalVoc(Builder builder) {
        super(builder);
        this.labelFolder = builder.augmented ? "SegmentationClassAug" : "SegmentationClass";
    }

    /**
     * A builder; the default split is {@code train}.
     *
     * @return a new builder, to be given a root with {@code setRoot}
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LabelFormat format() {
        return LabelFormat.VOC;
    }

    @Override
    protected Listing list() throws IOException {
        requireRoot(root, "VOCdevkit/VOC2012/");
        Path base = root.resolve("VOCdevkit").resolve("VOC2012");
        if (!Files.isDirectory(base)) {
            base = root;
        }
        Path splitFile = base.resolve("ImageSets").resolve("Segmentation").resolve(split + ".txt");
        List<String> ids;
        try {
            ids = Files.readAllLines(splitFile).stream().map(String::strip).filter(s -> !s.isEmpty()).sorted().toList();
        } catch (NoSuchFileException e) {
            throw new InvalidDataException(
                    splitFile, "split list of split '" + split + "' does not exist",
                    "Check the root (it must contain VOCdevkit/VOC2012/) and the split name", e);
        }
        Path imageDir = base.resolve("JPEGImages");
        Path labelDir = base.resolve(labelFolder);
        List<SampleFiles> files = new ArrayList<>(ids.size());
        for (String id : ids) {
            files.add(new SampleFiles(id, imageDir.resolve(id + ".jpg"), labelDir.resolve(id + ".png")));
        }
        return new Listing(imageDir, labelDir, files);
    }

    /** Builder of {@link PascalVoc}. */
    public static final class Builder extends FileBuilder<Builder> {

        private boolean augmented;

        private Builder() {
            super("train");
        }

        /**
         * Read labels from {@code SegmentationClassAug} (the SBD-augmented set).
         *
         * @param augmented true for {@code SegmentationClassAug}, false for {@code SegmentationClass} (the
         *     default)
         * @return this builder
         */
        public Builder optAugmented(boolean augmented) {
            this.augmented = augmented;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Builds the dataset; call {@code prepare()} before reading. */
        @Override
        public PascalVoc build() {
            return new PascalVoc(this);
        }
    }
}
