package org.rtseg.data;

/**
 * A single-channel map of 8-bit values: the raw values of an index PNG, or class ids with
 * {@link #IGNORE} for pixels that are not scored.
 *
 * <p>One byte per pixel because every supported convention (Cityscapes labelIds 0..33, VOC 0..20/255,
 * ADE20K 0..150, CamVid 0..11) fits in one, which keeps a 2048×1024 map at 2 MB.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param values {@code width * height} unsigned bytes, row by row
 */
public record LabelMap(int width, int height, byte[] values) {

    /** The class id of pixels that are neither trained on nor scored. */
    public static final int IGNORE = 255;

    /**
     * Checks that the buffer matches the size.
     *
     * @param width width in pixels, at least 1
     * @param height height in pixels, at least 1
     * @param values {@code width * height} unsigned bytes, row by row; kept, not copied
     * @throws IllegalArgumentException when a size is not positive or the buffer has the wrong length
     */
    public LabelMap {
        if (width <= 0 || height <= 0 || values.length != width * height) {
            throw new IllegalArgumentException(
                    "label map " + width + "x" + height + " needs " + width * height
                            + " bytes, got " + values.length);
        }
    }

    /**
     * The unsigned value at ({@code x}, {@code y}).
     *
     * @param x the column, from 0 to {@code width - 1}
     * @param y the row, from 0 to {@code height - 1}
     * @return the value, 0 to 255
     */
    public int get(int x, int y) {
        return values[y * width + x] & 0xFF;
    }

    /**
     * Resizes with nearest-neighbour sampling at pixel centres ({@code src = floor((dst + 0.5) * srcSize /
     * dstSize)}, PyTorch {@code nearest-exact}), the only resampling that keeps class ids valid. Used to
     * bring a prediction back to the ground-truth size before export.
     *
     * @param newWidth the width in pixels, at least 1
     * @param newHeight the height in pixels, at least 1
     * @return the resized map; this map itself when the size is unchanged
     */
    public LabelMap resizeNearest(int newWidth, int newHeight) {
        if (newWidth == width && newHeight == height) {
            return this;
        }
        int[] cols = new int[newWidth];
        for (int x = 0; x < newWidth; x++) {
            cols[x] = Math.min((int) ((2L * x + 1) * width / (2L * newWidth)), width - 1);
        }
        byte[] out = new byte[newWidth * newHeight];
        for (int y = 0; y < newHeight; y++) {
            int srcRow = Math.min((int) ((2L * y + 1) * height / (2L * newHeight)), height - 1) * width;
            int dstRow = y * newWidth;
            for (int x = 0; x < newWidth; x++) {
                out[dstRow + x] = values[srcRow + cols[x]];
            }
        }
        return new LabelMap(newWidth, newHeight, out);
    }

    /**
     * Every value as an int, the layout of a DJL {@code INT32} label tensor.
     *
     * @return a new array of {@code width * height} values, 0 to 255, row by row
     */
    public int[] toIntArray() {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] & 0xFF;
        }
        return out;
    }
}
