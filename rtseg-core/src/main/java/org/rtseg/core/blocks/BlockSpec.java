package org.rtseg.core.blocks;

/**
 * Everything that changes a block's latency (paper §Latency constraint: block type, input and
 * output channels, feature size, kernel, stride and the type's own parameters), the key of
 * latency measurements and the input of the latency predictor.
 *
 * @param type the registered block type name
 * @param args channels, stride and the type's parameters
 * @param height input feature height
 * @param width input feature width
 */
public record BlockSpec(String type, BlockArgs args, long height, long width) {}
