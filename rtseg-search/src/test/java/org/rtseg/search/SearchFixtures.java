package org.rtseg.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.SplittableRandom;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.supernet.Supernet;

/** Small search spaces with every kind of tie, and weights that make every channel matter. */
final class SearchFixtures {

    private SearchFixtures() {}

    /** Stage 1: LIR / GE / skip; stage 2: LIR and GE mixed blocks; stage 3: MHSA / LIR (fixed width). */
    static SupernetConfig tiny(int classes) {
        return tiny(classes, 0.1);
    }

    /** {@link #tiny(int)} with another dropout before the classifiers (0: a training step draws no random numbers). */
    static SupernetConfig tiny(int classes, double dropout) {
        return SupernetConfig.fromJson("""
                {"name": "tiny", "numClasses": %d,
                 "detail": {"stages": [[8, 8], [8, 8], [16, 16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}, {"type": "ge", "params": {"expansion": 2}}, {"type": "skip"}]},
                               {"candidates": [{"type": "skip"}, {"type": "lir", "params": {"expansion": 3}}]}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "ge", "params": {"expansion": 2}}, {"type": "lir", "params": {"expansion": 2}}]}]},
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "mhsa", "params": {"heads": 2, "patch": 1}}, {"type": "lir", "params": {"expansion": 2}}]}]}]},
                 "head": {"channels": 24, "dropout": %s},
                 "aux": {"enabled": true, "channels": 8, "dropout": %s}}
                """.formatted(classes, dropout, dropout), "tiny");
    }

    /**
     * Random weights, biases, normalisation terms and BatchNorm statistics, so that a wrong slice
     * shows in the logits. Weights are uniform with variance 2/fan-in and scales and variances in
     * [0.5, 1.5], so that features keep their scale through a deep network (logits of order one,
     * where a float32 comparison at 1e-4 means something); the rest is in [-0.5, 0.5].
     */
    static void randomize(Supernet net, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray a = p.getValue().getArray();
            Shape s = a.getShape();
            float[] v = new float[(int) a.size()];
            boolean positive = p.getKey().endsWith("runningVar") || p.getKey().endsWith("gamma");
            double bound = s.dimension() > 1 ? Math.sqrt(6.0 * s.get(0) / s.size()) : 0.5;
            for (int i = 0; i < v.length; i++) {
                v[i] = positive ? (float) (0.5 + random.nextDouble()) : (float) (bound * (2 * random.nextDouble() - 1));
            }
            a.set(v);
        }
    }

    /** Sets each mask weight at random above or below the threshold, keeping at least one channel. */
    static void pruneAtRandom(SearchSpace space, long seed, double keep) {
        SplittableRandom random = new SplittableRandom(seed);
        for (ChannelMask m : space.masks()) {
            float[] c = new float[m.channels()];
            for (int i = 0; i < c.length; i++) {
                c[i] = random.nextDouble() < keep ? 0.9f : 0.1f;
            }
            c[random.nextInt(c.length)] = 0.9f;
            m.weight().getArray().set(c);
        }
    }

    static NDArray input(NDManager m, long n, long h, long w) {
        return m.randomNormal(0, 1, new Shape(n, 3, h, w), DataType.FLOAT32);
    }
}
