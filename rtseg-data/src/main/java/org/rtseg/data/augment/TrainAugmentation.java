package org.rtseg.data.augment;

import java.util.SplittableRandom;
import org.rtseg.data.LabeledImage;

/**
 * Training augmentation of image and label together from one random draw: random rescale (image
 * bilinear, label nearest), pad (image 0 after normalisation, label 255) and random crop, horizontal
 * flip, colour jitter, normalisation. Persisted as JSON with training configs.
 *
 * <p>The draws are made in a fixed order (scale, crop position, flip, brightness, contrast, saturation)
 * from the sample's own stream, which is what makes a batch a function of the seed only.
 *
 * @param scales how the rescale factor is drawn, relative to the original size
 * @param cropHeight crop rows; 0 keeps the whole rescaled image
 * @param cropWidth crop columns; 0 keeps the whole rescaled image
 * @param flip whether to mirror left-right with probability 1/2
 * @param jitter colour jitter strengths
 * @param normalization applied last
 */
public record TrainAugmentation(
        ScaleSampling scales,
        int cropHeight,
        int cropWidth,
        boolean flip,
        ColorJitter jitter,
        Normalization normalization)
        implements SegmentationTransform {

    /**
     * Checks crop sizes.
     *
     * @param scales how the rescale factor is drawn, relative to the original size
     * @param cropHeight crop rows; 0 (with {@code cropWidth} 0) keeps the whole rescaled image
     * @param cropWidth crop columns; 0 (with {@code cropHeight} 0) keeps the whole rescaled image
     * @param flip whether to mirror left-right with probability 1/2
     * @param jitter colour jitter strengths; {@link ColorJitter#NONE} for none
     * @param normalization the per-channel normalisation, applied last
     * @throws IllegalArgumentException when a crop size is negative or only one of them is 0
     */
    public TrainAugmentation {
        if (cropHeight < 0 || cropWidth < 0 || (cropHeight == 0) != (cropWidth == 0)) {
            throw new IllegalArgumentException(
                    "crop must be both positive or both 0: " + cropHeight + "x" + cropWidth);
        }
    }

    /**
     * The usual real-time segmentation recipe (as in mmsegmentation's Cityscapes configs): scale in
     * [0.5, 2.0], crop {@code cropHeight × cropWidth}, flip, mild jitter, ImageNet normalisation.
     *
     * @param cropHeight crop rows, positive (or 0 with {@code cropWidth} 0 for no crop)
     * @param cropWidth crop columns, positive (or 0 with {@code cropHeight} 0 for no crop)
     * @return the augmentation, with jitter strengths 0.2
     */
    public static TrainAugmentation standard(int cropHeight, int cropWidth) {
        return new TrainAugmentation(
                ScaleSampling.range(0.5, 2.0), cropHeight, cropWidth, true,
                new ColorJitter(0.2, 0.2, 0.2), Normalization.IMAGENET);
    }

    @Override
    public TransformedSample apply(LabeledImage sample, SplittableRandom random) {
        int w = sample.image().width();
        int h = sample.image().height();
        double scale = scales.draw(random);
        int sw = Math.max(1, (int) Math.round(w * scale));
        int sh = Math.max(1, (int) Math.round(h * scale));
        int outW = cropWidth == 0 ? sw : cropWidth;
        int outH = cropHeight == 0 ? sh : cropHeight;
        int offX = random.nextInt(Math.max(sw, outW) - outW + 1);
        int offY = random.nextInt(Math.max(sh, outH) - outH + 1);
        boolean mirror = flip && random.nextBoolean();
        float brightness = factor(random, jitter.brightness());
        float contrast = factor(random, jitter.contrast());
        float saturation = factor(random, jitter.saturation());
        float[] image = new float[3 * outW * outH];
        int[] label = new int[outW * outH];
        Resampler.Region region =
                new Resampler(sw, sh, offX, offY, mirror, outW, outH).apply(sample, image, label, brightness);
        ColorStage.apply(image, outW, outH, region, contrast, saturation, normalization);
        return new TransformedSample(sample.key(), image, label, outH, outW);
    }

    private static float factor(SplittableRandom random, double strength) {
        return strength == 0 ? 1f : (float) random.nextDouble(1 - strength, 1 + strength);
    }
}
