package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * Resizing of NCHW maps by an integer factor, as PyTorch's {@code F.interpolate} with {@code
 * align_corners=False} and {@code antialias=False} (its defaults, and BiSeNetV2's).
 *
 * <p>Nearest-neighbour goes through DJL's interpolation (on its internal {@code NDArrayEx}). Bilinear
 * does not: DJL 0.36 runs it antialiased ({@code aten::_upsample_bilinear2d_aa}), which gives a
 * 2× downsampling of an 8×8 test map 7.04 at its corner where {@code F.interpolate} gives 4.25, and, though
 * equal when upsampling, took 11.2 ms forward and backward for the demo's logits (8×8×12×24 to
 * 96×192) and 17 % of a demo training step. Bilinear resizing is instead two products with
 * interpolation matrices, one per axis (6.1 ms; {@code ResizeTest} holds it to the formula). The
 * static {@link #to} is used where the target size is given rather than a factor.
 */
public final class Resize extends AbstractBlock implements OnnxExportable {

    /** Interpolation modes. */
    public enum Mode {
        /** Nearest-neighbour: each output pixel copies the nearest input pixel. */
        NEAREST,
        /** Bilinear, with {@code align_corners=False}. */
        BILINEAR
    }

    /** DJL's code of nearest-neighbour interpolation. */
    private static final int DJL_NEAREST = 0;

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
        if (mode == Mode.NEAREST) {
            return x.getNDArrayInternal().interpolation(new long[] {height, width}, DJL_NEAREST, false);
        }
        NDArray y = s.get(3) == width ? x : x.matMul(interpolation(x, width, s.get(3)).transpose());
        return s.get(2) == height ? y : interpolation(x, height, s.get(2)).matMul(y);
    }

    /**
     * The (out × in) matrix of 1-D linear interpolation with {@code align_corners=False}: output
     * {@code d} reads source position {@code (d + 0.5)·in/out − 0.5}, clamped at 0, from its two
     * neighbours (PyTorch's {@code area_pixel_compute_source_index}).
     */
    private static NDArray interpolation(NDArray like, long out, long in) {
        float[] weights = new float[Math.toIntExact(out * in)];
        double scale = (double) in / out;
        for (int d = 0; d < out; d++) {
            double source = Math.max(0, scale * (d + 0.5) - 0.5);
            int lo = (int) source;
            int hi = (int) Math.min(lo + 1, in - 1);
            float frac = (float) (source - lo);
            weights[(int) (d * in + lo)] += 1 - frac;
            weights[(int) (d * in + hi)] += frac;
        }
        return like.getManager().create(weights, new Shape(out, in)).toType(like.getDataType(), false);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        return new NDList(to(x, s.get(2) * factor, s.get(3) * factor, mode));
    }

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        return graph.upsample(input, factor, mode == Mode.BILINEAR);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), s.get(2) * factor, s.get(3) * factor)};
    }
}
