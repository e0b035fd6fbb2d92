package org.rtseg.data.augment;

/**
 * Colour jitter strengths, as in torchvision's {@code ColorJitter}: each factor is drawn uniformly from
 * {@code [1 - s, 1 + s]} and applied in the fixed order brightness, contrast, saturation (a fixed order
 * keeps one random draw per sample, so the same seed always gives the same batch).
 *
 * @param brightness multiplies every channel; 0 disables
 * @param contrast blends with the mean grey of the crop; 0 disables
 * @param saturation blends each pixel with its own grey; 0 disables
 */
public record ColorJitter(double brightness, double contrast, double saturation) {

    /** No colour change. */
    public static final ColorJitter NONE = new ColorJitter(0, 0, 0);

    /**
     * Checks strengths in [0, 1].
     *
     * @param brightness brightness strength {@code s} in [0, 1]; 0 disables
     * @param contrast contrast strength in [0, 1]; 0 disables
     * @param saturation saturation strength in [0, 1]; 0 disables
     * @throws IllegalArgumentException when a strength is outside [0, 1] or NaN
     */
    public ColorJitter {
        for (double s : new double[] {brightness, contrast, saturation}) {
            if (!(s >= 0 && s <= 1)) {
                throw new IllegalArgumentException("jitter strengths must be in [0, 1]: " + s);
            }
        }
    }
}
