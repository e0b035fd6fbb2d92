package org.rtseg.core.blocks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/** The skip path of a mixed block (paper Fig. 2): the identity, letting the search drop a block. */
public final class Skip extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    /** Type {@code skip}: no parameters; only where the shape is kept. */
    public static final BlockType TYPE =
            new BlockType() {
                @Override
                public String name() {
                    return "skip";
                }

                @Override
                public Map<String, Double> defaults() {
                    return Map.of();
                }

                @Override
                public void validate(BlockArgs args) {
                    if (!args.preservesShape()) {
                        throw new IllegalArgumentException(
                                "a skip cannot change the shape (in " + args.inChannels() + ", out "
                                        + args.outChannels() + ", stride " + args.stride() + ")");
                    }
                }

                @Override
                public RtsegBlock build(BlockArgs args) {
                    args.widthOverrides("skip").requireAllUsed();
                    return new Skip();
                }
            };

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        return input;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return inputs;
    }

    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        return input;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        return input;
    }
}
