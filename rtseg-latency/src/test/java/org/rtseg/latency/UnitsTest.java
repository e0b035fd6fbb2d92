package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.supernet.Supernet;

/** The decomposition of networks into timed units, and building and timing any unit from its spec. */
class UnitsTest {

    /** A user's block type: a depthwise-separable conv with a pruneable pointwise width. */
    static final BlockType USER = new BlockType() {
        @Override
        public String name() {
            return "test-sepconv";
        }

        @Override
        public Map<String, Double> defaults() {
            return Map.of("kernel", 3.0);
        }

        @Override
        public RtsegBlock build(BlockArgs args) {
            return ConvBnAct.builder(args.inChannels(), args.outChannels()).kernel(args.intParam("kernel")).stride(args.stride()).build();
        }
    };

    @Test
    void unitsCoverTheEvalGraphExactly() {
        Shape input = new Shape(1, 3, 512, 1024);
        for (String preset : SupernetConfig.PRESETS) {
            Supernet net = Supernet.of(SupernetConfig.preset(preset));
            List<BlockSpec> specs = NetworkUnits.specs(net, input);
            long sum = specs.stream().mapToLong(Units::macs).sum();
            assertEquals(Complexity.of(net, input, Complexity.Options.EVAL).macs(), sum, preset);
        }
        // and a pruned, extracted subnet whose widths come from the config's overrides
        try (Model sub = NetworkCalibration.randomSubnet(Fixtures.tiny(), 3, 0, 0.3, Device.cpu())) {
            Supernet net = ModelDirectory.network(sub);
            assertFalse(net.config().widths().isEmpty(), "the subnet is pruned");
            Shape small = new Shape(1, 3, 64, 128);
            long sum = NetworkUnits.specs(net, small).stream().mapToLong(Units::macs).sum();
            assertEquals(Complexity.of(net, small, Complexity.Options.EVAL).macs(), sum);
        }
    }

    @ParameterizedTest
    @EnumSource(DjlLatencyMeter.Form.class)
    void everyUnitOfTheSearchSpaceBuildsAndTimes(DjlLatencyMeter.Form form) {
        DjlLatencyMeter meter = new DjlLatencyMeter(Device.cpu(), new DjlLatencyMeter.Options(1, 3, 5, 0.5, 1, 1), form);
        List<NetworkUnits.Unit> units = NetworkUnits.allCandidates(Supernet.of(Fixtures.tiny()), new Shape(1, 3, 64, 64));
        assertTrue(units.stream().map(u -> u.spec().type()).toList().containsAll(List.of("conv", "stem", "ge", "lir", "mhsa", "ce", "bga", "head")));
        assertTrue(units.stream().noneMatch(u -> u.spec().type().equals("skip")), "the identity is no unit");
        for (NetworkUnits.Unit u : units) {
            Measurement m = meter.measure(u.spec());
            assertTrue(m.medianMs() > 0 && m.repetitions() >= 3 && m.iqrMs() >= 0, u.path() + " " + m);
        }
    }

    /** The deploy form times each convolution unit as DeployGraph ships it: no BatchNorm pass. */
    @Test
    void theDeployFormFoldsEveryBatchNormAfterAConvolution() {
        BlockSpec ge = new BlockSpec("ge", BlockTypes.resolve("ge", 8, 16, 2, Map.of()), 32, 32);
        DjlLatencyMeter.Options once = new DjlLatencyMeter.Options(1, 1, 1, 1, 1, 1);
        assertEquals(0, batchNorms(new DjlLatencyMeter(Device.cpu(), once, DjlLatencyMeter.Form.DEPLOY).build(ge).block()));
        assertTrue(batchNorms(new DjlLatencyMeter(Device.cpu(), once, DjlLatencyMeter.Form.EVAL).build(ge).block()) >= 3);
        assertEquals(DjlLatencyMeter.Form.DEPLOY, DjlLatencyMeter.Form.of("deploy"));
        assertThrows(IllegalArgumentException.class, () -> DjlLatencyMeter.Form.of("bf16"));
    }

    private static int batchNorms(Block block) {
        int own = block instanceof BatchNorm ? 1 : 0;
        return own + block.getChildren().values().stream().mapToInt(UnitsTest::batchNorms).sum();
    }

    @Test
    void aUserTypeIsMeasuredAndKeyedLikeABuiltIn() {
        BlockTypes.register(USER);
        BlockSpec spec = new BlockSpec("test-sepconv", BlockTypes.resolve("test-sepconv", 8, 16, 2, Map.of()), 32, 32);
        Measurement m = new DjlLatencyMeter(Device.cpu(), new DjlLatencyMeter.Options(1, 3, 3, 1, 1, 2), DjlLatencyMeter.Form.EVAL).measure(spec);
        assertTrue(m.medianMs() > 0);
        assertEquals(6, m.repetitions(), "two trials of three runs");
        assertEquals(8L * 16 * 9 * 16 * 16, Units.macs(spec));
        assertEquals("test-sepconv|8|16|2|32x32|kernel=3|", Units.key(spec));
    }

    @Test
    void canonicalWritesDefaultWidthsOut() {
        BlockSpec plain = new BlockSpec("lir", BlockTypes.resolve("lir", 16, 16, 1, Map.of()), 32, 32);
        BlockSpec canonical = Units.canonical(plain);
        assertEquals(Map.of("conv1", 16, "expand", 96), canonical.args().widths());
        BlockSpec pruned = new BlockSpec("lir", BlockTypes.resolve("lir", 16, 16, 1, Map.of(), Map.of("expand", 40)), 32, 32);
        assertEquals(Map.of("conv1", 16, "expand", 40), Units.canonical(pruned).args().widths());
        assertEquals(Units.macs(plain), Units.macs(canonical));
    }

    @Test
    void aBadSpecSaysWhatIsWrong() {
        BlockSpec bga = new BlockSpec("bga", new BlockArgs(8, 8, 1, Map.of(), Map.of()), 32, 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.build(bga));
        assertTrue(e.getMessage().contains("segment"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.build(new BlockSpec("nope", new BlockArgs(8, 8, 1, Map.of()), 8, 8)));
    }
}
