package org.rtseg.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rtseg.data.LabelMap;
import org.rtseg.data.LabeledImage;
import org.rtseg.data.RgbImage;
import org.rtseg.data.SegmentationDataset;

class AugmentationTest {

    private static final Normalization UNIT = new Normalization(new float[] {0, 0, 0}, new float[] {1, 1, 1});

    /** Class {@code c} drawn in colour {@code COLORS[c]}: blocks of 8×8 pixels, so most pixels are interior. */
    private static final int[][] COLORS = {{250, 10, 10}, {10, 250, 10}, {10, 10, 250}, {200, 200, 30}, {30, 200, 200}};

    private static LabeledImage blocks(int w, int h) {
        byte[] px = new byte[w * h * 3];
        byte[] ids = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = (x / 8 * 3 + y / 8 * 7) % COLORS.length;
                int i = y * w + x;
                ids[i] = (byte) c;
                for (int k = 0; k < 3; k++) {
                    px[3 * i + k] = (byte) COLORS[c][k];
                }
            }
        }
        return new LabeledImage("blocks", new RgbImage(w, h, px), new LabelMap(w, h, ids));
    }

    private static SplittableRandom random(long index) {
        return SegmentationDataset.sampleRandom(7, 0, index);
    }

    @Test
    void identityAugmentationOnlyNormalises() {
        LabeledImage in = blocks(40, 24);
        TrainAugmentation identity = new TrainAugmentation(ScaleSampling.fixed(1), 0, 0, false, ColorJitter.NONE, Normalization.IMAGENET);
        TransformedSample out = identity.apply(in, random(0));
        TransformedSample eval = EvalTransform.none().apply(in, random(0));
        assertArrayEquals(eval.image(), out.image());
        assertArrayEquals(in.label().toIntArray(), out.label());
        int plane = 40 * 24;
        for (int c = 0; c < 3; c++) {
            float expected = (in.image().get(5, 3, c) / 255f - Normalization.IMAGENET.mean()[c]) / Normalization.IMAGENET.std()[c];
            assertEquals(expected, out.image()[c * plane + 3 * 40 + 5], 1e-5);
        }
    }

    @Test
    void bilinearUpscaleMatchesPyTorchHalfPixelRule() {
        // F.interpolate([[0, 100]], scale_factor=2, mode="bilinear", align_corners=False) = [0, 25, 75, 100]
        LabeledImage in = new LabeledImage("x", new RgbImage(2, 1, new byte[] {0, 0, 0, 100, 100, 100}),
                new LabelMap(2, 1, new byte[] {1, 2}));
        TransformedSample out = new EvalTransform(2, 4, UNIT).apply(in, random(0));
        assertArrayEquals(new float[] {0, 25 / 255f, 75 / 255f, 100 / 255f}, java.util.Arrays.copyOf(out.image(), 4), 1e-6f);
        assertArrayEquals(new int[] {1, 1, 2, 2, 1, 1, 2, 2}, out.label());
    }

    @Test
    void imageAndLabelStayAlignedUnderRandomScaleCropAndFlip() {
        LabeledImage in = blocks(96, 64);
        TrainAugmentation aug = new TrainAugmentation(ScaleSampling.range(0.5, 2.0), 48, 80, true, ColorJitter.NONE, UNIT);
        int checked = 0;
        for (int s = 0; s < 30; s++) {
            TransformedSample out = aug.apply(in, random(s));
            assertEquals(48, out.height());
            assertEquals(80, out.width());
            int plane = 48 * 80;
            for (int y = 1; y < 47; y++) {
                for (int x = 1; x < 79; x++) {
                    int c = out.label()[y * 80 + x];
                    if (c == LabelMap.IGNORE || !uniformAround(out.label(), 80, x, y)) {
                        continue;
                    }
                    for (int k = 0; k < 3; k++) {
                        assertEquals(COLORS[c][k], out.image()[k * plane + y * 80 + x] * 255, 1e-3, "sample " + s);
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 30 * 48 * 80 / 3, "most pixels were checked: " + checked);
    }

    private static boolean uniformAround(int[] label, int w, int x, int y) {
        int c = label[y * w + x];
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                if (label[(y + dy) * w + x + dx] != c) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void paddingIsZeroImageAndIgnoreLabel() {
        LabeledImage in = blocks(32, 16);
        TrainAugmentation aug = new TrainAugmentation(ScaleSampling.fixed(1), 40, 64, false, ColorJitter.NONE, Normalization.IMAGENET);
        TransformedSample out = aug.apply(in, random(1));
        int padded = 0;
        for (int i = 0; i < 40 * 64; i++) {
            if (out.label()[i] == LabelMap.IGNORE) {
                padded++;
                for (int c = 0; c < 3; c++) {
                    assertEquals(0f, out.image()[c * 40 * 64 + i]);
                }
            }
        }
        assertEquals(40 * 64 - 32 * 16, padded);
    }

    @Test
    void flipMirrorsImageAndLabel() {
        LabeledImage in = blocks(24, 8);
        // With scale 1 and no crop, the only randomness is the flip.
        TrainAugmentation aug = new TrainAugmentation(ScaleSampling.fixed(1), 0, 0, true, ColorJitter.NONE, UNIT);
        boolean sawFlip = false;
        boolean sawKeep = false;
        for (int s = 0; s < 10; s++) {
            TransformedSample out = aug.apply(in, random(s));
            boolean flipped = out.label()[0] == (in.label().values()[23] & 0xFF) && out.label()[23] == (in.label().values()[0] & 0xFF)
                    && out.label()[0] != out.label()[23];
            if (flipped) {
                sawFlip = true;
                assertEquals(in.image().get(23, 0, 0) / 255f, out.image()[0], 1e-6);
            } else {
                sawKeep = true;
                assertArrayEquals(in.label().toIntArray(), out.label());
            }
        }
        assertTrue(sawFlip && sawKeep);
    }

    @Test
    void sameDrawGivesSameSampleAndJitterLeavesGeometryAlone() {
        LabeledImage in = blocks(64, 32);
        TrainAugmentation plain = new TrainAugmentation(ScaleSampling.choices(0.5, 0.75, 1.0, 2.0), 32, 32, true, ColorJitter.NONE, Normalization.IMAGENET);
        TrainAugmentation jittered = new TrainAugmentation(ScaleSampling.choices(0.5, 0.75, 1.0, 2.0), 32, 32, true,
                new ColorJitter(0.4, 0.4, 0.4), Normalization.IMAGENET);
        Set<Integer> distinct = new HashSet<>();
        for (int s = 0; s < 8; s++) {
            TransformedSample a = jittered.apply(in, random(s));
            TransformedSample b = jittered.apply(in, random(s));
            assertArrayEquals(a.image(), b.image());
            assertArrayEquals(a.label(), plain.apply(in, random(s)).label());
            assertFalse(java.util.Arrays.equals(a.image(), plain.apply(in, random(s)).image()));
            distinct.add(java.util.Arrays.hashCode(a.label()));
            for (int i = 0; i < a.image().length; i++) {
                int c = i / (32 * 32);
                float raw = a.image()[i] * Normalization.IMAGENET.std()[c] + Normalization.IMAGENET.mean()[c];
                assertTrue(raw >= -1e-5 && raw <= 1 + 1e-5 || a.label()[i % (32 * 32)] == LabelMap.IGNORE);
            }
        }
        assertTrue(distinct.size() > 2, "different draws give different crops");
    }

    @Test
    void configsRoundTripThroughJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        TrainAugmentation config = TrainAugmentation.standard(512, 1024);
        assertEquals(config, json.readValue(json.writeValueAsString(config), TrainAugmentation.class));
        EvalTransform eval = new EvalTransform(512, 1024, Normalization.IMAGENET);
        assertEquals(eval, json.readValue(json.writeValueAsString(eval), EvalTransform.class));
    }
}
