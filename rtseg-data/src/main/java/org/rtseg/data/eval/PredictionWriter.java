package org.rtseg.data.eval;

import java.io.IOException;
import java.nio.file.Path;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.RgbImage;

/**
 * Writes predictions in a dataset's official format, for its evaluator or benchmark server, and as
 * colour renderings for people. Every file is written to a temporary name and renamed.
 *
 * <ul>
 *   <li>Cityscapes: grayscale PNG of labelIds (trainId → labelId), named {@code <city>_<seq>_<frame>.png}.
 *   <li>VOC: palette PNG of class indices with the VOC palette, named {@code <id>.png}.
 *   <li>ADE20K: grayscale PNG of class + 1, named {@code <name>.png}.
 *   <li>CamVid: grayscale PNG of the class index 0..10 (SegNet's label values), named {@code <name>.png}.
 * </ul>
 *
 * Predictions must be at ground-truth size ({@link LabelMap#resizeNearest}) and hold a class for every
 * pixel.
 */
public final class PredictionWriter {

    private final LabelFormat format;

    /**
     * A writer for {@code format}.
     *
     * @param format the dataset's label format, which gives file values, palette and void colour
     */
    public PredictionWriter(LabelFormat format) {
        this.format = format;
    }

    /**
     * Writes {@code <dir>/<key>.png} in the official format and returns its path.
     *
     * @param dir the output folder, created if missing
     * @param key the sample's name in its dataset, which names the file
     * @param classes predicted class ids, at ground-truth size
     * @return the written file
     * @throws IOException when the file cannot be written
     * @throws IllegalArgumentException when a pixel holds no class id
     */
    public Path writeOfficial(Path dir, String key, LabelMap classes) throws IOException {
        Path file = dir.resolve(key + ".png");
        ImageFiles.writeIndexPng(file, format.classesToFileValues(classes), format.filePalette());
        return file;
    }

    /**
     * Renders class ids with the official palette (unscored pixels in the void colour).
     *
     * @param classes class ids; values {@code >= numClasses} are drawn in the void colour
     * @return a new image of the same size
     */
    public RgbImage colorize(LabelMap classes) {
        int[] palette = format.palette();
        byte[] ids = classes.values();
        byte[] rgb = new byte[ids.length * 3];
        for (int i = 0; i < ids.length; i++) {
            int c = ids[i] & 0xFF;
            int color = c < palette.length ? palette[c] : format.voidColor();
            rgb[3 * i] = (byte) (color >> 16);
            rgb[3 * i + 1] = (byte) (color >> 8);
            rgb[3 * i + 2] = (byte) color;
        }
        return new RgbImage(classes.width(), classes.height(), rgb);
    }

    /**
     * Blends the image with the palette colour of each pixel's class; unscored pixels keep the image.
     *
     * @param image the input image
     * @param classes class ids, same size as {@code image}
     * @param alpha weight of the class colour, in [0, 1]
     * @return a new blended image
     * @throws IllegalArgumentException when the sizes differ or {@code alpha} is outside [0, 1]
     */
    public RgbImage overlay(RgbImage image, LabelMap classes, double alpha) {
        if (image.width() != classes.width() || image.height() != classes.height()) {
            throw new IllegalArgumentException("overlay needs image and classes of the same size");
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1]: " + alpha);
        }
        byte[] colors = colorize(classes).pixels();
        byte[] src = image.pixels();
        byte[] out = new byte[src.length];
        byte[] ids = classes.values();
        for (int i = 0; i < ids.length; i++) {
            boolean scored = (ids[i] & 0xFF) < format.numClasses();
            for (int c = 0; c < 3; c++) {
                int k = 3 * i + c;
                double v = (src[k] & 0xFF) * (scored ? 1 - alpha : 1) + (scored ? (colors[k] & 0xFF) * alpha : 0);
                out[k] = (byte) Math.round(v);
            }
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /**
     * Writes {@link #colorize} as an RGB PNG.
     *
     * @param file the PNG to write; parent folders are created
     * @param classes class ids to render
     * @throws IOException when the file cannot be written
     */
    public void writeColorMask(Path file, LabelMap classes) throws IOException {
        ImageFiles.writeRgbPng(file, colorize(classes));
    }

    /**
     * Writes {@link #overlay} as an RGB PNG.
     *
     * @param file the PNG to write; parent folders are created
     * @param image the input image
     * @param classes class ids, same size as {@code image}
     * @param alpha weight of the class colour, in [0, 1]
     * @throws IOException when the file cannot be written
     */
    public void writeOverlay(Path file, RgbImage image, LabelMap classes, double alpha) throws IOException {
        ImageFiles.writeRgbPng(file, overlay(image, classes, alpha));
    }
}
