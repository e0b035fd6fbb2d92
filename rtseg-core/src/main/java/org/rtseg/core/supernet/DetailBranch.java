package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.DetailBranchConfig;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The detail branch (paper §Supernet design, after BiSeNetV2): wide, shallow 3×3 conv-BN-ReLU
 * stages, each opened by a stride-2 layer, keeping spatial detail at 1/8. Children {@code S1_0},
 * {@code S1_1}, … (stage, layer).
 */
public final class DetailBranch extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    private final List<ConvBnAct> layers = new ArrayList<>();

    /**
     * @param config the layer widths per stage
     * @param inChannels image channels
     * @param widths overrides by layer name ({@code S1_0} …)
     */
    public DetailBranch(DetailBranchConfig config, int inChannels, Widths widths) {
        int in = inChannels;
        for (int s = 0; s < config.stages().size(); s++) {
            List<Integer> stage = config.stages().get(s);
            for (int l = 0; l < stage.size(); l++) {
                String name = "S" + (s + 1) + "_" + l;
                int out = widths.get(name, stage.get(l));
                ConvBnAct conv = ConvBnAct.builder(in, out).stride(l == 0 ? 2 : 1).widthKey(name).build();
                layers.add(child(name, conv, in));
                in = out;
            }
        }
    }

    /**
     * Output channels.
     *
     * @return the channels of the last layer
     */
    public int outChannels() {
        return layers.get(layers.size() - 1).outChannels();
    }

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String x = input;
        for (ConvBnAct layer : layers) {
            x = exportChild(graph, layer, x);
        }
        return x;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        for (ConvBnAct layer : layers) {
            x = apply(layer, ps, x, training);
        }
        return new NDList(x);
    }

    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        ChannelGraph.Space x = input;
        for (ConvBnAct layer : layers) {
            x = layer.trace(x, graph);
        }
        return x;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        Shape x = input;
        for (ConvBnAct layer : layers) {
            x = layer.count(x, tally);
        }
        return x;
    }
}
