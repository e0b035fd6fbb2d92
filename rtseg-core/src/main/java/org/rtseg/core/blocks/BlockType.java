package org.rtseg.core.blocks;

import java.util.Map;
import org.rtseg.core.nn.RtsegBlock;

/**
 * A named kind of block that can fill a stage's downsample slot or be a candidate path of a {@link
 * MixedBlock} — the extension point of the search space.
 *
 * <p>A type gives its parameters with defaults, checks that arguments can make a block, and builds
 * it. The block it builds counts its own parameters and MACs ({@link
 * org.rtseg.core.complexity.Countable}); its latency features are derived from its {@link
 * BlockSpec}. Register a type with {@link BlockTypes#register} or through {@link
 * java.util.ServiceLoader} ({@code META-INF/services/org.rtseg.core.blocks.BlockType}); configs
 * then name it in {@code "type"}.
 */
public interface BlockType {

    /**
     * The name configs use, e.g. {@code "lir"}.
     *
     * @return the type's name, unique in {@link BlockTypes}
     */
    String name();

    /**
     * The parameters this type accepts, with their defaults.
     *
     * @return parameter name → default value; a parameter not in this map is rejected
     */
    Map<String, Double> defaults();

    /**
     * Checks that the arguments can make a block.
     *
     * @param args the arguments, already completed with {@link #defaults()}
     * @throws IllegalArgumentException saying what is impossible (e.g. a skip with stride 2)
     */
    default void validate(BlockArgs args) {}

    /**
     * Builds a block; {@link #validate} has passed.
     *
     * @param args the validated arguments
     * @return a new, uninitialised block
     */
    RtsegBlock build(BlockArgs args);
}
