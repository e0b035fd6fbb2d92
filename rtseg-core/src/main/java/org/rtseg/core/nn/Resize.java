package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Resizing of NCHW maps by an integer factor, as PyTorch's {@code F.interpolate} with {@code
 * align_corners=False}.
 *
 * <p>DJL exposes interpolation only on its internal {@code NDArrayEx}; this block is the one place
 * that reaches for it. The static {@link #to} is used where the target size is given rather than a
 * factor.
 */
public final class Resize extends AbstractBlock {

    /** Interpolation modes, numbered as DJL's {@code NDArrayEx.interpolation} expects. */
    public enum Mode {
        /** Nearest-neighbour: each output pixel copies the nearest input pixel. */
        NEAREST(0),
        /** Bilinear, with {@code align_corners=False}. */
        BILINEAR(1);

        private final int djlCode;

        Mode(int djlCode) {
            this.djlCode = djlCode;
        }
    }

    private final Mode mode;
    private final int factor;

    /**
     * Upsamples by {@code factor} in both spatial dimensions.
     *
     * @param mode the interpolation
     * @param factor the integer scale factor, positive
     * @throws IllegalArgumentException if {@code factor} is not positive
     */
    public Resize(Mode mode, int factor) {
        if (factor <= 0) {
            throw new IllegalArgumentException("Resize factor must be positive, was " + factor);
        }
        this.mode = mode;
        this.factor = factor;
    }

    /**
     * Resizes an NCHW map to {@code height × width}.
     *
     * @param x the NCHW map
     * @param height target height in pixels
     * @param width target width in pixels
     * @param mode the interpolation
     * @return the resized map, or {@code x} itself if it already has that size
     */
    public static NDArray to(NDArray x, long height, long width, Mode mode) {
        Shape s = x.getShape();
        if (s.get(2) == height && s.get(3) == width) {
            return x;
        }
        return x.getNDArrayInternal().interpolation(new long[] {height, width}, mode.djlCode, false);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        return new NDList(to(x, s.get(2) * factor, s.get(3) * factor, mode));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), s.get(2) * factor, s.get(3) * factor)};
    }
}
