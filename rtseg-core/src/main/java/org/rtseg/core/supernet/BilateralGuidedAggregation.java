package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.Resize;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * Bilateral guided aggregation (paper §Supernet design, after BiSeNetV2): each branch gates the
 * other through a sigmoid, so the segment branch's semantics select detail features and vice
 * versa.
 *
 * <pre>
 *   left  = left1(x_d) · σ(up4(right1(x_s)))        left1 = DW 3×3 → BN → 1×1
 *   right = up4(left2(x_d) · σ(right2(x_s)))        left2 = 3×3/2 → BN → avgpool 3/2
 *   out   = conv(left + right)                      up4 = nearest ×4, conv = 3×3 CBR
 * </pre>
 */
public final class BilateralGuidedAggregation extends RtsegBlock {

    private final ConvBnAct left1Dw;
    private final ConvBnAct left1Pw;
    private final ConvBnAct left2;
    private final ConvBnAct right1;
    private final ConvBnAct right2Dw;
    private final ConvBnAct right2Pw;
    private final ConvBnAct conv;

    /**
     * @param d detail-branch channels
     * @param s segment-branch channels
     * @param widths overrides of {@code inner} (the four gated maps, tied by the products and the
     *     sum; default d) and {@code conv} (the output; default inner)
     */
    public BilateralGuidedAggregation(int d, int s, Widths widths) {
        int c = widths.get("inner", d);
        left1Dw = child("left1_dw", ConvBnAct.builder(d, d).depthwise().noActivation().build(), d);
        left1Pw = child("left1_pw", ConvBnAct.builder(d, c).kernel(1).noNorm().noActivation().widthKey("inner").build(), d);
        left2 = child("left2", ConvBnAct.builder(d, c).stride(2).noActivation().widthKey("inner").build(), d);
        right1 = child("right1", ConvBnAct.builder(s, c).noActivation().widthKey("inner").build(), s);
        right2Dw = child("right2_dw", ConvBnAct.builder(s, s).depthwise().noActivation().build(), s);
        right2Pw = child("right2_pw", ConvBnAct.builder(s, c).kernel(1).noNorm().noActivation().widthKey("inner").build(), s);
        conv = child("conv", ConvBnAct.builder(c, widths.get("conv", c)).widthKey("conv").build(), c);
    }

    /**
     * Output channels.
     *
     * @return the channels of the final 3×3 convolution
     */
    public int outChannels() {
        return conv.outChannels();
    }

    /**
     * The four maps entering the products and the sum share one space; the depthwise convolutions
     * keep their inputs' spaces.
     *
     * @param detail the space of the detail features
     * @param semantic the space of the segment features
     * @param graph the graph being built
     * @return the output space
     */
    public ChannelGraph.Space trace(ChannelGraph.Space detail, ChannelGraph.Space semantic, ChannelGraph graph) {
        ChannelGraph.Space l1 = left1Pw.trace(left1Dw.trace(detail, graph), graph);
        ChannelGraph.Space l2 = left2.trace(detail, graph);
        ChannelGraph.Space r1 = right1.trace(semantic, graph);
        ChannelGraph.Space r2 = right2Pw.trace(right2Dw.trace(semantic, graph), graph);
        graph.tie(l1, r1);
        graph.tie(l2, r2);
        graph.tie(l1, l2);
        return conv.trace(l1, graph);
    }

    /** Inputs: detail features (1/8), segment features (1/32). */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray detail = inputs.get(0);
        NDArray semantic = inputs.get(1);
        long h = detail.getShape().get(2);
        long w = detail.getShape().get(3);
        NDArray left = apply(left1Pw, ps, apply(left1Dw, ps, detail, training), training);
        NDArray down = avgPool(apply(left2, ps, detail, training));
        NDArray gate = Resize.to(apply(right1, ps, semantic, training), h, w, Resize.Mode.NEAREST);
        NDArray right = apply(right2Pw, ps, apply(right2Dw, ps, semantic, training), training);
        left = left.mul(Activation.sigmoid(gate));
        right = Resize.to(down.mul(Activation.sigmoid(right)), h, w, Resize.Mode.NEAREST);
        return new NDList(apply(conv, ps, left.add(right), training));
    }

    /**
     * The aggregation in ONNX operators (it has two inputs, so it is not an {@link
     * org.rtseg.core.onnx.OnnxExportable}).
     *
     * @param graph the graph, scoped to this block
     * @param detail the detail branch's output
     * @param semantic the segment branch's output
     * @return the aggregated features
     */
    public String exportOnnx(OnnxGraph graph, String detail, String semantic) {
        String left = exportChild(graph, left1Pw, exportChild(graph, left1Dw, detail));
        String down = graph.averagePool(exportChild(graph, left2, detail), 3, 2, 1);
        String gate = graph.resizeLike(exportChild(graph, right1, semantic), detail, false);
        String right = exportChild(graph, right2Pw, exportChild(graph, right2Dw, semantic));
        left = graph.mul(left, graph.sigmoid(gate));
        right = graph.resizeLike(graph.mul(down, graph.sigmoid(right)), detail, false);
        return exportChild(graph, conv, graph.add(left, right));
    }

    /** 3×3/2 average pool, padding 1, padded zeros counted (PyTorch's count_include_pad). */
    private static NDArray avgPool(NDArray x) {
        return Pool.avgPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false, true);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape d = inputShapes[0];
        return new Shape[] {new Shape(d.get(0), outChannels(), d.get(2), d.get(3))};
    }

    /** Counts for the detail input; the segment input is at a quarter of its size. */
    @Override
    public Shape count(Shape detail, Tally tally) {
        Shape semantic = new Shape(detail.get(0), right1.inChannels(), detail.get(2) / 4, detail.get(3) / 4);
        left1Pw.count(left1Dw.count(detail, tally), tally);
        left2.count(detail, tally);
        right1.count(semantic, tally);
        right2Pw.count(right2Dw.count(semantic, tally), tally);
        return conv.count(detail, tally);
    }
}
