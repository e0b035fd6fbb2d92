package org.rtseg.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Cityscapes in its official layout: {@code <root>/leftImg8bit/<split>/<city>/<key>_leftImg8bit.png} with
 * {@code <root>/gtFine/<split>/<city>/<key>_gtFine_labelIds.png} (or {@code gtCoarse/..._gtCoarse_labelIds.png}
 * with {@code optCoarse(true)}, e.g. for split {@code train_extra}).
 *
 * <p>Labels are read from the labelIds files and mapped to the 19 trainIds here, not from the
 * {@code labelTrainIds} files that some copies ship: those are derived files that may have been made
 * differently (resized separately, older scripts), whereas labelIds are what the official evaluator scores.
 */
public final class Cityscapes extends FileSegmentationDataset {

    private static final String IMAGE_SUFFIX = "_leftImg8bit.png";
    private final String annotation;

    private Cityscapes(Builder builder) {
        super(builder);
        this.annotation = builder.coarse ? "gtCoarse" : "gtFine";
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
        return LabelFormat.CITYSCAPES;
    }

    /** Predictions are matched with the official {@code <city>_<seq>_<frame>*.png} glob. */
    @Override
    public boolean predictionNameIsPrefix() {
        return true;
    }

    @Override
    protected Listing list() throws IOException {
        requireRoot(root, "leftImg8bit/ and gtFine/");
        Path imageDir = root.resolve("leftImg8bit").resolve(split);
        Path labelDir = root.resolve(annotation).resolve(split);
        String labelSuffix = "_" + annotation + "_labelIds.png";
        TreeMap<String, String> cityOfKey = new TreeMap<>();
        collect(imageDir, IMAGE_SUFFIX, cityOfKey);
        collect(labelDir, labelSuffix, cityOfKey);
        List<SampleFiles> files = new ArrayList<>(cityOfKey.size());
        cityOfKey.forEach(
                (key, city) ->
                        files.add(new SampleFiles(
                                key,
                                imageDir.resolve(city).resolve(key + IMAGE_SUFFIX),
                                labelDir.resolve(city).resolve(key + labelSuffix))));
        return new Listing(imageDir, labelDir, files);
    }

    private static void collect(Path splitDir, String suffix, TreeMap<String, String> cityOfKey)
            throws IOException {
        for (String city : subfolders(splitDir)) {
            for (Path file : filesEndingWith(splitDir.resolve(city), suffix)) {
                String name = file.getFileName().toString();
                cityOfKey.put(name.substring(0, name.length() - suffix.length()), city);
            }
        }
    }

    /** Builder of {@link Cityscapes}. */
    public static final class Builder extends FileBuilder<Builder> {

        private boolean coarse;

        private Builder() {
            super("train");
        }

        /**
         * Read the coarse annotations ({@code gtCoarse}) instead of the fine ones.
         *
         * @param coarse true for {@code gtCoarse}, false for {@code gtFine} (the default)
         * @return this builder
         */
        public Builder optCoarse(boolean coarse) {
            this.coarse = coarse;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Builds the dataset; call {@code prepare()} before reading. */
        @Override
        public Cityscapes build() {
            return new Cityscapes(this);
        }
    }
}
