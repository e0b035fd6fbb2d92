package org.rtseg.core.config;

import java.util.List;

/**
 * The detail branch: three stages of 3×3 conv-BN-ReLU layers, the first layer of each with stride
 * 2, so the branch ends at 1/8.
 *
 * @param stages the output channels of every layer, per stage
 */
public record DetailBranchConfig(List<List<Integer>> stages) {

    /**
     * Copies the lists.
     *
     * @param stages the output channels of every layer, per stage; nulls are kept for validation to
     *     report
     */
    public DetailBranchConfig {
        stages = stages == null ? null : stages.stream().map(s -> s == null ? null : List.copyOf(s)).toList();
    }

    /**
     * Output channels of the branch.
     *
     * @return the channels of the last layer of the last stage
     */
    public int outChannels() {
        List<Integer> last = stages.get(stages.size() - 1);
        return last.get(last.size() - 1);
    }
}
