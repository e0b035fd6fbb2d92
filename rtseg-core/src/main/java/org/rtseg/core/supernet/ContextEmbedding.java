package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.MaskPoint;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The context embedding at the end of the segment branch (BiSeNetV2's CE block): global average
 * pooling → {@code bn} → {@code conv_gap} 1×1 CBR, broadcast-added to the input → {@code
 * conv_last} 3×3 CBR. It gives the 1/32 features an image-wide receptive field.
 */
public final class ContextEmbedding extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    private static final float NORM_EPSILON = 1e-5f;

    private final int channels;
    private final BatchNorm bn;
    private final ConvBnAct convGap;
    private final ConvBnAct convLast;
    /**
     * The mask point after {@code bn}: its shift would turn a pruned (zero) channel of the pooled
     * features into a non-zero input of {@code conv_gap}.
     */
    private final MaskPoint pooledMask = new MaskPoint();

    /**
     * @param channels input channels
     * @param widths override of {@code conv_last}
     */
    public ContextEmbedding(int channels, Widths widths) {
        this.channels = channels;
        bn = child("bn", BatchNorm.builder().optEpsilon(NORM_EPSILON).optMomentum(0.9f).build(), channels);
        convGap = child("conv_gap", ConvBnAct.builder(channels, channels).kernel(1).build(), channels);
        convLast = child("conv_last", ConvBnAct.builder(channels, widths.get("conv_last", channels)).widthKey("conv_last").build(), channels);
    }

    /**
     * Output channels.
     *
     * @return the channels of {@code conv_last}
     */
    public int outChannels() {
        return convLast.outChannels();
    }

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String gap = graph.globalAveragePool(input);
        gap = exportChild(graph, convGap, graph.batchNorm(bn, gap, NORM_EPSILON));
        return exportChild(graph, convLast, graph.add(input, gap));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        // DJL's PyTorch mean reduces one axis per call.
        NDArray gap = x.mean(new int[] {3}, true).mean(new int[] {2}, true);
        gap = apply(bn, ps, gap, training);
        gap = pooledMask.apply(ps, gap, training);
        gap = apply(convGap, ps, gap, training);
        return new NDList(apply(convLast, ps, x.add(gap), training));
    }

    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        graph.mask(pooledMask, input);
        graph.indexParameters(bn, input);
        graph.tie(input, convGap.trace(input, graph));
        return convLast.trace(input, graph);
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        tally.parameters(2L * channels);
        convGap.count(new Shape(input.get(0), channels, 1, 1), tally);
        return convLast.count(input, tally);
    }
}
