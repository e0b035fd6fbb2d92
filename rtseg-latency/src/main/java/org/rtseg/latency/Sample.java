package org.rtseg.latency;

import org.rtseg.core.blocks.BlockSpec;

/**
 * One row of a latency dataset: a unit and its measured latency.
 *
 * @param spec the unit
 * @param measurement its latency
 */
public record Sample(BlockSpec spec, Measurement measurement) {

    /**
     * The median, milliseconds.
     *
     * @return the measurement's median
     */
    public double ms() {
        return measurement.medianMs();
    }
}
