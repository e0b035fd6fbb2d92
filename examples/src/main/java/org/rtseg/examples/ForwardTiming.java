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
        ParameterStore ps = new ParameterStore(manager, false);
        for (int i = -warmup; i < runs; i++) {
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.randomNormal(input);
                long t0 = System.nanoTime();
                NDArray out = block.forward(ps, new NDList(x), false).head();
                out.get(0, 0, 0, 0).getFloat(); // waits for asynchronous devices
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        return new ForwardTiming(median, ms[0], ms[runs - 1], runs);
    }
}
