package org.rtseg.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * A point of a network that width search hands the binary mask of a channel space (paper eq. 3–4):
 * every convolution that writes a prunable space, and the places {@link ChannelGraph#mask} records,
 * where an operation would otherwise turn a pruned (zero) channel into a non-zero value or let it
 * change the kept ones (a BatchNorm shift, a LayerNorm's statistics). With the masks attached the
 * supernet computes exactly what the extracted subnet, where those channels are gone, computes.
 */
public interface Masked {

    /** The binary mask of one channel space, drawn in the forward pass. */
    @FunctionalInterface
    interface Source {
        /**
         * @param ps the parameter store of the forward pass
         * @param device where the features are
         * @param training whether this is a training forward
         * @return the 0/1 mask, one value per channel of the space, with the straight-through
         *     estimator's gradient
         */
        NDArray mask(ParameterStore ps, Device device, boolean training);
    }

    /**
     * Sets the mask; {@code null} removes it, and the network runs unmasked.
     *
     * @param source draws the mask in each forward pass, or null
     */
    void setMask(Source source);
}
