package org.rtseg.core.config;

import java.util.List;

/**
 * A mixed block: its candidate paths and the chosen one.
 *
 * @param candidates the candidate paths, at least one
 * @param choice the index of the chosen path (default 0)
 */
public record MixedBlockConfig(List<BlockConfig> candidates, int choice) {

    /**
     * Copies the candidates.
     *
     * @param candidates the candidate paths; null is kept for validation to report
     * @param choice the index of the chosen path, or {@link org.rtseg.core.blocks.MixedBlock#AVERAGE}
     */
    public MixedBlockConfig {
        candidates = candidates == null ? null : List.copyOf(candidates);
    }
}
