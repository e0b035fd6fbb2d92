package org.rtseg.core;

import org.rtseg.core.config.SupernetConfig;

/** Small networks for fast tests. */
public final class TinyConfigs {

    private TinyConfigs() {}

    /** A narrow BiSeNetV2-shaped network with every built-in block type as a candidate. */
    public static SupernetConfig tinySupernet(int classes) {
        return SupernetConfig.fromJson("""
                {"name": "tiny", "numClasses": %d,
                 "detail": {"stages": [[8, 8], [8, 8], [16, 16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}, {"type": "skip"}]}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "ge", "params": {"expansion": 2}}]}]},
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "mhsa", "params": {"heads": 2, "patch": 1}}, {"type": "lir"}], "choice": 0}]}]},
                 "head": {"channels": 32, "dropout": 0.1},
                 "aux": {"enabled": true, "channels": 16, "dropout": 0.1}}
                """.formatted(classes), "tiny");
    }
}
