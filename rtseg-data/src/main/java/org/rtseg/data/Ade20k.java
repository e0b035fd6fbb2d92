package org.rtseg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * ADE20K (SceneParsing, 150 classes) in its official layout:
 * {@code ADEChallengeData2016/images/<split>/<name>.jpg} with {@code annotations/<split>/<name>.png}, splits
 * {@code training} and {@code validation} ({@code train} and {@code val} are accepted). The root may be the
 * folder holding {@code ADEChallengeData2016} or that folder itself.
 *
 * <p>Annotation value 0 ("other") is ignored and value {@code k + 1} is class {@code k}, the devkit's
 * "reduce zero label" convention.
 */
public final class Ade20k extends FileSegmentationDataset {

    private static final Map<String, String> ALIASES = Map.of("train", "training", "val", "validation");

    private Ade20k(Builder builder) {
        super(builder);
    }

    /**
     * A builder; the default split is {@code training}.
     *
     * @return a new builder, to be given a root with {@code setRoot}
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LabelFormat format() {
        return LabelFormat.ADE20K;
    }

    @Override
    protected Listing list() throws IOException {
        requireRoot(root, "ADEChallengeData2016/");
        Path base = root.resolve("ADEChallengeData2016");
        if (!Files.isDirectory(base)) {
            base = root;
        }
        String folder = ALIASES.getOrDefault(split, split);
        return pairedFolders(base.resolve("images").resolve(folder), ".jpg",
                base.resolve("annotations").resolve(folder), ".png");
    }

    /** Builder of {@link Ade20k}. */
    public static final class Builder extends FileBuilder<Builder> {

        private Builder() {
            super("training");
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Builds the dataset; call {@code prepare()} before reading. */
        @Override
        public Ade20k build() {
            return new Ade20k(this);
        }
    }
}
