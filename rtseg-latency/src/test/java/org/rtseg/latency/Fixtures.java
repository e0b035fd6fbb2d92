package org.rtseg.latency;

import java.util.ArrayList;
import java.util.List;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.config.SupernetConfig;

/** A small search space and a synthetic "device" whose latency is a known function of the unit. */
final class Fixtures {

    private Fixtures() {}

    /** Stage 1: LIR / GE / skip, then skip / LIR / MHSA (patch 2); stage 2: GE / LIR; stage 3: MHSA / LIR. */
    static SupernetConfig tiny() {
        return SupernetConfig.fromJson("""
                {"name": "tiny", "numClasses": 4,
                 "detail": {"stages": [[8, 8], [8, 8], [16, 16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}, {"type": "ge", "params": {"expansion": 2}}, {"type": "skip"}]},
                               {"candidates": [{"type": "skip"}, {"type": "lir", "params": {"expansion": 3}}, {"type": "mhsa", "params": {"heads": 2, "patch": 2}}]}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "ge", "params": {"expansion": 2}}, {"type": "lir", "params": {"expansion": 2}}]}]},
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "mhsa", "params": {"heads": 2, "patch": 1}}, {"type": "lir", "params": {"expansion": 2}}]}]}]},
                 "head": {"channels": 24, "dropout": 0.1},
                 "aux": {"enabled": true, "channels": 8, "dropout": 0.1}}
                """, "tiny");
    }

    /**
     * A synthetic device: 20 µs of overhead, MACs at 5 GMAC/s (grouped GE 1.6× and attention 1.3×
     * slower) and 4 ns per activation element moved.
     */
    static double syntheticMs(BlockSpec s) {
        double macs = Units.macs(s);
        double factor = switch (s.type()) {
            case "ge" -> 1.6;
            case "mhsa" -> 1.3;
            default -> 1.0;
        };
        double elements = (double) s.args().inChannels() * s.height() * s.width()
                + (double) s.args().outChannels() * s.height() * s.width() / (s.args().stride() * (double) s.args().stride());
        return 0.02 + macs / 5e9 * 1e3 * factor + 4e-9 * elements * 1e3;
    }

    /** Synthetic samples of specs. */
    static List<Sample> synthetic(List<BlockSpec> specs) {
        List<Sample> out = new ArrayList<>();
        for (BlockSpec s : specs) {
            out.add(new Sample(s, new Measurement(syntheticMs(s), 0, 1)));
        }
        return out;
    }
}
