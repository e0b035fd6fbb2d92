package org.rtseg.core.config;

/**
 * A segmentation head's hidden width and dropout.
 *
 * @param channels channels of the 3×3 conv before the classifier
 * @param dropout dropout probability before the classifier (training only)
 */
public record HeadConfig(int channels, double dropout) {}
