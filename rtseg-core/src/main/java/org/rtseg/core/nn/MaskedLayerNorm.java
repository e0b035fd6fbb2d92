package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * LayerNorm over the channel axis of an NCHW map, each pixel on its own: for a map of tokens
 * (one token per pixel) it is the transformer's LayerNorm of each token, with a scale {@code gamma}
 * and a shift {@code beta} per channel (epsilon 1e-5).
 *
 * <p>During width search a mask of the channel space can be attached ({@link Masked}). The mean
 * and variance are then taken over the kept channels only and the output is multiplied by the
 * mask: a pruned channel neither shifts the statistics nor leaves a non-zero {@code beta} behind,
 * so the masked supernet computes exactly what the extracted subnet, whose LayerNorm has only the
 * kept channels, computes (paper eq. 5). Without a mask it is the plain LayerNorm.
 */
public final class MaskedLayerNorm extends RtsegBlock implements ChannelTraceable, Masked, OnnxExportable {

    /** PyTorch's and DJL's default epsilon. */
    public static final float EPSILON = 1e-5f;

    private final int channels;
    private final Parameter gamma;
    private final Parameter beta;
    private Source mask;

    /**
     * A LayerNorm over {@code channels} channels.
     *
     * @param channels the number of channels, which sizes {@code gamma} and {@code beta}
     */
    public MaskedLayerNorm(int channels) {
        this.channels = channels;
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA).optShape(new Shape(channels)).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA).optShape(new Shape(channels)).build());
    }

    /**
     * Channels normalised.
     *
     * @return the number of channels
     */
    public int channels() {
        return channels;
    }

    @Override
    public void setMask(Source source) {
        this.mask = source;
    }

    /**
     * LayerNormalization over the channels.
     *
     * @throws IllegalStateException while width search masks the norm: export the extracted subnet
     */
    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        if (mask != null) {
            throw new IllegalStateException("a masked LayerNorm (width search) cannot be exported; extract the subnet first");
        }
        return graph.channelLayerNorm(input, graph.parameter(this, gamma.getName()), graph.parameter(this, beta.getName()), EPSILON);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray g = ps.getValue(gamma, x.getDevice(), training);
        NDArray b = ps.getValue(beta, x.getDevice(), training);
        // Channels last, so that the engine's LayerNorm (over the last axis) applies and the
        // per-channel terms broadcast as they are: reshaping a parameter would leave the result in
        // the model's manager (see Tensors).
        NDArray last = x.transpose(0, 2, 3, 1);
        NDArray y = mask == null
                ? LayerNorm.layerNorm(last, new Shape(channels), g, b, EPSILON).singletonOrThrow()
                : masked(last, mask.mask(ps, x.getDevice(), training), g, b);
        return new NDList(y.transpose(0, 3, 1, 2));
    }

    /** The statistics over the kept channels (the last axis) only, pruned channels zero. */
    private static NDArray masked(NDArray x, NDArray mask, NDArray gamma, NDArray beta) {
        NDArray kept = mask.sum();
        NDArray mean = x.mul(mask).sum(new int[] {3}, true).div(kept);
        NDArray centred = x.sub(mean).mul(mask);
        NDArray variance = centred.square().sum(new int[] {3}, true).div(kept);
        NDArray normalised = centred.div(variance.add(Tensors.scalar(variance, EPSILON)).sqrt());
        return normalised.mul(gamma).add(beta).mul(mask);
    }

    /** The normalised channels keep their space; its mask reaches the statistics and the parameters follow it. */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        graph.mask(this, input);
        graph.indexParameters(this, input);
        return input;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        tally.parameters(2L * channels);
        return input;
    }
}
