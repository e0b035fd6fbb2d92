package org.rtseg.data.augment;

import java.util.Arrays;
import org.rtseg.data.LabelMap;
import org.rtseg.data.LabeledImage;

/**
 * Rescale, pad, crop and flip fused into one pass that computes only the output pixels.
 *
 * <p>Doing the steps one after another would build a rescaled image up to 4× the original (scale 2.0 of
 * a 2048×1024 frame is 34 MB of floats) only to keep a 512×1024 crop of it; mapping each output pixel
 * straight back to the source costs a few table look-ups per pixel instead. The image is sampled
 * bilinearly with half-pixel centres ({@code align_corners=False}, as OpenCV and PyTorch), the label by
 * nearest neighbour with the same centres ({@code src = floor((dst + 0.5) * srcSize / dstSize)}, PyTorch
 * {@code nearest-exact}) so ids stay ids and sit exactly under the image pixels they label. OpenCV's
 * {@code INTER_NEAREST} ({@code floor(dst * ratio)}) would shift labels by up to half a source pixel
 * against the image when downscaling.
 *
 * @param scaledWidth width of the (virtual) rescaled image
 * @param scaledHeight height of the (virtual) rescaled image
 * @param offsetX left edge of the crop in the rescaled, padded image
 * @param offsetY top edge of the crop in the rescaled, padded image
 * @param flip whether the crop is mirrored left-right
 * @param outWidth crop width
 * @param outHeight crop height
 */
record Resampler(
        int scaledWidth, int scaledHeight, int offsetX, int offsetY, boolean flip, int outWidth, int outHeight) {

    /**
     * The output pixels that come from the image (the rest is padding), and their mean grey.
     *
     * @param meanGrey mean of {@code 0.299 R + 0.587 G + 0.114 B} over the region, after the gain
     */
    record Region(int x0, int y0, int x1, int y1, float meanGrey) {}

    /**
     * Writes 0..255 values times {@code gain} (clamped) to {@code image} (CHW) and class ids to
     * {@code label} inside the returned region; outside it, image values are left untouched and labels
     * are set to {@link LabelMap#IGNORE}. The gain (jitter brightness) and the mean grey (what jitter
     * contrast blends towards) are computed here because this is the only pass that reads the source:
     * a separate pass over a 512×1024×3 float crop costs as much as the resampling itself.
     */
    Region apply(LabeledImage sample, float[] image, int[] label, float gain) {
        int w = sample.image().width();
        int h = sample.image().height();
        Axis cols = Axis.of(w, scaledWidth, offsetX, outWidth, flip);
        Axis rows = Axis.of(h, scaledHeight, offsetY, outHeight, false);
        Arrays.fill(label, LabelMap.IGNORE);
        byte[] src = sample.image().pixels();
        byte[] ids = sample.label().values();
        int plane = outWidth * outHeight;
        boolean scaleValues = gain != 1f;
        double greySum = 0;
        for (int oy = rows.first; oy < rows.end; oy++) {
            int r0 = rows.low[oy] * w * 3;
            int r1 = rows.high[oy] * w * 3;
            float wy = rows.weight[oy];
            int labelRow = rows.nearest[oy] * w;
            int o = oy * outWidth;
            float rowGrey = 0;
            for (int ox = cols.first; ox < cols.end; ox++) {
                int a = cols.low[ox] * 3;
                int b = cols.high[ox] * 3;
                float wx = cols.weight[ox];
                float red = bilinear(src, r0 + a, r0 + b, r1 + a, r1 + b, wx, wy);
                float green = bilinear(src, r0 + a + 1, r0 + b + 1, r1 + a + 1, r1 + b + 1, wx, wy);
                float blue = bilinear(src, r0 + a + 2, r0 + b + 2, r1 + a + 2, r1 + b + 2, wx, wy);
                if (scaleValues) {
                    red = clamp(red * gain);
                    green = clamp(green * gain);
                    blue = clamp(blue * gain);
                }
                image[o + ox] = red;
                image[plane + o + ox] = green;
                image[2 * plane + o + ox] = blue;
                rowGrey += 0.299f * red + 0.587f * green + 0.114f * blue;
                label[o + ox] = ids[labelRow + cols.nearest[ox]] & 0xFF;
            }
            greySum += rowGrey;
        }
        long count = (long) Math.max(0, rows.end - rows.first) * Math.max(0, cols.end - cols.first);
        return new Region(cols.first, rows.first, cols.end, rows.end, count == 0 ? 0 : (float) (greySum / count));
    }

    private static float bilinear(byte[] src, int i00, int i01, int i10, int i11, float wx, float wy) {
        float p00 = src[i00] & 0xFF;
        float p01 = src[i01] & 0xFF;
        float p10 = src[i10] & 0xFF;
        float p11 = src[i11] & 0xFF;
        float top = p00 + (p01 - p00) * wx;
        float bottom = p10 + (p11 - p10) * wx;
        return top + (bottom - top) * wy;
    }

    /** Clamps to [0, 255]; comparisons rather than {@code Math.min/max}, which also order NaN and -0. */
    static float clamp(float v) {
        return v < 0f ? 0f : (v > 255f ? 255f : v);
    }

    /** Per output coordinate along one axis: bilinear neighbours and weight, nearest source, valid span. */
    private static final class Axis {
        final int[] low;
        final int[] high;
        final float[] weight;
        final int[] nearest;
        int first;
        int end;

        private Axis(int n) {
            low = new int[n];
            high = new int[n];
            weight = new float[n];
            nearest = new int[n];
        }

        static Axis of(int srcSize, int scaledSize, int offset, int outSize, boolean flip) {
            Axis axis = new Axis(outSize);
            double ratio = (double) srcSize / scaledSize;
            axis.first = outSize;
            axis.end = 0;
            for (int o = 0; o < outSize; o++) {
                int scaled = offset + (flip ? outSize - 1 - o : o);
                if (scaled >= scaledSize) {
                    continue;
                }
                axis.first = Math.min(axis.first, o);
                axis.end = o + 1;
                double s = Math.min(Math.max((scaled + 0.5) * ratio - 0.5, 0), srcSize - 1);
                int lo = (int) s;
                axis.low[o] = lo;
                axis.high[o] = Math.min(lo + 1, srcSize - 1);
                axis.weight[o] = (float) (s - lo);
                axis.nearest[o] = Math.min((int) ((scaled + 0.5) * ratio), srcSize - 1);
            }
            if (axis.end == 0) {
                axis.first = 0;
            }
            return axis;
        }
    }
}
