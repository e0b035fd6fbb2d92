package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The segment branch's stem (BiSeNetV2's stem block): reaches 1/4 fast with few channels. {@code
 * conv} 3×3/2 → two ways: {@code left0} 1×1 to C/2 → {@code left1} 3×3/2, and a 3×3/2 max pool;
 * concatenated (left first) → {@code fuse} 3×3.
 */
public final class StemBlock extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    private final ConvBnAct conv;
    private final ConvBnAct left0;
    private final ConvBnAct left1;
    private final ConvBnAct fuse;

    /**
     * @param in input channels
     * @param out nominal output channels C
     * @param widths overrides of {@code conv}, {@code left0}, {@code left1}, {@code fuse}
     */
    public StemBlock(int in, int out, Widths widths) {
        int c0 = widths.get("conv", out);
        int c1 = widths.get("left0", out / 2);
        int c2 = widths.get("left1", out);
        conv = child("conv", ConvBnAct.builder(in, c0).stride(2).widthKey("conv").build(), in);
        left0 = child("left0", ConvBnAct.builder(c0, c1).kernel(1).widthKey("left0").build(), c0);
        left1 = child("left1", ConvBnAct.builder(c1, c2).stride(2).widthKey("left1").build(), c1);
        fuse = child("fuse", ConvBnAct.builder(c2 + c0, widths.get("fuse", out)).widthKey("fuse").build(), c2 + c0);
    }

    /**
     * Output channels.
     *
     * @return the channels of {@code fuse}
     */
    public int outChannels() {
        return fuse.outChannels();
    }

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String x = exportChild(graph, conv, input);
        String left = exportChild(graph, left1, exportChild(graph, left0, x));
        return exportChild(graph, fuse, graph.concat(1, left, graph.maxPool(x, 3, 2, 1)));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = apply(conv, ps, inputs.singletonOrThrow(), training);
        NDArray left = apply(left1, ps, apply(left0, ps, x, training), training);
        NDArray right = Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        return new NDList(apply(fuse, ps, NDArrays.concat(new NDList(left, right), 1), training));
    }

    /** The max-pooled way keeps {@code conv}'s space; the concat puts the left way first. */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        ChannelGraph.Space x = conv.trace(input, graph);
        ChannelGraph.Space left = left1.trace(left0.trace(x, graph), graph);
        return fuse.trace(graph.concat(left, x), graph);
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        Shape x = conv.count(input, tally);
        Shape left = left1.count(left0.count(x, tally), tally);
        return fuse.count(new Shape(left.get(0), left.get(1) + x.get(1), left.get(2), left.get(3)), tally);
    }
}
