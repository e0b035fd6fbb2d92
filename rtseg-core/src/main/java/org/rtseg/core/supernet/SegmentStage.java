package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.BlockConfig;
import org.rtseg.core.config.MixedBlockConfig;
import org.rtseg.core.config.StageConfig;
import org.rtseg.core.nn.RtsegBlock;

/**
 * A segment-branch stage (paper Fig. 1): a stride-2 downsample block ({@code down}), then mixed
 * blocks ({@code mixed0}, {@code mixed1}, …).
 */
public final class SegmentStage extends RtsegBlock {

    private final RtsegBlock down;
    private final List<MixedBlock> mixed = new ArrayList<>();

    public SegmentStage(StageConfig config, int in) {
        BlockConfig d = config.downsample();
        down = child("down", BlockTypes.build(d.type(), in, config.channels(), 2, d.params()), in);
        for (MixedBlockConfig m : config.blocks()) {
            MixedBlock.Builder builder = MixedBlock.builder().choice(m.choice());
            for (BlockConfig c : m.candidates()) {
                BlockArgs args = BlockTypes.resolve(c.type(), config.channels(), config.channels(), 1, c.params());
                builder.add(c.type(), args);
            }
            mixed.add(child("mixed" + mixed.size(), builder.build(), config.channels()));
        }
    }

    /** The stage's mixed blocks, for block search. */
    public List<MixedBlock> mixedBlocks() {
        return Collections.unmodifiableList(mixed);
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
    public Shape count(Shape input, Tally tally) {
        Shape x = count("down", down, input, tally);
        for (int i = 0; i < mixed.size(); i++) {
            x = count("mixed" + i, mixed.get(i), x, tally);
        }
        return x;
    }
}
