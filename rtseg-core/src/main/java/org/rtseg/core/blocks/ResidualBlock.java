package org.rtseg.core.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * A chain of convolutions plus a residual, then ReLU: the common form of BiSeNetV2's gather-and-
 * expand layer and the paper's lightweight inverted residual. The residual is the identity when the
 * shape is kept and a {@link Shortcut} otherwise.
 */
abstract class ResidualBlock extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    private final List<ConvBnAct> chain = new ArrayList<>();
    private final Shortcut shortcut;

    ResidualBlock(BlockArgs args) {
        shortcut =
                args.preservesShape()
                        ? null
                        : child(
                                "shortcut",
                                new Shortcut(args.inChannels(), args.outChannels(), args.stride()),
                                args.inChannels());
    }

    /**
     * The block type of a residual block with an expansion parameter (default 6) and stride 1 or 2.
     *
     * @param name the config name
     * @param label the name in messages
     * @param build the constructor
     */
    static BlockType expandingType(String name, String label, Function<BlockArgs, RtsegBlock> build) {
        return new BlockType() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Map<String, Double> defaults() {
                return Map.of("expansion", 6.0);
            }

            @Override
            public void validate(BlockArgs args) {
                args.intParam("expansion");
                if (args.stride() > 2) {
                    throw new IllegalArgumentException(label + " supports stride 1 or 2, was " + args.stride());
                }
            }

            @Override
            public RtsegBlock build(BlockArgs args) {
                return build.apply(args);
            }
        };
    }

    /**
     * Appends a convolution of the main path; called in forward order from the constructor.
     *
     * @param name the child's name, unique within the block
     * @param conv the convolution unit
     * @return {@code conv}
     */
    protected final ConvBnAct main(String name, ConvBnAct conv) {
        chain.add(child(name, conv, conv.inChannels()));
        return conv;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = x;
        for (ConvBnAct conv : chain) {
            y = apply(conv, ps, y, training);
        }
        NDArray residual = shortcut == null ? x : apply(shortcut, ps, x, training);
        return new NDList(Activation.relu(y.add(residual)));
    }

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String y = input;
        for (ConvBnAct conv : chain) {
            y = exportChild(graph, conv, y);
        }
        return graph.relu(graph.add(y, shortcut == null ? input : exportChild(graph, shortcut, input)));
    }

    /** The main path's output and the residual are added: one space. */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        ChannelGraph.Space y = input;
        for (ConvBnAct conv : chain) {
            y = conv.trace(y, graph);
        }
        graph.tie(y, shortcut == null ? input : shortcut.trace(input, graph));
        return y;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        Shape y = input;
        for (ConvBnAct conv : chain) {
            y = conv.count(y, tally);
        }
        if (shortcut != null) {
            shortcut.count(input, tally);
        }
        return y;
    }
}
