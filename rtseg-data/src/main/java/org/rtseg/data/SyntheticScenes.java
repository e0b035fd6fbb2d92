package org.rtseg.data;

import ai.djl.util.Progress;
import java.util.ArrayList;
import java.util.List;

/**
 * Procedurally drawn street scenes with exact labels, so that the whole pipeline can be trained and
 * tested without any download; the demo's default dataset.
 *
 * <p>Each scene has a horizon, sky, a road in perspective with lane marks, tiled sidewalks, a skyline of
 * buildings (with window grids) and trees, and cars, poles and people scaled by their distance. Classes
 * (in this order) are sky, road, sidewalk, building, vegetation, car, pole, person; with fewer classes the
 * later ones are simply not drawn, with more, each extra class is a striped object of its own pattern.
 *
 * <p>It is built to be learnable but not solvable by colour: road, sidewalk, building, overcast sky,
 * poles and grey cars share the same grey range and differ only in texture (fine noise, tile grid,
 * window grid, smooth gradient), shape and position, and a per-scene illumination change and an
 * occasional "dusk" desaturation move every colour. A scene is a pure function of (seed, index).
 */
public final class SyntheticScenes extends SegmentationDataset {

    /** Names of the drawn classes, in class-id order. */
    public static final List<String> BASE_CLASSES =
            List.of("sky", "road", "sidewalk", "building", "vegetation", "car", "pole", "person");

    private static final int[] BASE_PALETTE = {
        0x4682B4, 0x804080, 0xF423E8, 0x464646, 0x6B8E23, 0x00008E, 0x999999, 0xDC143C
    };

    private final int height;
    private final int width;
    private final int length;
    private final LabelFormat format;
    /** Drawn scenes by index when the builder asked to keep them; null otherwise. */
    private final SampleCache drawn;

    private SyntheticScenes(Builder builder) {
        super(builder);
        this.height = builder.height;
        this.width = builder.width;
        this.length = builder.length;
        this.format = formatFor(builder.numClasses);
        this.drawn = builder.keepDrawn ? new SampleCache(length) : null;
    }

    /**
     * A builder: 64×128 scenes, 8 classes, 1000 samples, seed 0.
     *
     * @return a new builder with those defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The classes and palette of scenes with {@code numClasses} classes (2..254).
     *
     * @param numClasses the class count, 2 to 254
     * @return an {@linkplain LabelFormat#indexed indexed} format named {@code synthetic}: the base classes
     *     first, then {@code object8}, {@code object9}, ... with hashed colours
     * @throws IllegalArgumentException when {@code numClasses} is outside 2..254
     */
    public static LabelFormat formatFor(int numClasses) {
        if (numClasses < 2 || numClasses > 254) {
            throw new IllegalArgumentException("synthetic scenes need 2..254 classes: " + numClasses);
        }
        List<String> names = new ArrayList<>();
        int[] palette = new int[numClasses];
        for (int c = 0; c < numClasses; c++) {
            names.add(c < BASE_CLASSES.size() ? BASE_CLASSES.get(c) : "object" + c);
            palette[c] = c < BASE_PALETTE.length ? BASE_PALETTE[c] : (int) (mixColor(c) & 0xFFFFFF);
        }
        return LabelFormat.indexed("synthetic", names, palette);
    }

    @Override
    public LabelFormat format() {
        return format;
    }

    /**
     * {@inheritDoc}
     *
     * <p>With {@code optKeepDrawn(true)} the same instance is returned every time: its arrays are
     * shared and must not be modified (the transforms only read them).
     */
    @Override
    public LabeledImage load(long index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("scene " + index + " of " + length);
        }
        if (drawn == null) {
            return draw(index);
        }
        return drawn.get((int) index, () -> draw(index));
    }

    private LabeledImage draw(long index) {
        return new SceneRenderer(width, height, format.numClasses(), sampleRandom(seed() ^ 0x5CE9E5L, -1, index))
                .render("scene_" + index);
    }

    @Override
    public void prepare(Progress progress) {
        // Nothing to read or download: scenes are drawn on demand.
    }

    @Override
    protected long availableSize() {
        return length;
    }

    private static long mixColor(int c) {
        long z = c * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 29);
    }

    /** Builder of {@link SyntheticScenes}. */
    public static final class Builder extends SegmentationDataset.Builder<Builder> {

        private int height = 64;
        private int width = 128;
        private int numClasses = BASE_CLASSES.size();
        private int length = 1000;
        private boolean keepDrawn;

        private Builder() {}

        /**
         * Scene size in pixels (at least 16×16).
         *
         * @param height rows, at least 16 (default 64)
         * @param width columns, at least 16 (default 128)
         * @return this builder
         * @throws IllegalArgumentException when a side is below 16
         */
        public Builder optImageSize(int height, int width) {
            if (height < 16 || width < 16) {
                throw new IllegalArgumentException("scenes must be at least 16x16: " + height + "x" + width);
            }
            this.height = height;
            this.width = width;
            return this;
        }

        /**
         * Number of classes, 2..254 (default 8).
         *
         * @param numClasses the class count; above 8, the extra classes are striped objects
         * @return this builder
         * @throws IllegalArgumentException when {@code numClasses} is outside 2..254
         */
        public Builder optNumClasses(int numClasses) {
            formatFor(numClasses);
            this.numClasses = numClasses;
            return this;
        }

        /**
         * Number of scenes (default 1000).
         *
         * @param length the dataset size, at least 1
         * @return this builder
         * @throws IllegalArgumentException when {@code length} is below 1
         */
        public Builder optNumSamples(int length) {
            if (length < 1) {
                throw new IllegalArgumentException("need at least one scene: " + length);
            }
            this.length = length;
            return this;
        }

        /**
         * Keep every scene in memory after it was first drawn (about 4 bytes a pixel), rather than
         * draw it again each epoch: drawing a 128×256 scene takes about 1.2 ms, most of what a
         * training batch of 8 costs to make.
         *
         * @param keep true to keep drawn scenes (default false)
         * @return this builder
         */
        public Builder optKeepDrawn(boolean keep) {
            this.keepDrawn = keep;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Builds the dataset.
         *
         * @return the dataset; it needs no {@code prepare()}, scenes are drawn on demand
         */
        public SyntheticScenes build() {
            return new SyntheticScenes(this);
        }
    }
}
