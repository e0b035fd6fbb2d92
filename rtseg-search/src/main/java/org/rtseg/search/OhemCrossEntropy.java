package org.rtseg.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.rtseg.core.nn.Tensors;
import org.rtseg.core.training.PixelCrossEntropy;

/**
 * Online hard example mining cross-entropy, as the BiSeNetV2 reference trains: only pixels whose
 * loss exceeds −log(threshold) (the model is less than {@code threshold} sure of the true class)
 * count, but at least {@code 1/16} of the labelled pixels, the hardest ones.
 */
public final class OhemCrossEntropy {

    private final float lossThreshold;

    /** @param threshold probability below which a pixel is hard (0.7 in the reference) */
    public OhemCrossEntropy(double threshold) {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("OHEM threshold must be in (0, 1), was " + threshold);
        }
        this.lossThreshold = (float) -Math.log(threshold);
    }

    /**
     * The mean loss of the hard pixels.
     *
     * @param logits N×C×H×W class scores
     * @param labels N×H×W class ids in [0, C), or {@link PixelCrossEntropy#IGNORE} for unlabelled pixels
     * @return a scalar: the mean cross-entropy of the pixels above the threshold or, when fewer than
     *     1/16 of the labelled pixels are, of the 1/16 hardest; 0 (still attached to the graph) when no
     *     pixel is labelled
     */
    public NDArray of(NDArray logits, NDArray labels) {
        NDArray valid = labels.neq(PixelCrossEntropy.IGNORE);
        NDArray index = labels.mul(valid).toType(DataType.INT64, false).expandDims(1);
        NDArray loss = logits.logSoftmax(1).gather(index, 1).squeeze(1).neg().mul(valid.toType(DataType.FLOAT32, false)).flatten();
        long labelled = valid.sum().getLong();
        if (labelled == 0) {
            return loss.sum().mul(Tensors.scalar(loss, 0));
        }
        int minKept = (int) Math.max(1, labelled / 16);
        NDArray hard = loss.gt(lossThreshold).toType(DataType.FLOAT32, false);
        NDArray hardCount = hard.sum();
        if (hardCount.getFloat() >= minKept) {
            // At least the minimum is hard: every pixel above the threshold counts, and nothing needs ranking.
            return loss.mul(hard).sum().div(hardCount);
        }
        // A partial selection, not a sort of every pixel: a full sort was a quarter of a demo training step.
        return loss.topK(minKept, 0, true, false).head().mean();
    }
}
