package org.rtseg.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.RgbImage;
import org.rtseg.data.augment.Normalization;

/** Test-time augmentation, the translator and evaluation's prediction agree with one plain forward pass. */
class InferenceTest {

    private static final SupernetConfig NET = SupernetConfig.fromJson("""
            {"name": "small", "numClasses": 3,
             "detail": {"stages": [[8], [8], [16]]},
             "segment": {"stemChannels": 8, "stages": [
               {"channels": 8, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []}]},
             "head": {"channels": 16, "dropout": 0.0},
             "aux": {"enabled": false, "channels": 8, "dropout": 0.0}}
            """, "small");

    private static final LabelFormat FORMAT = LabelFormat.indexed("three", List.of("a", "b", "c"), new int[] {0x000000, 0xff0000, 0x00ff00});

    private static RgbImage image(int height, int width) {
        byte[] pixels = new byte[height * width * 3];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) random.nextInt(256);
        }
        return new RgbImage(width, height, pixels);
    }

    /** The per-pixel argmax of one eval forward pass at the image's size. */
    private static int[] plainArgmax(Model model, NDManager m, RgbImage rgb) {
        NDArray hwc = m.create(ByteBuffer.wrap(rgb.pixels()), new Shape(rgb.height(), rgb.width(), 3), DataType.UINT8);
        NDArray x = SegmentationTranslator.normalize(hwc, Normalization.IMAGENET);
        Supernet net = ModelDirectory.network(model);
        return net.logits(new ParameterStore(m, false), x, false, false).get(0).argMax(1).toType(DataType.INT32, false).toIntArray();
    }

    @Test
    void plainTestTimeAugmentationTheTranslatorAndAWholeImageSlideAllGiveTheArgmax() throws Exception {
        RgbImage rgb = image(64, 96);
        try (Model model = ModelDirectory.create(NET, Device.cpu(), 3); NDManager m = model.getNDManager().newSubManager()) {
            int[] expected = plainArgmax(model, m, rgb);
            Supernet net = ModelDirectory.network(model);
            LabelMap none = Evaluation.predict(model.getNDManager(), net, TestTimeAugmentation.NONE, rgb);
            assertArrayEquals(expected, none.toIntArray(), "one pass, no flip, whole image is plain inference");

            TestTimeAugmentation wholeSlide = new TestTimeAugmentation(List.of(1.0), false, new TestTimeAugmentation.Slide(64, 96, 64, 96));
            assertArrayEquals(expected, Evaluation.predict(model.getNDManager(), net, wholeSlide, rgb).toIntArray(),
                    "a slide whose one crop is the image is one pass");

            Image image = ImageFactory.getInstance().fromNDArray(
                    m.create(ByteBuffer.wrap(rgb.pixels()), new Shape(64, 96, 3), DataType.UINT8));
            try (Predictor<Image, CategoryMask> predictor = model.newPredictor(SegmentationTranslator.of(FORMAT))) {
                CategoryMask mask = predictor.predict(image);
                assertEquals(FORMAT.classNames(), mask.getClasses());
                int[] flat = new int[64 * 96];
                for (int y = 0; y < 64; y++) {
                    System.arraycopy(mask.getMask()[y], 0, flat, y * 96, 96);
                }
                assertArrayEquals(expected, flat, "the translator's mask is the argmax of the logits");
            }
        }
    }

    @Test
    void flippingAndSlidingChangeThePrediction() {
        RgbImage rgb = image(64, 96);
        try (Model model = ModelDirectory.create(NET, Device.cpu(), 3)) {
            Supernet net = ModelDirectory.network(model);
            int[] none = Evaluation.predict(model.getNDManager(), net, TestTimeAugmentation.NONE, rgb).toIntArray();
            int[] flip = Evaluation.predict(model.getNDManager(), net, new TestTimeAugmentation(List.of(1.0), true, null), rgb).toIntArray();
            int[] slide = Evaluation.predict(model.getNDManager(), net,
                    new TestTimeAugmentation(List.of(1.0), false, TestTimeAugmentation.Slide.parse("32x48,16x24")), rgb).toIntArray();
            assertTrue(differ(none, flip) > 0, "the mirrored pass is averaged in");
            assertTrue(differ(none, slide) > 0, "crops see less context than the whole image");
        }
    }

    @Test
    void badSettingsAreRefusedWithTheForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestTimeAugmentation.Slide.parse("64"));
        assertTrue(e.getMessage().contains("CROP,STRIDE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TestTimeAugmentation.Slide(32, 32, 48, 16));
        assertTrue(e.getMessage().contains("stride ≤ crop"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TestTimeAugmentation(List.of(0.0), false, null));
        assertTrue(e.getMessage().contains("positive"), e.getMessage());
    }

    private static int differ(int[] a, int[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            n += a[i] != b[i] ? 1 : 0;
        }
        return n;
    }
}
