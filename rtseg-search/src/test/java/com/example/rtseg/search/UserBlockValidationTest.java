package com.example.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.search.SearchSpace;

/**
 * A user's block type whose prunable expansion cannot be rebuilt at its pruned width fails when the
 * search space is built, naming block and parameter — not at extraction after a search.
 */
class UserBlockValidationTest {

    /** 1×1 expand → 3×3 depthwise → 1×1 project, plus the input; the expansion reads its width key or not. */
    static final class Expanding extends RtsegBlock implements ChannelTraceable {
        private final ConvBnAct expand;
        private final ConvBnAct depthwise;
        private final ConvBnAct project;

        Expanding(BlockArgs args, String type, boolean readsItsWidth) {
            int c = args.inChannels();
            Widths widths = args.widthOverrides(type);
            int mid = readsItsWidth ? widths.get("expand", 2 * c) : 2 * c;
            ConvBnAct.Builder b = ConvBnAct.builder(c, mid).kernel(1);
            expand = child("expand", (readsItsWidth ? b.widthKey("expand") : b).build(), c);
            depthwise = child("dw", ConvBnAct.builder(mid, mid).kernel(3).depthwise().build(), mid);
            project = child("project", ConvBnAct.builder(mid, c).kernel(1).noActivation().build(), mid);
            if (readsItsWidth) {
                widths.requireAllUsed();
            }
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            NDArray x = in.singletonOrThrow();
            return new NDList(Activation.relu(apply(project, ps, apply(depthwise, ps, apply(expand, ps, x, training), training), training).add(x)));
        }

        @Override
        public Shape count(Shape input, Tally tally) {
            return project.count(depthwise.count(expand.count(input, tally), tally), tally);
        }

        @Override
        public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
            ChannelGraph.Space out = project.trace(depthwise.trace(expand.trace(input, graph), graph), graph);
            graph.tie(out, input);
            return out;
        }
    }

    private static BlockType type(String name, boolean readsItsWidth) {
        return new BlockType() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Map<String, Double> defaults() {
                return Map.of();
            }

            @Override
            public void validate(BlockArgs args) {
                if (!args.preservesShape()) {
                    throw new IllegalArgumentException(name + " keeps the shape");
                }
            }

            @Override
            public RtsegBlock build(BlockArgs args) {
                return new Expanding(args, name, readsItsWidth);
            }
        };
    }

    private static SupernetConfig config(String type) {
        return SupernetConfig.fromJson("""
                {"name": "user", "numClasses": 3,
                 "detail": {"stages": [[8], [8], [16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "lir"}, {"type": "%s"}, {"type": "skip"}]}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []}]},
                 "head": {"channels": 16, "dropout": 0.0},
                 "aux": {"enabled": false, "channels": 8, "dropout": 0.0}}
                """.formatted(type), "user config");
    }

    @Test
    void aPrunableConvolutionWithoutAWidthKeyFailsWhenTheSpaceIsBuilt() {
        BlockTypes.register(type("fixed-expand", false));
        // The block is the second candidate: the check covers every path, not only the configured one.
        try (Model model = ModelDirectory.create(config("fixed-expand"), Device.cpu())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SearchSpace(ModelDirectory.network(model), 0));
            assertTrue(e.getMessage().startsWith("segment.stage1.mixed0.fixed-expand.expand.conv.weight:"), e.getMessage());
            assertTrue(e.getMessage().contains("widthKey"), e.getMessage());
        }
    }

    @Test
    void theSameBlockReadingItsWidthBackIsAccepted() {
        BlockTypes.register(type("keyed-expand", true));
        try (Model model = ModelDirectory.create(config("keyed-expand"), Device.cpu())) {
            assertDoesNotThrow(() -> SearchSpace.create(model, 0));
        }
    }
}
