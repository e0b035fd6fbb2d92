package org.rtseg.search;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * The cost of the architecture a search is at, differentiable in its architecture parameters (paper
 * eq. 8–9): soft channel counts Σb through the straight-through estimator and path probabilities
 * softmax(α). The search adds β·|cost − target|² to its loss. {@link MacCost} counts MACs; the
 * latency module predicts milliseconds.
 */
public interface CostModel {

    /**
     * @param space the search space, attached to its supernet
     * @param ps the parameter store of the step
     * @return the cost, a scalar NDArray in {@link #unit()}
     */
    NDArray cost(SearchSpace space, ParameterStore ps);

    /**
     * The unit of costs and targets, e.g. {@code GMACs} or {@code ms}.
     *
     * @return the unit's short name, as printed in logs and reports
     */
    String unit();
}
