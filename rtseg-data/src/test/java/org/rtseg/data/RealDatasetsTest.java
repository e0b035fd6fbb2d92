package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.rtseg.data.augment.Normalization;

/** The three loaders on the real sample frames in their official layouts. */
class RealDatasetsTest {

    private static Set<Integer> values(LabelMap map) {
        Set<Integer> out = new TreeSet<>();
        for (byte b : map.values()) {
            out.add(b & 0xFF);
        }
        return out;
    }

    @Test
    void cityscapesValLoadsWithTrainIdsDerivedFromLabelIds() throws IOException {
        Cityscapes val = Cityscapes.builder().setRoot(SharedData.cityscapes()).optSplit("val")
                .optSkipUnlabeled(true).optVerify(true).build();
        val.prepare();
        assertEquals(1, val.size());
        LabeledImage sample = val.load(0);
        assertEquals("frankfurt_000000_000294", sample.key());
        assertEquals(256, sample.image().width());
        assertEquals(128, sample.image().height());
        assertTrue(values(sample.label()).stream().allMatch(v -> v < 19 || v == 255));
        // The shipped trainIds file was resized separately: deriving from labelIds differs at 77 pixels.
        LabelMap shipped = ImageFiles.readIndex(SharedData.require(
                "cityscapes/gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelTrainIds.png"));
        int differ = 0;
        for (int i = 0; i < shipped.values().length; i++) {
            differ += shipped.values()[i] != sample.label().values()[i] ? 1 : 0;
        }
        assertEquals(77, differ);
    }

    @Test
    void cityscapesValWithAnUnlabelledFrameFailsNamingItUnlessSkipped() {
        Cityscapes val = Cityscapes.builder().setRoot(SharedData.cityscapes()).optSplit("val").build();
        InvalidDataException e = assertThrows(InvalidDataException.class, val::prepare);
        assertTrue(e.getMessage().contains("frankfurt_000000_002196_leftImg8bit.png"), e.getMessage());
        assertTrue(e.getMessage().contains("without a label"), e.getMessage());
    }

    @Test
    void recordsAreNormalisedFloatChwAndInt32Hw() throws IOException {
        Cityscapes val = Cityscapes.builder().setRoot(SharedData.cityscapes()).optSplit("val")
                .optSkipUnlabeled(true).build();
        val.prepare();
        LabeledImage raw = val.load(0);
        try (NDManager manager = NDManager.newBaseManager()) {
            Record record = val.get(manager, 0);
            NDArray image = record.getData().singletonOrThrow();
            NDArray label = record.getLabels().singletonOrThrow();
            assertEquals(new Shape(3, 128, 256), image.getShape());
            assertEquals(DataType.FLOAT32, image.getDataType());
            assertEquals(new Shape(128, 256), label.getShape());
            assertEquals(DataType.INT32, label.getDataType());
            float[] x = image.toFloatArray();
            Normalization n = Normalization.IMAGENET;
            int px = 40 * 256 + 100;
            for (int c = 0; c < 3; c++) {
                float expected = ((raw.image().get(100, 40, c) / 255f) - n.mean()[c]) / n.std()[c];
                assertEquals(expected, x[c * 128 * 256 + px], 1e-5);
            }
            assertArrayEquals(raw.label().toIntArray(), label.toIntArray());
        }
    }

    @Test
    void vocValReadsPaletteIndices() throws IOException {
        PascalVoc val = PascalVoc.builder().setRoot(SharedData.voc()).optSplit("val").build();
        val.prepare();
        assertEquals(1, val.size());
        LabeledImage sample = val.load(0);
        assertEquals("2007_000129", sample.key());
        assertEquals(Set.of(0, 2, 15, 255), values(sample.label()));
        assertEquals(21, val.format().numClasses());
        assertEquals("bicycle", val.classNames().get(2));
    }

    @Test
    void ade20kValReducesZeroLabel() throws IOException {
        Ade20k val = Ade20k.builder().setRoot(SharedData.ade20k()).optSplit("val").build();
        val.prepare();
        assertEquals(2, val.size());
        for (int i = 0; i < 2; i++) {
            LabeledImage sample = val.load(i);
            LabelMap raw = ImageFiles.readIndex(val.files(i).label());
            for (int p = 0; p < raw.values().length; p += 97) {
                int v = raw.values()[p] & 0xFF;
                assertEquals(v == 0 ? 255 : v - 1, sample.label().values()[p] & 0xFF);
            }
        }
        assertEquals("ADE_val_00000002", val.load(1).key());
    }
}
