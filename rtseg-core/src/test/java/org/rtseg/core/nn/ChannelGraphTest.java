package org.rtseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.supernet.Supernet;

/** Which channels width search may prune, as the supernet's blocks declare it. */
class ChannelGraphTest {

    @Test
    void everySegmentStageOfTheSupernetIsAPrunableGroup() {
        Supernet net = Supernet.of(SupernetConfig.preset("supernet"));
        ChannelGraph graph = net.channelGraph();
        List<ChannelGraph.Base> groups = graph.prunableGroups();
        for (int s = 1; s <= 3; s++) {
            ChannelGraph.Base stage = (ChannelGraph.Base) graph.labeled("segment.stage" + s);
            assertTrue(stage.prunable(), "stage " + s);
            assertTrue(groups.contains(stage.root()), "stage " + s + " has a mask of its own");
        }
        assertEquals(3, List.of(1, 2, 3).stream().map(s -> ((ChannelGraph.Base) graph.labeled("segment.stage" + s)).root()).distinct().count());
    }

    /** Aux heads only train: their own channels stay whole, while the stages they read stay prunable. */
    @Test
    void auxHeadsAreKeptWhole() {
        Supernet net = Supernet.of(SupernetConfig.preset("supernet"));
        ChannelGraph graph = net.channelGraph();
        int convs = 0;
        for (var head : net.auxHeads()) {
            for (Block b : descendants(head)) {
                if (b instanceof ConvBnAct conv && graph.convolutionOutputs().containsKey(conv)) {
                    assertFalse(graph.convolutionOutputs().get(conv).prunable(), "an aux head's convolution output is fixed");
                    convs++;
                }
            }
        }
        assertTrue(convs >= 8, "aux convolutions checked: " + convs);
        assertTrue(((ChannelGraph.Base) graph.labeled("segment.stage1")).prunable(), "the stage an aux head reads is still searched");
    }

    private static List<Block> descendants(Block block) {
        List<Block> all = new java.util.ArrayList<>(List.of(block));
        block.getChildren().values().forEach(c -> all.addAll(descendants(c)));
        return all;
    }

    @Test
    void attentionPrunesItsTokensAndMlpButKeepsItsHeads() {
        Supernet net = Supernet.of(SupernetConfig.preset("supernet"));
        ChannelGraph graph = net.channelGraph();
        int checked = 0;
        for (int s = 0; s < 3; s++) {
            ChannelGraph.Space stage = graph.labeled("segment.stage" + (s + 1));
            for (MixedBlock mixed : net.segment().stages().get(s).mixedBlocks()) {
                checkAttention(graph, stage, mixed.candidates().stream().filter(c -> c.type().equals("mhsa")).findFirst().orElseThrow());
                checked++;
            }
        }
        assertEquals(8, checked);
    }

    private static void checkAttention(ChannelGraph graph, ChannelGraph.Space stage, MixedBlock.Candidate mhsa) {
        int patch = mhsa.args().intParam("patch");
        Map<String, Block> children = children(mhsa.block());
        ChannelGraph.Space tokens = graph.convolutionOutputs().get((ConvBnAct) children.get("proj"));
        assertEquals(patch * patch * stage.size(), tokens.size());
        if (patch > 1) {
            ChannelGraph.Repeat repeat = (ChannelGraph.Repeat) tokens;
            assertEquals(patch * patch, repeat.times(), "channel-major space-to-depth: each stage channel P² times in a row");
            assertSame(stage, repeat.source());
        } else {
            assertSame(stage, tokens);
        }
        assertTrue(tokens.prunable(), "the tokens are the stage's channels");
        assertSame(tokens, graph.convolutionInputs().get((ConvBnAct) children.get("query")), "query reads the normalised tokens");
        assertSame(tokens, graph.convolutionOutputs().get((ConvBnAct) children.get("fc2")), "fc2 writes back into the tokens");
        for (String head : List.of("query", "key", "value")) {
            assertFalse(graph.convolutionOutputs().get((ConvBnAct) children.get(head)).prunable(), head + " keeps every head");
        }
        ChannelGraph.Space hidden = graph.convolutionOutputs().get((ConvBnAct) children.get("fc1"));
        assertTrue(hidden.prunable(), "the MLP's hidden width is searched");
        assertNotSame(((ChannelGraph.Base) hidden).root(), ((ChannelGraph.Base) stage).root());
        for (String norm : List.of("norm1", "norm2")) {
            assertSame(tokens, graph.maskPoints().get((Masked) children.get(norm)), norm + " is masked by the tokens");
            assertSame(tokens, graph.indexedParameters().get(children.get(norm)), norm + "'s γ and β follow the tokens");
        }
    }

    @Test
    void theContextEmbeddingsBatchNormIsMaskedAndIndexedByItsInput() {
        Supernet net = Supernet.of(SupernetConfig.preset("supernet"));
        ChannelGraph graph = net.channelGraph();
        Block bn = net.segment().contextEmbedding().getChildren().get("bn");
        assertSame(graph.labeled("segment.stage3"), graph.indexedParameters().get(bn));
        assertTrue(graph.maskPoints().containsValue(graph.labeled("segment.stage3")));
    }

    /** A user's block type that does not state its channel flow. */
    static final class Opaque extends RtsegBlock {
        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return inputs;
        }

        @Override
        public Shape count(Shape input, Tally tally) {
            return input;
        }
    }

    @Test
    void aBlockTypeThatDoesNotTraceItselfKeepsItsChannels() {
        BlockTypes.register(new BlockType() {
            @Override
            public String name() {
                return "test-opaque";
            }

            @Override
            public Map<String, Double> defaults() {
                return Map.of();
            }

            @Override
            public RtsegBlock build(BlockArgs args) {
                return new Opaque();
            }
        });
        String json = SupernetConfig.preset("supernet").toJson().replaceFirst("\"type\" : \"skip\"", "\"type\" : \"test-opaque\"");
        ChannelGraph graph = Supernet.of(SupernetConfig.fromJson(json, "opaque")).channelGraph();
        assertFalse(graph.labeled("segment.stage1").prunable(), "the opaque path's input and output are kept");
        assertTrue(graph.labeled("segment.stage2").prunable());
        assertTrue(graph.labeled("segment.stage3").prunable());
    }

    private static Map<String, Block> children(Block block) {
        Map<String, Block> m = new java.util.LinkedHashMap<>();
        block.getChildren().forEach(p -> m.put(p.getKey(), p.getValue()));
        return m;
    }
}
