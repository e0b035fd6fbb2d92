package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * The common mask point: multiplies NCHW features by their space's mask on the channel axis, so
 * pruned channels are exactly zero; the identity while no mask is attached.
 */
public final class MaskPoint implements Masked {

    private Source source;

    @Override
    public void setMask(Source source) {
        this.source = source;
    }

    /**
     * Whether a mask is attached.
     *
     * @return true if a mask source is set
     */
    public boolean isSet() {
        return source != null;
    }

    /**
     * The features with masked channels zeroed, or the features themselves without a mask.
     *
     * @param ps the forward pass's parameter store, passed to the mask source
     * @param features NCHW features, one channel per entry of the mask
     * @param training whether the forward pass trains, passed to the mask source
     * @return the masked features, or {@code features} itself without a mask
     */
    public NDArray apply(ParameterStore ps, NDArray features, boolean training) {
        if (source == null) {
            return features;
        }
        NDArray m = source.mask(ps, features.getDevice(), training);
        return features.mul(m.reshape(1, m.size(), 1, 1));
    }
}
