package org.rtseg.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Arrays;

/** Eval-forward latency of a block: warm-up, then the median, min and max of timed runs. */
record ForwardTiming(double medianMs, double minMs, double maxMs, int runs) {

    /**
     * @param block the network, initialised
     * @param manager where its parameters live; each run has its own scope (every array of a
     *     forward belongs to its input's manager)
     * @param input the input shape
     */
    static ForwardTiming measure(Block block, NDManager manager, Shape input, int warmup, int runs) {
        double[] ms = new double[runs];
        for (int i = -warmup; i < runs; i++) {
            double t = once(block, manager, input);
            if (i >= 0) {
                ms[i] = t;
            }
        }
        Arrays.sort(ms);
        return new ForwardTiming(median(ms), ms[0], ms[runs - 1], runs);
    }

    /** One eval-mode forward pass on a random input, in ms, in its own scope. */
    static double once(Block block, NDManager manager, Shape input) {
        try (NDManager step = manager.newSubManager()) {
            NDArray x = step.randomNormal(input);
            long t0 = System.nanoTime();
            NDArray out = block.forward(new ParameterStore(step, false), new NDList(x), false).head();
            out.get(0, 0, 0, 0).getFloat(); // waits for asynchronous devices
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** The median of sorted values. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
