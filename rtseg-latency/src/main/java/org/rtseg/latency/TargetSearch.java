package org.rtseg.latency;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.rtseg.core.Engines;
import org.rtseg.core.training.MomentumSgd;
import org.rtseg.search.ChannelMask;
import org.rtseg.search.SearchSpace;

/**
 * Eq. 9 alone: β·((cost − target)/target)² minimised over the architecture parameters (masks and
 * path logits), no task loss. It finds an architecture of the search space at a latency target
 * without training data — what the benchmark uses to compare latency targets against a baseline;
 * a real search adds the segmentation loss ({@code rtseg search}).
 */
public final class TargetSearch {

    private TargetSearch() {}

    /**
     * @param space the search space (its masks and logits are changed)
     * @param cost the latency cost of that space
     * @param targetMs the target
     * @param maxSteps steps at most; stops once within ±2 %
     * @param learningRate SGD learning rate (momentum 0.5)
     * @return the predicted latency reached
     */
    public static double reach(SearchSpace space, LatencyCost cost, double targetMs, int maxSteps, float learningRate) {
        // Without a task loss every channel of a group has the same gradient, and weights that start
        // equal would cross the threshold together: spread them (seeded) so channels leave one by one.
        java.util.SplittableRandom random = new java.util.SplittableRandom(17);
        for (ChannelMask mask : space.masks()) {
            float[] c = mask.weight().getArray().toFloatArray();
            for (int i = 0; i < c.length; i++) {
                c[i] += (float) (0.4 * (random.nextDouble() - 0.5));
            }
            mask.weight().getArray().set(c);
        }
        MomentumSgd sgd = MomentumSgd.builder().learningRate((id, n) -> learningRate).momentum(0.5f).build();
        List<Parameter> arch = space.architectureParameters();
        NDManager manager = arch.get(0).getArray().getManager();
        double reached = Double.NaN;
        for (int step = 0; step < maxSteps; step++) {
            try (NDManager scope = manager.newSubManager()) {
                try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                    NDArray c = cost.cost(space, new ParameterStore(scope, false));
                    reached = c.getFloat();
                    if (Math.abs(reached - targetMs) <= 0.02 * targetMs) {
                        break;
                    }
                    gc.backward(c.sub((float) targetMs).div((float) targetMs).square().mul(50f));
                }
                int i = 0;
                for (Parameter p : arch) {
                    sgd.update("arch" + i++, p.getArray(), p.getArray().getGradient());
                }
            }
        }
        keepOneChannel(space);
        return reached;
    }

    /**
     * Keeps at least one channel in every group: a group whose mask weights all fell below the
     * threshold gets its largest weight set just above it (a network needs a channel per feature).
     *
     * @param space the search space whose mask weights are adjusted in place
     */
    public static void keepOneChannel(SearchSpace space) {
        for (ChannelMask mask : space.masks()) {
            float[] c = mask.weight().getArray().toFloatArray();
            int best = 0;
            for (int i = 0; i < c.length; i++) {
                if (c[i] > ChannelMask.THRESHOLD) {
                    best = -1;
                    break;
                }
                best = c[i] > c[best] ? i : best;
            }
            if (best >= 0) {
                c[best] = ChannelMask.THRESHOLD + 0.01f;
                mask.weight().getArray().set(c);
            }
        }
    }
}
