package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * Multiplies a feature map by a per-channel factor during search: width search's binary channel
 * masks (paper eq. 3–4) plug in here. The network runs unchanged when no gate is set.
 */
@FunctionalInterface
public interface ChannelGate {

    /**
     * @param ps the parameter store of the forward pass
     * @param features N×C×H×W features
     * @param training whether this is a training forward
     * @return the gated features
     */
    NDArray apply(ParameterStore ps, NDArray features, boolean training);
}
