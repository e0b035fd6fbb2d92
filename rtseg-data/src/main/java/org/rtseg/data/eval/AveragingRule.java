package org.rtseg.data.eval;

/**
 * How per-class scores are averaged into mIoU/mAcc. The official evaluators disagree, and a number
 * is only comparable with a paper's when it uses the same rule, so every {@link SegmentationMetrics}
 * says which one it used.
 */
public enum AveragingRule {
    /**
     * cityscapesScripts ({@code getScoreAverage}): the mean over classes whose score is defined; a class
     * with {@code tp + fp + fn == 0} (absent from the ground truth and never predicted) is NaN and left out.
     * Also the rule of mmsegmentation ({@code nanmean}) that VOC results are usually reported with.
     */
    NON_NAN_CLASSES,
    /**
     * ADE20K scene-parsing devkit ({@code intersectionAndUnion}): the mean over all classes, where an
     * undefined score counts as 0 (the devkit divides by {@code union + eps}).
     */
    ALL_CLASSES
}
