package org.rtseg.core.config;

import java.util.List;

/**
 * A segment-branch stage: a stride-2 downsample block to {@code channels}, then mixed blocks.
 *
 * @param channels output channels of the stage
 * @param downsample the stride-2 block opening the stage
 * @param blocks the mixed blocks, in order
 */
public record StageConfig(int channels, BlockConfig downsample, List<MixedBlockConfig> blocks) {

    /**
     * Copies the blocks.
     *
     * @param channels output channels of the stage
     * @param downsample the stride-2 block opening the stage
     * @param blocks the mixed blocks, in order; null means none
     */
    public StageConfig {
        blocks = blocks == null ? List.of() : List.copyOf(blocks);
    }
}
