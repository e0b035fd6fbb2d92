package org.rtseg.core.blocks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The projection shortcut of a residual block that changes shape (BiSeNetV2's GE-S2 shortcut):
 * depthwise 3×3 with the block's stride → BN → 1×1 → BN. Children {@code dw}, {@code pw}.
 */
public final class Shortcut extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    private final ConvBnAct dw;
    private final ConvBnAct pw;

    /**
     * A projection shortcut.
     *
     * @param in input channels
     * @param out output channels
     * @param stride the block's stride, applied by the depthwise convolution
     */
    public Shortcut(int in, int out, int stride) {
        dw = child("dw", ConvBnAct.builder(in, in).stride(stride).depthwise().noActivation().build(), in);
        pw = child("pw", ConvBnAct.builder(in, out).kernel(1).noActivation().build(), in);
    }

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        return exportChild(graph, pw, exportChild(graph, dw, input));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(pw, ps, apply(dw, ps, inputs.singletonOrThrow(), training), training));
    }

    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        return pw.trace(dw.trace(input, graph), graph);
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        return pw.count(dw.count(input, tally), tally);
    }
}
