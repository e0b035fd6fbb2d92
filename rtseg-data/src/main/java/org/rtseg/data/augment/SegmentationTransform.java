package org.rtseg.data.augment;

import java.util.SplittableRandom;
import org.rtseg.data.LabeledImage;

/** Turns a decoded sample into network input, jointly for image and label. */
public interface SegmentationTransform {

    /**
     * Applies the transform.
     *
     * @param sample decoded image and class-id label of equal size
     * @param random the sample's own random stream, derived from (seed, epoch, index) so that results do
     *     not depend on which thread runs it or in which order; deterministic transforms ignore it
     * @return the normalised image and its label, at the transform's output size
     */
    TransformedSample apply(LabeledImage sample, SplittableRandom random);
}
