package org.rtseg.core.blocks;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a block type is built from: its place in the network (channels in and out, stride), its own
 * parameters (expansion, heads, kernel…), already completed with the type's defaults, and the
 * internal widths that width search has changed.
 *
 * @param inChannels input channels
 * @param outChannels output channels
 * @param stride spatial stride (1, or 2 for a stage's downsample block)
 * @param params the type's parameters by name
 * @param widths internal widths by local key (e.g. {@code expand}), overriding what the parameters
 *     imply; empty for an unpruned block
 */
public record BlockArgs(
        int inChannels, int outChannels, int stride, Map<String, Double> params, Map<String, Integer> widths) {

    /**
     * Copies both maps, so the arguments are immutable, in key order: {@code Map.copyOf}'s order
     * changes from one JVM to the next, and a random draw per entry (a latency sampler's) must give
     * the same units in every run.
     *
     * @param inChannels input channels
     * @param outChannels output channels
     * @param stride spatial stride
     * @param params the type's parameters by name
     * @param widths internal widths by local key; empty for an unpruned block
     */
    public BlockArgs {
        params = sorted(params);
        widths = sorted(widths);
    }

    private static <V> Map<String, V> sorted(Map<String, V> map) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(Map.copyOf(map)));
    }

    /**
     * Arguments of an unpruned block.
     *
     * @param inChannels input channels
     * @param outChannels output channels
     * @param stride spatial stride (1, or 2 for a stage's downsample block)
     * @param params the type's parameters by name
     */
    public BlockArgs(int inChannels, int outChannels, int stride, Map<String, Double> params) {
        this(inChannels, outChannels, stride, params, Map.of());
    }

    /**
     * A parameter's value.
     *
     * @param name the parameter's name
     * @return its value
     * @throws IllegalArgumentException if there is no such parameter
     */
    public double param(String name) {
        Double v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' (have " + params.keySet() + ")");
        }
        return v;
    }

    /**
     * A parameter that must be a positive whole number.
     *
     * @param name the parameter's name
     * @return its value as an int
     * @throws IllegalArgumentException if there is no such parameter or it is not a positive integer
     */
    public int intParam(String name) {
        double v = param(name);
        if (v != Math.rint(v) || v < 1) {
            throw new IllegalArgumentException("parameter '" + name + "' must be a positive integer, was " + v);
        }
        return (int) v;
    }

    /**
     * The internal widths, to be read by the block as it builds itself.
     *
     * @param type the scope named in error messages, usually the block type's name
     * @return the {@link #widths} as a {@link org.rtseg.core.nn.Widths}
     */
    public org.rtseg.core.nn.Widths widthOverrides(String type) {
        return new org.rtseg.core.nn.Widths(type, widths);
    }

    /**
     * Whether the block keeps the shape of its input.
     *
     * @return true if the stride is 1 and the channel count does not change
     */
    public boolean preservesShape() {
        return stride == 1 && inChannels == outChannels;
    }
}
