package org.rtseg.latency;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.rtseg.core.Engines;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.training.MomentumSgd;
import org.rtseg.search.ChannelMask;
import org.rtseg.search.SearchSpace;
import org.rtseg.search.SubnetExtractor;

/**
 * Eq. 9 alone: β·((cost − target)/target)² minimised over the architecture parameters (masks and
 * path logits), no task loss. It finds an architecture of the search space at a latency target
 * without training data — what the benchmark uses to compare latency targets against a baseline;
 * a real search adds the segmentation loss ({@code rtseg search}).
 */
public final class TargetSearch {

    private TargetSearch() {}

    /**
     * The subnet a latency-only search reaches: {@link #reach} on a fresh supernet (400 steps, lr
     * 0.02), decided and extracted.
     *
     * @param mlp the latency predictor
     * @param supernet the search space
     * @param targetMs the target, predicted milliseconds at {@code input}
     * @param input the input size latency is predicted at
     * @param device where the subnet is built
     * @return the extracted subnet, freshly initialised; the caller closes it
     */
    public static Model subnet(LatencyMlp mlp, SupernetConfig supernet, double targetMs, Shape input, Device device) {
        try (Model full = ModelDirectory.create(supernet, device)) {
            SearchSpace space = new SearchSpace(ModelDirectory.network(full), 1);
            space.initialize(full.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 64, 64));
            try (LatencyCost cost = new LatencyCost(mlp, space, input)) {
                reach(space, cost, targetMs, 400, 0.02f);
            }
            space.decide();
            space.detach();
            return ModelDirectory.create(new SubnetExtractor(space).config(), device);
        }
    }

    /**
     * Descends to the target in two phases: masks and path logits together with soft path
     * probabilities, then, with each mixed block's path decided (argmax α), the masks alone. The
     * soft cost weighs paths by their probabilities, and their argmax can cost far more: a search at
     * 0.8 × bisenetv2 once reached its target softly and extracted a subnet predicted at 3.6 × the
     * target. The second phase puts the decided network itself at the target.
     *
     * @param space the search space (its masks and logits are changed, its paths decided)
     * @param cost the latency cost of that space
     * @param targetMs the target
     * @param maxSteps steps at most per phase; a phase stops once within ±2 %
     * @param learningRate SGD learning rate (momentum 0.5)
     * @return the predicted latency reached by the decided architecture
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
        descend(space, cost, space.architectureParameters(), targetMs, maxSteps, learningRate);
        space.decide();
        double reached = descend(space, cost, space.masks().stream().map(ChannelMask::weight).toList(), targetMs, maxSteps, learningRate);
        keepOneChannel(space);
        return reached;
    }

    /** SGD on {@code params} toward the target until within ±2 %; returns the last cost. */
    private static double descend(SearchSpace space, LatencyCost cost, List<Parameter> params, double targetMs, int maxSteps, float learningRate) {
        MomentumSgd sgd = MomentumSgd.builder().learningRate((id, n) -> learningRate).momentum(0.5f).build();
        NDManager manager = space.architectureParameters().get(0).getArray().getManager();
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
                for (Parameter p : params) {
                    sgd.update("arch" + i++, p.getArray(), p.getArray().getGradient());
                }
            }
        }
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
