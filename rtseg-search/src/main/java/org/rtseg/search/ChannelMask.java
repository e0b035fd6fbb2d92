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
 *
 * <p>The weights are kept in [0, 1] after each update ({@link #clamp}). The paper lets a pruned
 * channel "recover" when the loss needs it back; unbounded, c keeps sinking for as long as the cost
 * is above its target, and a channel that sank far below the threshold could only come back after
 * as many steps in the other direction. In [0, 1] a channel is never more than half the range away
 * from the threshold, whichever side it is on.
 */
public final class ChannelMask extends AbstractBlock {

    /** The binarisation threshold of eq. 4. */
    public static final float THRESHOLD = 0.5f;

    private final int channels;
    private final Parameter weight;

    /**
     * A mask over {@code channels} channels.
     *
     * @param channels the number of channels of the group it masks, positive; one weight each
     */
    public ChannelMask(int channels) {
        this.channels = channels;
        weight = addParameter(Parameter.builder()
                .setName("c")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(channels))
                .optInitializer(new ConstantInitializer(1f))
                .build());
    }

    /**
     * The number of channels masked.
     *
     * @return the length of the weight vector c
     */
    public int channels() {
        return channels;
    }

    /**
     * The weights c.
     *
     * @return the parameter c, shape {@code (channels)}, initialised to 1
     */
    public Parameter weight() {
        return weight;
    }

    /**
     * The binarised mask b with the straight-through gradient: b = c + stopgrad(1[c &gt; 0.5] − c).
     *
     * @param ps the parameter store of the step
     * @param device the device to read the weights on
     * @param training whether the step is a training step (passed to the parameter store)
     * @return a float32 vector of {@code channels} values, each 0 or 1 (the strongest channel always
     *     1), whose gradient flows to c
     */
    public NDArray binary(ParameterStore ps, ai.djl.Device device, boolean training) {
        return binarize(Tensors.inScope(ps.getManager(), ps.getValue(weight, device, training)));
    }

    /**
     * Eq. 4 with the estimator of eq. 6 applied to given weights. The channel with the largest
     * weight (the first of equals) is always kept: a group pruned to nothing would cut the network
     * in two. Keeps exactly the channels {@link #kept} lists.
     */
    static NDArray binarize(NDArray c) {
        NDArray strongest = c.getManager().arange(0f, c.size(), 1f, DataType.INT64, c.getDevice()).eq(c.argMax());
        NDArray hard = c.gt(THRESHOLD).logicalOr(strongest).toType(DataType.FLOAT32, false);
        return c.add(hard.sub(c).stopGradient());
    }

    /** The channels eq. 4 keeps for given weights: above the threshold, or else the first largest. */
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

    /** Puts the weights back into [0, 1] after an update (in place, outside autograd). */
    public void clamp() {
        float[] c = weight.getArray().toFloatArray();
        boolean outside = false;
        for (int i = 0; i < c.length; i++) {
            float v = Math.min(1f, Math.max(0f, c[i]));
            outside |= v != c[i];
            c[i] = v;
        }
        if (outside) {
            weight.getArray().set(c);
        }
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
