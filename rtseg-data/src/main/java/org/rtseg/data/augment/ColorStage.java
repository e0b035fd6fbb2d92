package org.rtseg.data.augment;

/**
 * Contrast, saturation and normalisation of a resampled CHW buffer, in place, on the image region only
 * (padding stays exactly 0 after normalisation, the mmsegmentation "normalise, then pad with 0" order).
 * Brightness is already applied by {@link Resampler} as a gain, which also measured the mean grey that
 * contrast blends towards (torchvision's {@code adjust_contrast} on the brightness-adjusted image).
 */
final class ColorStage {

    private ColorStage() {}

    /**
     * @param image CHW values in 0..255 inside {@code region}
     * @param width row length of {@code image}
     * @param contrast factor (1 = unchanged)
     * @param saturation factor (1 = unchanged)
     */
    static void apply(
            float[] image, int width, int height, Resampler.Region region, float contrast, float saturation,
            Normalization norm) {
        int plane = width * height;
        boolean jitter = contrast != 1 || saturation != 1;
        float a0 = norm.scale(0);
        float a1 = norm.scale(1);
        float a2 = norm.scale(2);
        float b0 = norm.offset(0);
        float b1 = norm.offset(1);
        float b2 = norm.offset(2);
        float shift = region.meanGrey() * (1 - contrast);
        for (int y = region.y0(); y < region.y1(); y++) {
            for (int i = y * width + region.x0(), end = y * width + region.x1(); i < end; i++) {
                float r = image[i];
                float g = image[plane + i];
                float b = image[2 * plane + i];
                if (jitter) {
                    r = Resampler.clamp(r * contrast + shift);
                    g = Resampler.clamp(g * contrast + shift);
                    b = Resampler.clamp(b * contrast + shift);
                    float keep = (0.299f * r + 0.587f * g + 0.114f * b) * (1 - saturation);
                    r = Resampler.clamp(r * saturation + keep);
                    g = Resampler.clamp(g * saturation + keep);
                    b = Resampler.clamp(b * saturation + keep);
                }
                image[i] = r * a0 + b0;
                image[plane + i] = g * a1 + b1;
                image[2 * plane + i] = b * a2 + b2;
            }
        }
    }
}
