package org.rtseg.core.complexity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.supernet.Supernet;

class ComplexityTest {

    private static final Shape CITYSCAPES = new Shape(1, 3, 512, 1024);

    @Test
    void bisenetv2MatchesThePublishedCounts() {
        Complexity.Report r = Complexity.of(Supernet.of(SupernetConfig.preset("bisenetv2")), CITYSCAPES, Complexity.Options.EVAL);
        assertEquals(3_341_280, r.convParams());
        assertEquals(3_358_627, r.params());
        assertEquals(24_603_312_128L, r.macs());
        Map<String, Long> macs = r.byModule(1).stream().collect(Collectors.toMap(Complexity.Module::name, Complexity.Module::macs));
        assertEquals(11.702, macs.get("detail") / 1e9, 5e-4);
        assertEquals(1.340, macs.get("segment") / 1e9, 5e-4);
        assertEquals(1.738, macs.get("bga") / 1e9, 5e-4);
        assertEquals(9.823, macs.get("head") / 1e9, 5e-4);
    }

    @Test
    void auxHeadsAddThePublishedCounts() {
        Complexity.Report r = Complexity.of(Supernet.of(SupernetConfig.preset("bisenetv2")), CITYSCAPES, new Complexity.Options(true, false));
        Map<String, Long> macs = r.byModule(1).stream().collect(Collectors.toMap(Complexity.Module::name, Complexity.Module::macs));
        double[] expected = {3.060, 2.758, 2.607, 2.531};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], macs.get("aux" + i) / 1e9, 5e-4, "aux" + i);
        }
    }

    @Test
    void supernetPresetIsThePapersSearchSpace() {
        Supernet net = Supernet.of(SupernetConfig.preset("supernet"));
        for (var block : net.mixedBlocks()) {
            assertEquals(java.util.List.of("lir", "mhsa", "skip"), block.candidates().stream().map(c -> c.type()).toList(),
                    "paper Fig. 2: a mixed block chooses among LIR, MHSA and skip");
        }
        Complexity.Report all = Complexity.of(net, CITYSCAPES, new Complexity.Options(false, true));
        assertEquals(24_361_811, all.params(), "the README's figure");
        assertEquals(136_388_804_608L, all.macs(), "the README's figure");
        assertEquals(24.43e6, all.params(), 0.05 * 24.43e6, "paper: 24.43 M parameters");
        assertEquals(136.0e9, all.macs(), 0.05 * 136.0e9, "paper: 136.0 GMACs");
        Complexity.Report chosen = Complexity.of(net, CITYSCAPES, Complexity.Options.EVAL);
        assertTrue(chosen.macs() < all.macs(), "the eval graph runs one path per mixed block");
    }

    @Test
    void theFourWaySearchSpaceKeepsItsFigures() {
        Complexity.Report all = Complexity.of(Supernet.of(SupernetConfig.preset("supernet-ge")), CITYSCAPES, new Complexity.Options(false, true));
        assertEquals(24_486_259, all.params());
        assertEquals(136_380_817_408L, all.macs());
    }

    @Test
    void lirVariantIsAboutAsCostlyAsTheBaseline() {
        Complexity.Report r = Complexity.of(Supernet.of(SupernetConfig.preset("bisenetv2-lir")), CITYSCAPES, Complexity.Options.EVAL);
        assertEquals(25.0e9, r.macs(), 0.5e9, "paper Table 4: ~25 GMACs");
    }

    @Test
    void attentionMatmulsAreCounted() {
        // One MHSA path, 16 channels, patch 1, at 4×4: N = 16 tokens, D = 16.
        var args = org.rtseg.core.blocks.BlockTypes.resolve("mhsa", 16, 16, 1, java.util.Map.of("heads", 2.0, "patch", 1.0, "mlpRatio", 2.0));
        Countable block = org.rtseg.core.blocks.MultiHeadSelfAttention.TYPE.build(args);
        Complexity.Report r = Complexity.of(block, new Shape(1, 16, 4, 4), Complexity.Options.EVAL);
        long n = 16;
        long d = 16;
        assertEquals(n * d * 3 * d + 2 * n * n * d + n * d * d + 2 * n * d * 2 * d, r.macs());
        assertEquals(4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * 2 * d + 2 * d) + (2 * d * d + d), r.params());
    }

    @Test
    void oddInputSizesAreCountedAsPadded() {
        Supernet net = Supernet.of(SupernetConfig.preset("bisenetv2"));
        assertEquals(Complexity.of(net, new Shape(1, 3, 512, 1024), Complexity.Options.EVAL).macs(),
                Complexity.of(net, new Shape(1, 3, 500, 1000), Complexity.Options.EVAL).macs());
    }
}
