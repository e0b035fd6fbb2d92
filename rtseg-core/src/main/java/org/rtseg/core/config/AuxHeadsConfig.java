package org.rtseg.core.config;

/**
 * The auxiliary heads on the stem and each segment stage (the booster of eq. 12, γ term).
 *
 * @param enabled whether the network has them (they run in training only)
 * @param channels hidden width of each aux head
 * @param dropout dropout probability before each aux classifier
 */
public record AuxHeadsConfig(boolean enabled, int channels, double dropout) {}
