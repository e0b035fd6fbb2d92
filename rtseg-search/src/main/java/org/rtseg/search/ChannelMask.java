package org.rtseg.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.rtseg.core.nn.Tensors;

/**
 * The paper's depthwise binary convolution (DWBC, §Width search): one weight c per channel of a
 * group; the forward pass uses the binarised b = 1[c &gt; 0.5] (eq. 3–4), so pruned channels are
 * exactly zero, and the backward pass hands ∂L/∂b straight to c (straight-through estimator, eq.
 * 6). Weights start at 1, above the threshold: every channel is kept until the loss prunes it; at
 * least one channel of a group always stays.
 */
public final class ChannelMask extends AbstractBlock {

    /** The binarisation threshold of eq. 4. */
    public static final float THRESHOLD = 0.5f;

    private final int channels;
    private final Parameter weight;

    /** A mask over {@code channels} channels. */
    public ChannelMask(int channels) {
        this.channels = channels;
        weight = addParameter(Parameter.builder()
                .setName("c")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(channels))
                .optInitializer(new ConstantInitializer(1f))
                .build());
    }

    public int channels() {
        return channels;
    }

    /** The weights c. */
    public Parameter weight() {
        return weight;
    }

    /**
     * The binarised mask b with the straight-through gradient: b = c + stopgrad(1[c &gt; 0.5] − c).
     */
    public NDArray binary(ParameterStore ps, ai.djl.Device device, boolean training) {
        return binarize(Tensors.inScope(ps.getManager(), ps.getValue(weight, device, training)));
    }

    /**
     * Eq. 4 with the estimator of eq. 6 applied to given weights. The channel with the largest
     * weight is always kept: a group pruned to nothing would cut the network in two.
     */
    static NDArray binarize(NDArray c) {
        NDArray hard = c.gt(THRESHOLD).logicalOr(c.eq(c.max())).toType(DataType.FLOAT32, false);
        return c.add(hard.sub(c).stopGradient());
    }

    /** The channels eq. 4 keeps for given weights: above the threshold, or the largest one. */
    static int[] kept(float[] c) {
        int[] above = java.util.stream.IntStream.range(0, c.length).filter(i -> c[i] > THRESHOLD).toArray();
        if (above.length > 0) {
            return above;
        }
        int best = 0;
        for (int i = 1; i < c.length; i++) {
            if (c[i] > c[best]) {
                best = i;
            }
        }
        return new int[] {best};
    }

    /** Masks N×C×H×W features: b ⊙ x. */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(x.mul(binary(ps, x.getDevice(), training).reshape(1, channels, 1, 1)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
