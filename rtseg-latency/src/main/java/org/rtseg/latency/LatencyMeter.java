package org.rtseg.latency;

import org.rtseg.core.blocks.BlockSpec;

/** Measures the latency of one unit (a block or another part of a network, see {@link Units}) on a device. */
public interface LatencyMeter {

    /**
     * @param spec the unit
     * @return its latency
     * @throws IllegalArgumentException when the unit cannot be built or has no measurement
     */
    Measurement measure(BlockSpec spec);

    /**
     * The device the latencies are of, for metadata, e.g. {@code cpu} or {@code pixel7-cpu}.
     *
     * @return the device's name
     */
    String device();
}
