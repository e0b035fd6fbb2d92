package org.rtseg.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Re-estimates the BatchNorm running statistics of a network as the mean of the batch statistics
 * over some batches, without changing a weight (train-mode forward passes, no gradients) — what
 * once-for-all and BigNAS do before evaluating a path of a weight-sharing supernet.
 *
 * <p>Why: a supernet pretrained with a randomly sampled path per step accumulates running statistics
 * over a mix of paths, while a fixed network (a single path, or the average of the paths the
 * teacher runs) sees other feature statistics; evaluated with the mixed ones it scores far below
 * what its weights can do.
 *
 * <p>How: before each batch the running statistics are zeroed, so that after the forward pass they
 * hold (1 − m)·(the batch's statistics) with m = {@value #MOMENTUM} (PyTorch's momentum 0.1, which
 * every BatchNorm of rtseg uses); the batch statistics are accumulated and their mean is installed
 * at the end — the exact cumulative average PyTorch keeps with {@code momentum=None}, over every
 * BatchNorm the forward pass reaches.
 */
public final class BatchNormCalibration {

    /** DJL's running-statistics momentum of rtseg's BatchNorms: running ← m·running + (1 − m)·batch. */
    static final float MOMENTUM = 0.9f;

    private BatchNormCalibration() {}

    /**
     * @param net the network (its forward pass takes an image batch)
     * @param manager the manager of the network's parameters
     * @param batches number of forward passes
     * @param images the image batch of pass {@code i}, created in the given per-pass scope
     * @return the number of BatchNorms re-estimated (those the passes reached)
     */
    public static int recalibrate(Block net, NDManager manager, int batches, BiFunction<NDManager, Integer, NDArray> images) {
        if (batches < 1) {
            throw new IllegalArgumentException("BatchNorm calibration needs at least one batch, got " + batches);
        }
        List<Stats> norms = new ArrayList<>();
        collect(net, norms);
        for (int i = 0; i < batches; i++) {
            try (NDManager scope = manager.newSubManager()) {
                norms.forEach(Stats::zero);
                net.forward(new ParameterStore(scope, false), new NDList(images.apply(scope, i)), true);
                norms.forEach(Stats::accumulate);
            }
        }
        int reached = 0;
        for (Stats s : norms) {
            reached += s.install(batches) ? 1 : 0;
        }
        return reached;
    }

    private static void collect(Block block, List<Stats> into) {
        if (block instanceof BatchNorm bn) {
            into.add(new Stats(parameter(bn, "runningMean"), parameter(bn, "runningVar")));
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collect(child.getValue(), into);
        }
    }

    private static NDArray parameter(BatchNorm bn, String name) {
        return bn.getDirectParameters().get(name).getArray();
    }

    /** One BatchNorm's running statistics and the sums of its batch statistics. */
    private static final class Stats {
        private final NDArray mean;
        private final NDArray var;
        private final float[] previousMean;
        private final float[] previousVar;
        private final double[] sumMean;
        private final double[] sumVar;
        private boolean reached;

        Stats(NDArray mean, NDArray var) {
            this.mean = mean;
            this.var = var;
            previousMean = mean.toFloatArray();
            previousVar = var.toFloatArray();
            sumMean = new double[previousMean.length];
            sumVar = new double[previousVar.length];
        }

        void zero() {
            mean.set(new float[sumMean.length]);
            var.set(new float[sumVar.length]);
        }

        void accumulate() {
            float[] m = mean.toFloatArray();
            float[] v = var.toFloatArray();
            for (int c = 0; c < m.length; c++) {
                sumMean[c] += m[c] / (1 - MOMENTUM);
                sumVar[c] += v[c] / (1 - MOMENTUM);
                reached |= v[c] != 0;
            }
        }

        /** Installs the means; a BatchNorm no pass reached gets its old statistics back. */
        boolean install(int batches) {
            if (!reached) {
                mean.set(previousMean);
                var.set(previousVar);
                return false;
            }
            float[] m = new float[sumMean.length];
            float[] v = new float[sumVar.length];
            for (int c = 0; c < m.length; c++) {
                m[c] = (float) (sumMean[c] / batches);
                v[c] = (float) (sumVar[c] / batches);
            }
            mean.set(m);
            var.set(v);
            return true;
        }
    }
}
