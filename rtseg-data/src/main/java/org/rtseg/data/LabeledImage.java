package org.rtseg.data;

/**
 * An image with its label map in class ids (already mapped from the dataset's file convention).
 *
 * @param key the sample's name in its dataset (e.g. {@code frankfurt_000000_000294}), used to name exports
 * @param image the RGB image
 * @param label class ids, {@link LabelMap#IGNORE} where unscored, same size as the image
 */
public record LabeledImage(String key, RgbImage image, LabelMap label) {

    /**
     * Checks that image and label have the same size.
     *
     * @param key the sample's name in its dataset, used to name exports and in error messages
     * @param image the RGB image
     * @param label class ids, same size as the image
     * @throws IllegalArgumentException when the sizes differ
     */
    public LabeledImage {
        if (image.width() != label.width() || image.height() != label.height()) {
            throw new IllegalArgumentException(
                    key + ": image is " + image.width() + "x" + image.height() + " but label is "
                            + label.width() + "x" + label.height());
        }
    }
}
