package org.rtseg.core.complexity;

import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accumulates parameters and multiply-accumulates per module path while a network counts itself.
 *
 * <p>Counting rules (paper, §Experiments; the same as the BiSeNetV2 baseline figures): a
 * convolution costs {@code Cout·Hout·Wout·k²·Cin/groups} MACs, a fully connected layer {@code
 * tokens·in·out}, an attention matmul {@code heads·N·N·d}. Normalisation, activations, pooling and
 * resizing cost no MACs. Parameters are the trainable ones (BatchNorm running statistics are not).
 */
public final class Tally {

    private final String path;
    private final Map<String, long[]> totals;
    private final Complexity.Options options;
    private final Map<Object, Shape> inputs;

    private Tally(String path, Map<String, long[]> totals, Complexity.Options options, Map<Object, Shape> inputs) {
        this.path = path;
        this.totals = totals;
        this.options = options;
        this.inputs = inputs;
    }

    /** A tally that records into a fresh table. */
    static Tally recording(Complexity.Options options) {
        return new Tally("", new LinkedHashMap<>(), options, null);
    }

    /**
     * A tally that records nothing: used for shape inference.
     *
     * @return a tally with the {@link Complexity.Options#EVAL} options that keeps no counts
     */
    public static Tally discarding() {
        return new Tally("", null, Complexity.Options.EVAL, null);
    }

    /**
     * A tally that records nothing but the input shape of every convolution and mixed block it
     * passes, as cost models need them.
     *
     * @param options which parts of the network the walk passes through
     * @param inputs receives block → input shape (N, C, H, W); keys are compared as the map does
     * @return a tally that keeps no counts
     */
    public static Tally observing(Complexity.Options options, Map<Object, Shape> inputs) {
        return new Tally("", null, options, inputs);
    }

    /**
     * The tally of a sub-module.
     *
     * @param name the sub-module's name, appended to this tally's path with a dot
     * @return a tally that records into the same table under the longer path
     */
    public Tally scope(String name) {
        return new Tally(path.isEmpty() ? name : path + "." + name, totals, options, inputs);
    }

    /**
     * Records the input shape of a block, when observing.
     *
     * @param block the block being counted
     * @param input its input shape
     */
    public void observe(Object block, Shape input) {
        if (inputs != null) {
            inputs.put(block, input);
        }
    }

    /**
     * The counting options: whether aux heads and unchosen candidate paths count.
     *
     * @return the options this tally was made with
     */
    public Complexity.Options options() {
        return options;
    }

    /**
     * Adds a convolution.
     *
     * @param weights number of conv weights ({@code Cout·k²·Cin/groups})
     * @param outputPixels {@code Hout·Wout}
     * @param biases number of bias terms
     */
    public void convolution(long weights, long outputPixels, long biases) {
        add(weights + biases, weights, weights * outputPixels);
    }

    /**
     * Adds a fully connected layer applied to {@code tokens} tokens.
     *
     * @param in input features
     * @param out output features
     * @param tokens number of tokens (positions) the layer is applied to
     * @param bias whether the layer has {@code out} bias terms
     */
    public void linear(long in, long out, long tokens, boolean bias) {
        add(in * out + (bias ? out : 0), 0, in * out * tokens);
    }

    /**
     * Adds parameters that cost no MACs (normalisation affine terms).
     *
     * @param count number of parameters
     */
    public void parameters(long count) {
        add(count, 0, 0);
    }

    /**
     * Adds MACs of a parameter-free product (attention matmuls).
     *
     * @param count number of multiply-accumulates
     */
    public void macs(long count) {
        add(0, 0, count);
    }

    private void add(long params, long convParams, long macs) {
        if (totals == null) {
            return;
        }
        long[] t = totals.computeIfAbsent(path, k -> new long[3]);
        t[0] += params;
        t[1] += convParams;
        t[2] += macs;
    }

    Map<String, long[]> totals() {
        return totals;
    }
}
