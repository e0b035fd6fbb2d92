package org.rtseg.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes and encodes the PNG and JPEG files of the datasets with {@code javax.imageio}.
 *
 * <p>Label files are read as raw sample values from the raster, never through a colour model: a VOC
 * palette PNG stores the class as the palette <em>index</em>, and converting it to RGB would lose it.
 * Truncated files are errors even where the decoder only warns (a JPEG decoder fills a truncated tail
 * with grey and carries on), because a silently grey image would poison training without a trace.
 * Every write goes to a temporary file in the target folder that is then renamed, so a crash or a full
 * disk never leaves a half-written PNG that a later evaluation would take for a prediction.
 */
public final class ImageFiles {

    static {
        // The disk cache only slows decoding of in-memory bytes down.
        ImageIO.setUseCache(false);
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    private ImageFiles() {}

    /**
     * Reads an RGB image (PNG or JPEG; grayscale and palette images are converted to RGB).
     *
     * @param file the image file
     * @return the decoded 8-bit RGB pixels
     * @throws InvalidDataException if the file is missing, not an image, corrupt or truncated
     */
    public static RgbImage readRgb(Path file) throws IOException {
        BufferedImage image = decode(file);
        return new RgbImage(image.getWidth(), image.getHeight(), rgbBytes(image));
    }

    /**
     * Reads a single-channel index PNG (palette or grayscale) as its raw pixel values.
     *
     * @param file the label or prediction file
     * @return the raw values (palette indices or gray levels), not yet mapped to class ids
     * @throws InvalidDataException if the file is missing, corrupt, has several channels (an RGB colour
     *     rendering instead of ids) or holds values above 255
     */
    public static LabelMap readIndex(Path file) throws IOException {
        BufferedImage image = decode(file);
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1) {
            throw new InvalidDataException(
                    file,
                    "has " + raster.getNumBands() + " channels (an RGB/RGBA colour image), but a label or"
                            + " prediction must be a single-channel index PNG whose pixel values are the ids",
                    "Write the ids themselves as an 8-bit grayscale or palette PNG, not a colour rendering");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] direct = directBytes(raster, 1);
        if (direct != null) {
            return new LabelMap(w, h, copyInterleaved(raster, direct, 1, new int[] {0}));
        }
        int[] samples = raster.getSamples(0, 0, w, h, 0, (int[]) null);
        byte[] values = new byte[samples.length];
        for (int i = 0; i < samples.length; i++) {
            if (samples[i] > 255) {
                throw new InvalidDataException(
                        file,
                        "holds value " + samples[i] + " at (" + i % w + ", " + i / w
                                + "), above 255; this looks like a 16-bit instance-id map",
                        "Use the 8-bit label-id file of the dataset");
            }
            values[i] = (byte) samples[i];
        }
        return new LabelMap(w, h, values);
    }

