package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad dataset input gives an error that names the file. */
class BadInputTest {

    @TempDir Path root;

    private static LabelMap labels(int w, int h, int value) {
        byte[] b = new byte[w * h];
        Arrays.fill(b, (byte) value);
        return new LabelMap(w, h, b);
    }

    private Path image(String city, String key, int w, int h) throws IOException {
        Path file = root.resolve("leftImg8bit/train").resolve(city).resolve(key + "_leftImg8bit.png");
        ImageFiles.writeRgbPng(file, ImageFilesTest.gradient(w, h));
        return file;
    }

    private Path label(String city, String key, LabelMap map) throws IOException {
        Path file = root.resolve("gtFine/train").resolve(city).resolve(key + "_gtFine_labelIds.png");
        ImageFiles.writeIndexPng(file, map, null);
        return file;
    }

    private Cityscapes cityscapes() {
        return Cityscapes.builder().setRoot(root).optSplit("train").build();
    }

    private static InvalidDataException expectError(Path file, ThrowingRunnable action) {
        InvalidDataException e = assertThrows(InvalidDataException.class, action::run);
        assertTrue(e.getMessage().contains(file.toString()), "message must name " + file + ": " + e.getMessage());
        return e;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void missingRoot() {
        Path missing = root.resolve("nowhere");
        expectError(missing, () -> Cityscapes.builder().setRoot(missing).build().prepare());
        expectError(missing, () -> PascalVoc.builder().setRoot(missing).build().prepare());
        expectError(missing, () -> Ade20k.builder().setRoot(missing).build().prepare());
    }

    @Test
    void missingSplitListsTheSplitsThatExist() throws IOException {
        image("aachen", "aachen_000000_000019", 8, 4);
        label("aachen", "aachen_000000_000019", labels(8, 4, 7));
        Path expected = root.resolve("leftImg8bit/val");
        InvalidDataException e = expectError(expected,
                () -> Cityscapes.builder().setRoot(root).optSplit("val").build().prepare());
        assertTrue(e.getMessage().contains("[train]"), e.getMessage());
        Path voc = root.resolve("voc");
        Files.createDirectories(voc.resolve("VOCdevkit/VOC2012/ImageSets/Segmentation"));
        expectError(voc.resolve("VOCdevkit/VOC2012/ImageSets/Segmentation/val.txt"),
                () -> PascalVoc.builder().setRoot(voc).optSplit("val").build().prepare());
    }

    @Test
    void imageWithoutLabel() throws IOException {
        Path lonely = image("aachen", "aachen_000000_000019", 8, 4);
        label("aachen", "aachen_000001_000019", labels(8, 4, 7));
        image("aachen", "aachen_000001_000019", 8, 4);
        expectError(lonely, () -> cityscapes().prepare());
        Cityscapes skipping = Cityscapes.builder().setRoot(root).optSkipUnlabeled(true).build();
        skipping.prepare();
        assertEquals(1, skipping.size());
    }

    @Test
    void labelWithoutImage() throws IOException {
        Path lonely = label("aachen", "aachen_000000_000019", labels(8, 4, 7));
        Files.createDirectories(root.resolve("leftImg8bit/train/aachen"));
        InvalidDataException e = expectError(lonely, () -> cityscapes().prepare());
        assertTrue(e.getMessage().contains("label without an image"), e.getMessage());
    }

    @Test
    void corruptImageIsReportedOnLoadAndOnVerify() throws IOException {
        Path img = image("aachen", "aachen_000000_000019", 16, 8);
        label("aachen", "aachen_000000_000019", labels(16, 8, 7));
        byte[] bytes = Files.readAllBytes(img);
        Files.write(img, Arrays.copyOf(bytes, bytes.length - 20));
        Cityscapes dataset = cityscapes();
        dataset.prepare();
        expectError(img, () -> dataset.load(0));
        expectError(img, () -> Cityscapes.builder().setRoot(root).optVerify(true).build().prepare());
    }

    @Test
    void imageAndLabelOfDifferentSizes() throws IOException {
        image("aachen", "aachen_000000_000019", 16, 8);
        Path lab = label("aachen", "aachen_000000_000019", labels(8, 8, 7));
        Cityscapes dataset = cityscapes();
        dataset.prepare();
        InvalidDataException e = expectError(lab, () -> dataset.load(0));
        assertTrue(e.getMessage().contains("8x8") && e.getMessage().contains("16x8"), e.getMessage());
    }

    @Test
    void labelValuesOutOfRange() throws IOException {
        image("aachen", "aachen_000000_000019", 8, 4);
        Path lab = label("aachen", "aachen_000000_000019", labels(8, 4, 34));
        Cityscapes dataset = cityscapes();
        dataset.prepare();
        expectError(lab, () -> dataset.load(0));

        Path ade = root.resolve("ADEChallengeData2016");
        ImageFiles.writeRgbPng(ade.resolve("images/training/a.jpg"), ImageFilesTest.gradient(8, 4));
        Path adeLabel = ade.resolve("annotations/training/a.png");
        ImageFiles.writeIndexPng(adeLabel, labels(8, 4, 151), null);
        Ade20k adeSet = Ade20k.builder().setRoot(root).build();
        adeSet.prepare();
        expectError(adeLabel, () -> adeSet.load(0));
    }

    @Test
    void vocValueBetweenClassesAndVoidIsRejected() throws IOException {
        Path base = root.resolve("VOCdevkit/VOC2012");
        Files.createDirectories(base.resolve("ImageSets/Segmentation"));
        Files.writeString(base.resolve("ImageSets/Segmentation/train.txt"), "2007_000001\n");
        ImageFiles.writeRgbPng(base.resolve("JPEGImages/2007_000001.jpg"), ImageFilesTest.gradient(8, 4));
        Path lab = base.resolve("SegmentationClass/2007_000001.png");
        ImageFiles.writeIndexPng(lab, labels(8, 4, 21), LabelFormat.VOC.filePalette());
        PascalVoc voc = PascalVoc.builder().setRoot(root).build();
        voc.prepare();
        expectError(lab, () -> voc.load(0));
        ImageFiles.writeRgbPng(lab, ImageFilesTest.gradient(8, 4));
        InvalidDataException e = expectError(lab, () -> voc.load(0));
        assertTrue(e.getMessage().contains("RGB"), e.getMessage());
    }

    @Test
    void vocImageListedButMissing() throws IOException {
        Path base = root.resolve("VOCdevkit/VOC2012");
        Files.createDirectories(base.resolve("ImageSets/Segmentation"));
        Files.createDirectories(base.resolve("JPEGImages"));
        Files.writeString(base.resolve("ImageSets/Segmentation/train.txt"), "2007_000001\n");
        Path lab = base.resolve("SegmentationClass/2007_000001.png");
        ImageFiles.writeIndexPng(lab, labels(8, 4, 0), LabelFormat.VOC.filePalette());
        expectError(lab, () -> PascalVoc.builder().setRoot(root).build().prepare());
    }
}
