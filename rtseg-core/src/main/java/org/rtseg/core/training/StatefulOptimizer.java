package org.rtseg.core.training;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * An optimiser whose state (momentum buffers, moment estimates) can be saved and restored, which
 * DJL's optimisers do not offer: without it a resumed run would restart its momentum from zero.
 */
public interface StatefulOptimizer {

    /**
     * The state by key (live arrays; copy before the next update).
     *
     * @return state key (derived from the parameter id) → array
     */
    Map<String, NDArray> state();

    /**
     * Replaces the state with saved arrays, which are taken over.
     *
     * @param saved arrays keyed as {@link #state()} returned them
     */
    void restore(Map<String, NDArray> saved);
}
