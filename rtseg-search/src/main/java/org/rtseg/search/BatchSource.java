package org.rtseg.search;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Training batches by iteration number: the same iteration always gives the same batch, so a
 * resumed run sees exactly what an uninterrupted one would.
 */
@FunctionalInterface
public interface BatchSource {

    /**
     * @param manager where the arrays go (closed after the step)
     * @param iteration the iteration, from 0
     * @return images N×3×H×W float32 and labels N×H×W int32 (255 = ignore)
     */
    NDList batch(NDManager manager, long iteration);
}
