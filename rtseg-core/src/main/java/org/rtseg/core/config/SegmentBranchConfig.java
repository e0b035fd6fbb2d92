package org.rtseg.core.config;

import java.util.List;

/**
 * The segment branch: the stem to 1/4, then three stages to 1/8, 1/16 and 1/32, then the context
 * embedding at the last stage's width.
 *
 * @param stemChannels output channels of the stem
 * @param stages the three stages
 */
public record SegmentBranchConfig(int stemChannels, List<StageConfig> stages) {

    /**
     * Copies the stages.
     *
     * @param stemChannels output channels of the stem
     * @param stages the three stages; null is kept for validation to report
     */
    public SegmentBranchConfig {
        stages = stages == null ? null : List.copyOf(stages);
    }

    /**
     * Output channels of the branch (the last stage's).
     *
     * @return the last stage's channels
     */
    public int outChannels() {
        return stages.get(stages.size() - 1).channels();
    }
}
