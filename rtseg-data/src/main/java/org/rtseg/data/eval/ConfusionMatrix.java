package org.rtseg.data.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import org.rtseg.data.LabelMap;

/**
 * Pixel counts of (ground-truth class, predicted class), the sufficient statistic of every official
 * semantic-segmentation score.
 *
 * <p>Rows are ground-truth classes {@code 0..n-1}; a ground-truth value {@code >= n} (255 = ignore) is
 * skipped. Columns are predicted classes plus one extra "miss" column for a prediction that is no class
 * (an ignored Cityscapes labelId, ADE20K 0, anything {@code >= n}): cityscapesScripts and the ADE20K
 * devkit count such a pixel as a false negative of its ground-truth class and a false positive of
 * nothing, and dropping it, or clipping it into a class, would change their numbers. Counts are
 * {@code long} (a Cityscapes val pass is 1 G pixels). Matrices from different threads or machines
 * {@linkplain #merge merge} exactly. Not thread-safe: use one per thread.
 */
public final class ConfusionMatrix {

    /** Below this many pixels the branchy loop wins over filling and folding a 64 K table. */
    private static final int TABLE_THRESHOLD = 1 << 17;

    private final int numClasses;
    private final int stride;
    private final long[] counts;

    /**
     * An empty matrix for {@code numClasses} classes (at most 255).
     *
     * @param numClasses the class count {@code n}, 1 to 255; the matrix has {@code n} rows and
     *     {@code n + 1} columns
     * @throws IllegalArgumentException when {@code numClasses} is outside 1..255
     */
    public ConfusionMatrix(int numClasses) {
        if (numClasses < 1 || numClasses > LabelMap.IGNORE) {
            throw new IllegalArgumentException("numClasses must be 1..255: " + numClasses);
        }
        this.numClasses = numClasses;
        this.stride = numClasses + 1;
        this.counts = new long[numClasses * stride];
    }

    /**
     * Number of classes.
     *
     * @return {@code n}, the number of rows
     */
    public int numClasses() {
        return numClasses;
    }

    /**
     * Adds equal-size maps of class ids.
     *
     * @param groundTruth ground-truth class ids; values {@code >= n} (255 = ignore) are skipped
     * @param prediction predicted class ids; values {@code >= n} count as misses
     * @throws IllegalArgumentException when the maps differ in size
     */
    public void update(LabelMap groundTruth, LabelMap prediction) {
        if (groundTruth.width() != prediction.width() || groundTruth.height() != prediction.height()) {
            throw new IllegalArgumentException(
                    "prediction is " + prediction.width() + "x" + prediction.height() + " but ground truth is "
                            + groundTruth.width() + "x" + groundTruth.height());
        }
        update(groundTruth.values(), prediction.values());
    }

    /**
     * Adds class ids given as unsigned bytes.
     *
     * <p>Large maps are counted into a 256×256 table indexed by the byte pair, which needs neither
     * branches nor range checks per pixel, and the table is folded into the matrix once.
     *
     * @param groundTruth ground-truth class ids; values {@code >= n} (255 = ignore) are skipped
     * @param prediction predicted class ids, pixel for pixel; values {@code >= n} count as misses
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public void update(byte[] groundTruth, byte[] prediction) {
        checkLength(groundTruth.length, prediction.length);
        if (groundTruth.length < TABLE_THRESHOLD) {
            for (int i = 0; i < groundTruth.length; i++) {
                add(groundTruth[i] & 0xFF, prediction[i] & 0xFF);
            }
            return;
        }
        int[] table = new int[256 * 256];
        for (int i = 0; i < groundTruth.length; i++) {
            table[((groundTruth[i] & 0xFF) << 8) | (prediction[i] & 0xFF)]++;
        }
        for (int g = 0; g < numClasses; g++) {
            for (int p = 0; p < 256; p++) {
                counts[g * stride + Math.min(p, numClasses)] += table[(g << 8) | p];
            }
        }
    }

    /**
     * Adds class ids given as ints (negative or {@code >= n} ground truth is skipped).
     *
     * @param groundTruth ground-truth class ids
     * @param prediction predicted class ids, pixel for pixel; negative or {@code >= n} values count as
     *     misses
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public void update(int[] groundTruth, int[] prediction) {
        checkLength(groundTruth.length, prediction.length);
        for (int i = 0; i < groundTruth.length; i++) {
            add(groundTruth[i], prediction[i]);
        }
    }

    /**
     * Adds a label tensor and a prediction tensor of class ids (any integer type, same shape, e.g. a
     * batch {@code (N, H, W)} and the argmax of the logits).
     *
     * @param groundTruth ground-truth class ids; negative or {@code >= n} values are skipped
     * @param prediction predicted class ids of the same shape; negative or {@code >= n} values count as
     *     misses
     * @throws IllegalArgumentException when the shapes differ
     */
    public void update(NDArray groundTruth, NDArray prediction) {
        if (!groundTruth.getShape().equals(prediction.getShape())) {
            throw new IllegalArgumentException(
                    "prediction shape " + prediction.getShape() + " differs from label shape " + groundTruth.getShape());
        }
        update(toInts(groundTruth), toInts(prediction));
    }

    /**
     * Adds all counts of {@code other}, which must have the same number of classes.
     *
     * @param other the matrix to add; left unchanged
     * @throws IllegalArgumentException when the class counts differ
     */
    public void merge(ConfusionMatrix other) {
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("cannot merge " + other.numClasses + " into " + numClasses + " classes");
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
    }

    /**
     * Pixels of ground-truth class {@code gt} predicted as {@code pred} ({@code pred == n}: missed).
     *
     * @param gt the ground-truth class, 0 to {@code n - 1}
     * @param pred the predicted class, 0 to {@code n - 1}, or {@code n} for the miss column
     * @return the pixel count
     */
    public long get(int gt, int pred) {
        return counts[gt * stride + pred];
    }

    /**
     * Pixels of ground-truth class {@code c} (the row sum, misses included).
     *
     * @param c the class, 0 to {@code n - 1}
     * @return the pixel count, {@code tp + fn} of class {@code c}
     */
    public long groundTruthPixels(int c) {
        long sum = 0;
        for (int p = 0; p < stride; p++) {
            sum += counts[c * stride + p];
        }
        return sum;
    }

    /**
     * Pixels predicted as {@code c} on scored ground truth (the column sum).
     *
     * @param c the class, 0 to {@code n - 1} ({@code n} gives the misses)
     * @return the pixel count, {@code tp + fp} of class {@code c}
     */
    public long predictedPixels(int c) {
        long sum = 0;
        for (int g = 0; g < numClasses; g++) {
            sum += counts[g * stride + c];
        }
        return sum;
    }

    /**
     * All scored pixels.
     *
     * @return the sum of all counts, misses included
     */
    public long totalPixels() {
        return Arrays.stream(counts).sum();
    }

    /** Empties the matrix. */
    public void reset() {
        Arrays.fill(counts, 0);
    }

    private void add(int gt, int pred) {
        if (gt >= 0 && gt < numClasses) {
            counts[gt * stride + (pred >= 0 && pred < numClasses ? pred : numClasses)]++;
        }
    }

    private static void checkLength(int gt, int pred) {
        if (gt != pred) {
            throw new IllegalArgumentException("prediction has " + pred + " pixels, ground truth " + gt);
        }
    }

    private static int[] toInts(NDArray array) {
        return array.getDataType() == DataType.INT32
                ? array.toIntArray()
                : array.toType(DataType.INT32, false).toIntArray();
    }
}
