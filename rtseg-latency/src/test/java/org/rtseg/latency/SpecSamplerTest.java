package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.nn.RtsegBlock;

/** The sampled units are what width search can make of the search space, and nothing else. */
class SpecSamplerTest {

    @Test
    void attentionUnitsArePrunedInTheirStageAndMlpWidthsButKeepTheirHeads() {
        SupernetConfig preset = SupernetConfig.preset("supernet");
        // the stage width of each attention path by its input height at 512×1024: 1/8, 1/16, 1/32
        Map<Long, Integer> stageWidth = Map.of(64L, 112, 32L, 192, 16L, 256);
        List<BlockSpec> attention = new SpecSampler(preset, List.of(new int[] {512, 1024}), 0, 3).samples(400).stream()
                .filter(s -> s.type().equals("mhsa")).toList();
        assertTrue(attention.size() > 50, attention.size() + " attention samples");
        int prunedStage = 0;
        int prunedMlp = 0;
        for (BlockSpec s : attention) {
            int patch = s.args().params().get("patch").intValue();
            int tokens = patch * patch * stageWidth.get(s.height());
            assertEquals(s.args().inChannels(), s.args().outChannels(), "a path keeps its stage's width");
            assertEquals(tokens, s.args().widths().get("attn"), "the heads are kept whole, as extraction keeps them: " + s);
            prunedStage += s.args().inChannels() < stageWidth.get(s.height()) ? 1 : 0;
            prunedMlp += s.args().widths().get("mlp") < 4 * tokens ? 1 : 0;
            Units.build(s);
        }
        assertTrue(prunedStage > attention.size() / 2, prunedStage + " of " + attention.size() + " with a pruned stage width");
        assertTrue(prunedMlp > attention.size() / 2, prunedMlp + " of " + attention.size() + " with a pruned MLP");
    }

    /** A user's path that does not state its channel flow, so width search keeps its stage whole. */
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

    static final BlockType OPAQUE = new BlockType() {
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
    };

    @Test
    void aSamplerOfSomeTypesDrawsOnlyThoseAndTheSameListEveryRun() {
        SpecSampler all = new SpecSampler(SupernetConfig.preset("supernet"), List.of(new int[] {512, 1024}), 0, 3);
        List<BlockSpec> convs = all.ofTypes(List.of("conv")).samples(200);
        assertTrue(convs.stream().allMatch(s -> s.type().equals("conv")), convs.toString());
        assertTrue(convs.stream().map(s -> s.args().inChannels() + "x" + s.args().outChannels()).distinct().count() > 150,
                "the widths vary");
        assertEquals(convs, all.ofTypes(List.of("conv")).samples(200));
        // One random draw per width, in key order: the first stem's widths are the same in every JVM
        // (with Map.copyOf's per-JVM salted order they changed from run to run).
        assertEquals(List.of(1, 2, 5), all.samples(40).stream().filter(s -> s.type().equals("stem")).limit(1)
                .flatMap(s -> s.args().widths().values().stream()).limit(3).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> all.ofTypes(List.of("convv")));
        assertTrue(e.getMessage().contains("convv") && e.getMessage().contains("[bga, ce, conv"), e.getMessage());
    }

    @Test
    void aStageTheChannelGraphKeepsWholeIsNotSampledPruned() {
        BlockTypes.register(OPAQUE);
        SupernetConfig config = SupernetConfig.fromJson("""
                {"name": "opaque", "numClasses": 4,
                 "detail": {"stages": [[8], [8], [16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}}, "blocks": []},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}]}]},
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "test-opaque"}, {"type": "lir", "params": {"expansion": 2}}]}]}]},
                 "head": {"channels": 8, "dropout": 0.1},
                 "aux": {"enabled": false, "channels": 8, "dropout": 0.1}}
                """, "opaque");
        List<BlockSpec> lir = new SpecSampler(config, List.of(new int[] {64, 128}), 0, 5).samples(400).stream()
                .filter(s -> s.type().equals("lir") && s.args().stride() == 1).toList();
        List<BlockSpec> kept = lir.stream().filter(s -> s.height() == 2).toList();
        assertTrue(kept.size() > 10, kept.size() + " samples of the last stage's LIR path");
        assertTrue(kept.stream().allMatch(s -> s.args().inChannels() == 16), "the kept stage is never sampled pruned");
        assertTrue(lir.stream().anyMatch(s -> s.height() == 4 && s.args().inChannels() < 16), "the other stage is");
    }
}
