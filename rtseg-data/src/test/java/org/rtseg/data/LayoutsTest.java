package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.training.util.ProgressBar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional parts of the official layouts, on small synthetic copies. */
class LayoutsTest {

    @TempDir Path root;

    private static LabelMap labels(int w, int h, int value) {
        byte[] b = new byte[w * h];
        Arrays.fill(b, (byte) value);
        return new LabelMap(w, h, b);
    }

    @Test
    void cityscapesCoarseAnnotations() throws IOException {
        String key = "augsburg_000000_000019";
        ImageFiles.writeRgbPng(root.resolve("leftImg8bit/train_extra/augsburg/" + key + "_leftImg8bit.png"),
                ImageFilesTest.gradient(8, 4));
        ImageFiles.writeIndexPng(root.resolve("gtCoarse/train_extra/augsburg/" + key + "_gtCoarse_labelIds.png"),
                labels(8, 4, 26), null);
        Cityscapes coarse = Cityscapes.builder().setRoot(root).optSplit("train_extra").optCoarse(true)
                .optVerify(true).build();
        coarse.prepare(new ProgressBar());
        assertEquals(1, coarse.size());
        assertEquals(key, coarse.load(0).key());
        assertEquals(13, coarse.load(0).label().get(0, 0), "labelId 26 (car) is trainId 13");
    }

    @Test
    void vocAugmentedLabelsAndRootAtVoc2012() throws IOException {
        Path base = root.resolve("VOC2012");
        Files.createDirectories(base.resolve("ImageSets/Segmentation"));
        Files.writeString(base.resolve("ImageSets/Segmentation/train_aug.txt"), "2008_000002\n2008_000003\n");
        for (String id : new String[] {"2008_000002", "2008_000003"}) {
            ImageFiles.writeRgbPng(base.resolve("JPEGImages/" + id + ".jpg"), ImageFilesTest.gradient(6, 5));
            // The SBD-augmented labels are grayscale, not palette, PNGs.
            ImageFiles.writeIndexPng(base.resolve("SegmentationClassAug/" + id + ".png"), labels(6, 5, 15), null);
        }
        PascalVoc voc = PascalVoc.builder().setRoot(base).optSplit("train_aug").optAugmented(true).build();
        voc.prepare();
        assertEquals(2, voc.size());
        assertArrayEquals(labels(6, 5, 15).toIntArray(), voc.load(1).label().toIntArray());
    }

    @Test
    void ade20kRootMayBeTheChallengeFolderItself() throws IOException {
        Path base = root.resolve("ADEChallengeData2016");
        ImageFiles.writeRgbPng(base.resolve("images/validation/ADE_val_00000009.jpg"), ImageFilesTest.gradient(4, 4));
        ImageFiles.writeIndexPng(base.resolve("annotations/validation/ADE_val_00000009.png"), labels(4, 4, 3), null);
        Ade20k ade = Ade20k.builder().setRoot(base).optSplit("validation").build();
        ade.prepare();
        assertEquals(2, ade.load(0).label().get(1, 1));
    }
}
