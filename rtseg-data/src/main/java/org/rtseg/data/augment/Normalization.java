package org.rtseg.data.augment;

import java.util.Arrays;

/**
 * Per-channel normalisation {@code (x / 255 - mean) / std} of RGB images, in R G B order.
 *
 * @param mean channel means in [0, 1]
 * @param std channel standard deviations, positive
 */
public record Normalization(float[] mean, float[] std) {

    /** ImageNet statistics: the default, because the backbones are ImageNet-pretrained. */
    public static final Normalization IMAGENET =
            new Normalization(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    /**
     * Checks three positive channels.
     *
     * @param mean the R, G, B means on the [0, 1] scale; copied
     * @param std the R, G, B standard deviations on the [0, 1] scale, positive; copied
     * @throws IllegalArgumentException when an array does not hold 3 values or a deviation is not positive
     */
    public Normalization {
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("normalisation needs 3 means and 3 stds (R, G, B)");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("normalisation std must be positive: " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** The factor {@code a} of {@code x * a + b} for channel {@code c} of a 0..255 value. */
    float scale(int c) {
        return 1f / (255f * std[c]);
    }

    /** The offset {@code b} of {@code x * a + b} for channel {@code c}. */
    float offset(int c) {
        return -mean[c] / std[c];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
