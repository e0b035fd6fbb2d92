package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {

    @TempDir Path dir;

    static RgbImage gradient(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            px[3 * i] = (byte) (i % w * 7);
            px[3 * i + 1] = (byte) (i / w * 13);
            px[3 * i + 2] = (byte) (i * 31);
        }
        return new RgbImage(w, h, px);
    }

    @Test
    void rgbPngRoundTripsExactly() throws IOException {
        RgbImage image = gradient(37, 21);
        Path file = dir.resolve("a.png");
        ImageFiles.writeRgbPng(file, image);
        assertArrayEquals(image.pixels(), ImageFiles.readRgb(file).pixels());
    }

    @Test
    void grayAndPaletteIndexPngsRoundTripAsValues() throws IOException {
        byte[] values = new byte[40 * 30];
        for (int i = 0; i < values.length; i++) {
            values[i] = (byte) (i % 7 == 0 ? 255 : i % 21);
        }
        LabelMap map = new LabelMap(40, 30, values);
        ImageFiles.writeIndexPng(dir.resolve("g.png"), map, null);
        ImageFiles.writeIndexPng(dir.resolve("p.png"), map, LabelFormat.VOC.filePalette());
        assertArrayEquals(values, ImageFiles.readIndex(dir.resolve("g.png")).values());
        assertArrayEquals(values, ImageFiles.readIndex(dir.resolve("p.png")).values());
        BufferedImage decoded = ImageIO.read(dir.resolve("p.png").toFile());
        assertTrue(decoded.getColorModel() instanceof IndexColorModel, "VOC export must be a palette PNG");
    }

    @Test
    void vocPalettePngIsReadAsIndicesNotColours() throws IOException {
        Path file = SharedData.require("voc2012/VOCdevkit/VOC2012/SegmentationClass/2007_000129.png");
        LabelMap map = ImageFiles.readIndex(file);
        assertEquals(334, map.width());
        assertEquals(500, map.height());
        Set<Integer> seen = new TreeSet<>();
        for (byte b : map.values()) {
            seen.add(b & 0xFF);
        }
        assertEquals(Set.of(0, 2, 15, 255), seen);
    }

    @Test
    void realJpegAndPngDecode() throws IOException {
        RgbImage jpeg = ImageFiles.readRgb(SharedData.require("voc2012/VOCdevkit/VOC2012/JPEGImages/2007_000129.jpg"));
        assertEquals(334, jpeg.width());
        RgbImage png = ImageFiles.readRgb(
                SharedData.require("cityscapes/leftImg8bit/val/frankfurt/frankfurt_000000_000294_leftImg8bit.png"));
        assertEquals(256, png.width());
        assertEquals(128, png.height());
        // Not a constant image: decoding produced content.
        assertTrue(Arrays.stream(new int[] {0, 1000, 20000}).map(i -> png.pixels()[i] & 0xFF).distinct().count() > 1);
    }

    @Test
    void rgbPngWhereIndexExpectedIsRejectedNamingTheFile() throws IOException {
        Path file = dir.resolve("colour_label.png");
        ImageFiles.writeRgbPng(file, gradient(8, 8));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ImageFiles.readIndex(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("single-channel"), e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void sixteenBitInstanceMapIsRejected() {
        Path file = SharedData.require("cityscapes/gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_instanceIds.png");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ImageFiles.readIndex(file));
        assertTrue(e.getMessage().contains("above 255"), e.getMessage());
    }

    @Test
    void truncatedPngIsRejectedNamingTheFile() throws IOException {
        Path good = dir.resolve("good.png");
        ImageFiles.writeRgbPng(good, gradient(64, 64));
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ImageFiles.readRgb(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt or truncated"), e.getMessage());
    }

    @Test
    void truncatedJpegIsRejectedEvenThoughTheDecoderOnlyWarns() throws IOException {
        Path good = dir.resolve("good.jpg");
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, (x * 4 << 16) | (y * 4 << 8) | ((x ^ y) * 4));
            }
        }
        ImageIO.write(image, "jpg", good.toFile());
        assertEquals(64, ImageFiles.readRgb(good).width());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ImageFiles.readRgb(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }

    @Test
    void garbageAndMissingFilesAreRejected() throws IOException {
        Path garbage = dir.resolve("garbage.png");
        Files.writeString(garbage, "this is not an image");
        assertTrue(assertThrows(InvalidDataException.class, () -> ImageFiles.readRgb(garbage))
                .getMessage().contains("garbage.png"));
        Path missing = dir.resolve("missing.png");
        assertTrue(assertThrows(InvalidDataException.class, () -> ImageFiles.readIndex(missing))
                .getMessage().contains("does not exist"));
    }

    @Test
    void writesLeaveNoTemporaryFilesAndReplaceAtomically() throws IOException {
        Path file = dir.resolve("sub/x.png");
        ImageFiles.writeRgbPng(file, gradient(5, 5));
        ImageFiles.writeRgbPng(file, gradient(6, 5));
        assertEquals(6, ImageFiles.readRgb(file).width());
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void failedWriteLeavesNothingBehind() throws IOException {
        Path file = dir.resolve("y.json");
        assertThrows(IOException.class, () -> ImageFiles.writeAtomically(file, out -> {
            out.write(new byte[100]);
            throw new IOException("disk full");
        }));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }
}
