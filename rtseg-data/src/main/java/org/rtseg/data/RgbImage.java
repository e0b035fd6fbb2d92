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

    /** Checks that the buffer matches the size. */
    public RgbImage {
        if (width <= 0 || height <= 0 || pixels.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "RGB image " + width + "x" + height + " needs " + width * height * 3
                            + " bytes, got " + pixels.length);
        }
    }

    /** The unsigned value of channel {@code c} at ({@code x}, {@code y}). */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }
}
