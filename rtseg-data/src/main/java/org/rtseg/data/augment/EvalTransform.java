package org.rtseg.data.augment;

import java.util.SplittableRandom;
import org.rtseg.data.LabeledImage;

/**
 * Evaluation transform: optional resize to a fixed size (image bilinear, label nearest) and the same
 * normalisation as training; no randomness. Official scores are computed at ground-truth size from
 * exported predictions, so resizing here only serves quick validation during training.
 *
 * @param height output rows, or 0 to keep the original size
 * @param width output columns, or 0 to keep the original size
 * @param normalization as in training
 */
public record EvalTransform(int height, int width, Normalization normalization) implements SegmentationTransform {

    /**
     * Checks sizes.
     *
     * @param height output rows, or 0 (with {@code width} 0) to keep the original size
     * @param width output columns, or 0 (with {@code height} 0) to keep the original size
     * @param normalization the per-channel normalisation, as in training
     * @throws IllegalArgumentException when a size is negative or only one of them is 0
     */
    public EvalTransform {
        if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
            throw new IllegalArgumentException("eval size must be both positive or both 0: " + height + "x" + width);
        }
    }

    /**
     * Original size, ImageNet normalisation.
     *
     * @return a transform that only normalises, with {@link Normalization#IMAGENET}
     */
    public static EvalTransform none() {
        return new EvalTransform(0, 0, Normalization.IMAGENET);
    }

    @Override
    public TransformedSample apply(LabeledImage sample, SplittableRandom random) {
        int outW = width == 0 ? sample.image().width() : width;
        int outH = height == 0 ? sample.image().height() : height;
        float[] image = new float[3 * outW * outH];
        int[] label = new int[outW * outH];
        Resampler.Region region = new Resampler(outW, outH, 0, 0, false, outW, outH).apply(sample, image, label, 1);
        ColorStage.apply(image, outW, outH, region, 1, 1, normalization);
        return new TransformedSample(sample.key(), image, label, outH, outW);
    }
}