    /**
     * Writes values as an 8-bit PNG: grayscale when {@code palette} is null, else a palette PNG whose
     * entry {@code i} is {@code palette[i]} (packed {@code 0xRRGGBB}; missing entries are black).
     *
     * @param file the PNG to write, replaced atomically; parent folders are created
     * @param map the values to store, one byte per pixel
     * @param palette up to 256 packed colours (entries beyond 256 are ignored), or null for grayscale
     * @throws IOException when the file cannot be written
     */
    public static void writeIndexPng(Path file, LabelMap map, int[] palette) throws IOException {
        BufferedImage image;
        if (palette == null) {
            image = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_BYTE_GRAY);
        } else {
            byte[][] rgb = new byte[3][256];
            for (int i = 0; i < Math.min(256, palette.length); i++) {
                rgb[0][i] = (byte) (palette[i] >> 16);
                rgb[1][i] = (byte) (palette[i] >> 8);
                rgb[2][i] = (byte) palette[i];
            }
            IndexColorModel model = new IndexColorModel(8, 256, rgb[0], rgb[1], rgb[2]);
            image = new BufferedImage(
                    map.width(), map.height(), BufferedImage.TYPE_BYTE_INDEXED, model);
        }
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(map.values(), 0, data, 0, data.length);
        writePng(file, image);
    }

    /**
     * Writes an RGB image as a PNG.
     *
     * @param file the PNG to write, replaced atomically; parent folders are created
     * @param rgb the image
     * @throws IOException when the file cannot be written
     */
    public static void writeRgbPng(Path file, RgbImage rgb) throws IOException {
        BufferedImage image =
                new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        byte[] src = rgb.pixels();
        for (int i = 0; i < src.length; i += 3) {
            data[i] = src[i + 2];
            data[i + 1] = src[i + 1];
            data[i + 2] = src[i];
        }
        writePng(file, image);
    }

    /** Functional writer for {@link #writeAtomically}. */
    @FunctionalInterface
    public interface StreamWriter {
        /**
         * Writes the whole content to {@code out}.
         *
         * @param out the temporary file's stream, which {@link #writeAtomically} closes afterwards
         * @throws IOException when writing fails; the target file is then left as it was
         */
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes through a temporary sibling file and renames it over {@code file}, so readers only ever see
     * the old content or the complete new one; parent folders are created.
     *
     * @param file the file to create or replace
     * @param writer writes the complete content to the temporary file
     * @throws IOException when the folder, the temporary file or the rename fails, or the writer throws;
     *     the temporary file is deleted and {@code file} keeps its old content
     */
    public static void writeAtomically(Path file, StreamWriter writer) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                writer.write(out);
            }
            Files.move(
                    temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writePng(Path file, BufferedImage image) throws IOException {
        writeAtomically(
                file,
                out -> {
                    if (!ImageIO.write(image, "png", out)) {
                        throw new IOException("no PNG writer available for " + file);
                    }
                });
    }

    private static BufferedImage decode(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidDataException(file, "does not exist", "Check the path", e);
        }
        if (isTruncatedPng(bytes)) {
            throw new InvalidDataException(
                    file, "is corrupt or truncated (a PNG must end with its IEND chunk)",
                    "Replace it with a valid copy from the dataset archive");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidDataException(
                        file,
                        "is not a PNG or JPEG image (" + bytes.length + " bytes of unknown format)",
                        "Replace it with a valid copy from the dataset archive");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new InvalidDataException(
                            file, "is corrupt or truncated (" + String.join("; ", warnings) + ")",
                            "Replace it with a valid copy from the dataset archive");
                }
                return image;
            } catch (IOException | RuntimeException e) {
                if (e instanceof InvalidDataException invalid) {
                    throw invalid;
                }
                throw new InvalidDataException(
                        file, "is corrupt or truncated (" + e + ")",
                        "Replace it with a valid copy from the dataset archive", e);
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * A PNG cut anywhere loses its final IEND chunk; checked explicitly because the JDK decoder neither
     * verifies CRCs nor reads past the image data, so a cut in the trailing chunks goes unnoticed.
     */
    private static boolean isTruncatedPng(byte[] bytes) {
        if (bytes.length < PNG_SIGNATURE.length || !Arrays.equals(bytes, 0, PNG_SIGNATURE.length, PNG_SIGNATURE, 0, PNG_SIGNATURE.length)) {
            return false;
        }
        int n = bytes.length;
        return n < PNG_SIGNATURE.length + IEND.length
                || !Arrays.equals(bytes, n - IEND.length, n, IEND, 0, IEND.length);
    }

    private static byte[] rgbBytes(BufferedImage image) {
        Raster raster = image.getRaster();
        if (image.getColorModel() instanceof ComponentColorModel model
                && model.getColorSpace().getType() == ColorSpace.TYPE_RGB
                && raster.getNumBands() >= 3) {
            byte[] direct = directBytes(raster, raster.getNumBands());
            if (direct != null) {
                int[] offsets = ((PixelInterleavedSampleModel) raster.getSampleModel()).getBandOffsets();
                return copyInterleaved(raster, direct, 3, offsets);
            }
        }
        if (image.getColorModel() instanceof ComponentColorModel model
                && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && raster.getNumBands() == 1) {
            byte[] direct = directBytes(raster, 1);
            if (direct != null) {
                return copyInterleaved(raster, direct, 3, new int[] {0, 0, 0});
            }
        }
        return viaColorModel(image);
    }

    /** The raster's backing bytes when it is a plain 8-bit pixel-interleaved buffer, else null. */
    private static byte[] directBytes(Raster raster, int bands) {
        if (raster.getDataBuffer() instanceof DataBufferByte buffer
                && buffer.getNumBanks() == 1
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel model
                && model.getNumBands() == bands
                && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0) {
            for (int bits : model.getSampleSize()) {
                if (bits != 8) {
                    return null;
                }
            }
            return buffer.getData();
        }
        return null;
    }

    /** Copies {@code outBands} bands, taking band {@code i} at byte {@code offsets[i]} of each pixel. */
    private static byte[] copyInterleaved(Raster raster, byte[] src, int outBands, int[] offsets) {
        PixelInterleavedSampleModel model = (PixelInterleavedSampleModel) raster.getSampleModel();
        int w = raster.getWidth();
        int h = raster.getHeight();
        int stride = model.getScanlineStride();
        int step = model.getPixelStride();
        byte[] out = new byte[w * h * outBands];
        if (outBands == 1 && step == 1 && stride == w) {
            System.arraycopy(src, offsets[0], out, 0, out.length);
            return out;
        }
        int o = 0;
        for (int y = 0; y < h; y++) {
            int p = y * stride;
            for (int x = 0; x < w; x++, p += step) {
                for (int c = 0; c < outBands; c++) {
                    out[o++] = src[p + offsets[c]];
                }
            }
        }
        return out;
    }

    private static byte[] viaColorModel(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                out[o] = (byte) (row[x] >> 16);
                out[o + 1] = (byte) (row[x] >> 8);
                out[o + 2] = (byte) row[x];
            }
        }
        return out;
    }
}
