package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.BlockConfig;
import org.rtseg.core.config.MixedBlockConfig;
import org.rtseg.core.config.StageConfig;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * A segment-branch stage (paper Fig. 1): a stride-2 downsample block ({@code down}), then mixed
 * blocks ({@code mixed0}, {@code mixed1}, …).
 */
public final class SegmentStage extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    private final RtsegBlock down;
    private final String downType;
    private final List<MixedBlock> mixed = new ArrayList<>();
    private final int outChannels;

    /**
     * @param config the stage
     * @param in input channels
     * @param widths the network's width overrides
     * @param path this stage's module path, e.g. {@code segment.stage1}
     */
    public SegmentStage(StageConfig config, int in, Widths.Table widths, String path) {
        BlockConfig d = config.downsample();
        int c = config.channels();
        outChannels = c;
        downType = d.type();
        down = child("down", BlockTypes.build(d.type(),
                BlockTypes.resolve(d.type(), in, c, 2, d.params(), widths.delegate(path + ".down"))), in);
        for (MixedBlockConfig m : config.blocks()) {
            String name = "mixed" + mixed.size();
            MixedBlock.Builder builder = MixedBlock.builder().choice(m.choice());
            List<String> types = new ArrayList<>();
            for (BlockConfig cand : m.candidates()) {
                String scope = path + "." + name + "." + MixedBlock.candidateName(types, cand.type());
                builder.add(cand.type(), BlockTypes.resolve(cand.type(), c, c, 1, cand.params(), widths.delegate(scope)));
                types.add(cand.type());
            }
            mixed.add(child(name, builder.build(), c));
        }
    }

    /**
     * Output channels (the stage width).
     *
     * @return the stage's configured channels
     */
    public int outChannels() {
        return outChannels;
    }

    /**
     * The stage's mixed blocks, for block search.
     *
     * @return an unmodifiable list of the mixed blocks, in forward order
     */
    public List<MixedBlock> mixedBlocks() {
        return Collections.unmodifiableList(mixed);
    }

    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String x = graph.block("down", downType, down, input);
        for (MixedBlock block : mixed) {
            x = exportChild(graph, block, x);
        }
        return x;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = apply(down, ps, inputs.singletonOrThrow(), training);
        for (MixedBlock block : mixed) {
            x = apply(block, ps, x, training);
        }
        return new NDList(x);
    }

    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        ChannelGraph.Space x = ChannelTraceable.trace(down, input, outChannels, graph);
        for (MixedBlock block : mixed) {
            x = block.trace(x, graph);
        }
        return x;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        Shape x = count("down", down, input, tally);
        for (int i = 0; i < mixed.size(); i++) {
            x = count("mixed" + i, mixed.get(i), x, tally);
        }
        return x;
    }
}
