package org.rtseg.core.complexity;

import ai.djl.ndarray.types.Shape;

/**
 * A block that knows its own cost: the paper's counting rule applied analytically to an input
 * shape, so MACs and parameters of any configuration are known without running it.
 */
public interface Countable {

    /**
     * Adds this block's parameters and multiply-accumulates for one input of the given shape.
     *
     * @param input the NCHW input shape
     * @param tally where costs are added
     * @return the output shape
     */
    Shape count(Shape input, Tally tally);
}
