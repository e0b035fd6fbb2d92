package org.rtseg.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * Per-pixel cross-entropy over N×C×H×W logits and N×H×W integer labels, averaged over labelled
 * pixels; label 255 is ignored (PyTorch's {@code CrossEntropyLoss(ignore_index=255)}).
 *
 * <p>As a DJL {@link Loss}, labels come first and predictions second; with several predictions
 * (main + aux logits) the first is scored, and {@link #of} scores any one of them.
 */
public final class PixelCrossEntropy extends Loss {

    /** The label of pixels that count for nothing. */
    public static final int IGNORE = 255;

    /** A loss named {@code PixelCrossEntropy}. */
    public PixelCrossEntropy() {
        super("PixelCrossEntropy");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return of(predictions.get(0), labels.get(0));
    }

    /**
     * The mean cross-entropy of one logits map against the labels.
     *
     * @param logits N×C×H×W unnormalised class scores
     * @param labels N×H×W class indices in [0, C), or {@link #IGNORE}
     * @return the scalar loss, averaged over labelled pixels; 0 if no pixel is labelled
     */
    public static NDArray of(NDArray logits, NDArray labels) {
        NDArray valid = labels.neq(IGNORE);
        NDArray index = labels.mul(valid).toType(DataType.INT64, false).expandDims(1);
        NDArray picked = logits.logSoftmax(1).gather(index, 1).squeeze(1);
        NDArray mask = valid.toType(logits.getDataType(), false);
        NDArray count = mask.sum().maximum(1f);
        return picked.mul(mask).sum().neg().div(count);
    }
}
