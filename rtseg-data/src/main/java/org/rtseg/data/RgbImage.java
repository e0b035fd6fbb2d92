package org.rtseg.data;

/**
 * A decoded 8-bit RGB image, pixel-interleaved row by row ({@code pixels[(y * width + x) * 3 + c]}).
 *
 * <p>Kept as bytes rather than an NDArray so that decoding and augmentation run on plain Java arrays on
 * worker threads, with one NDArray created per finished sample.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param pixels {@code width * height * 3} bytes, unsigned, R G B
 */
public record RgbImage(int width, int height, byte[] pixels) {

    /**
     * Checks that the buffer matches the size.
     *
     * @param width width in pixels, at least 1
     * @param height height in pixels, at least 1
     * @param pixels {@code width * height * 3} unsigned bytes, R G B interleaved; kept, not copied
     * @throws IllegalArgumentException when a size is not positive or the buffer has the wrong length
     */
    public RgbImage {
        if (width <= 0 || height <= 0 || pixels.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "RGB image " + width + "x" + height + " needs " + width * height * 3
                            + " bytes, got " + pixels.length);
        }
    }

    /**
     * The unsigned value of channel {@code c} at ({@code x}, {@code y}).
     *
     * @param x the column, from 0 to {@code width - 1}
     * @param y the row, from 0 to {@code height - 1}
     * @param c the channel: 0 red, 1 green, 2 blue
     * @return the value, 0 to 255
     */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }
}
