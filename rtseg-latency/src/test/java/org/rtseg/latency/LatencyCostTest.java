package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.Engines;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.training.MomentumSgd;
import org.rtseg.search.ChannelMask;
import org.rtseg.search.GumbelChoice;
import org.rtseg.search.SearchSpace;
import org.rtseg.search.SubnetExtractor;

/** Eq. 9 with the latency predictor: differentiable, consistent with the extracted network, and it drives a search to a target. */
class LatencyCostTest {

    private static final Shape INPUT = new Shape(1, 3, 256, 512);
    private static LatencyMlp mlp;

    @BeforeAll
    static void fit() {
        mlp = LatencyMlpTest.fitSynthetic(Fixtures.tiny(), 400, 800, new ArrayList<>());
        mlp.setNetworkScale(1.1);
    }

    @AfterAll
    static void close() {
        mlp.close();
    }

    @Test
    void gradientMatchesFiniteDifferencesOnTheSoftInputs() {
        try (Model model = ModelDirectory.create(Fixtures.tiny(), Device.cpu()); NDManager m = Engines.pytorch().newBaseManager()) {
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 1);
            space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 64, 64));
            try (LatencyCost cost = new LatencyCost(mlp, space, INPUT)) {
                assertTrue(cost.softCounts() > 10 && cost.paths() > 5, cost.softCounts() + " counts, " + cost.paths() + " paths");
                SplittableRandom random = new SplittableRandom(3);
                float[] counts = new float[cost.softCounts()];
                for (int i = 0; i < counts.length; i++) {
                    counts[i] = (float) (3 + 13 * random.nextDouble());
                }
                float[] probs = new float[cost.paths()];
                for (int i = 0; i < probs.length; i++) {
                    probs[i] = (float) (0.1 + random.nextDouble());
                }
                NDArray c = m.create(counts);
                NDArray p = m.create(probs);
                c.setRequiresGradient(true);
                p.setRequiresGradient(true);
                try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                    gc.backward(cost.cost(c, p));
                }
                float[] gc = c.getGradient().toFloatArray();
                float[] gp = p.getGradient().toFloatArray();
                double scale = 0;
                int checked = 0;
                for (int i = 0; i < counts.length; i++) {
                    double[] fd = differences(cost, m, counts, probs, i, true);
                    if (Math.abs(fd[0] - fd[1]) > 0.02 * Math.abs(fd[0] + fd[1]) / 2 + 2 * fd[2]) {
                        continue; // a ReLU kink of the MLP within ±h: one-sided slopes differ, no derivative to compare
                    }
                    double central = (fd[0] + fd[1]) / 2;
                    // 10 %: float32 sums and the MLP's dense ReLU kinks blur differences by a few per cent;
                    // a wiring error (a wrong column, log base or scale) is off by far more.
                    assertEquals(central, gc[i], 0.1 * Math.abs(central) + fd[2], "count " + i);
                    scale += Math.abs(central);
                    checked++;
                }
                assertTrue(checked >= 0.7 * counts.length, "checked " + checked + " of " + counts.length);
                assertTrue(scale > 1e-2, "the counts matter: " + scale);
                int costly = 0;
                for (int i = 0; i < probs.length; i++) {
                    double[] d = differences(cost, m, counts, probs, i, false);
                    double fd = (d[0] + d[1]) / 2;
                    assertEquals(fd, gp[i], 0.01 * Math.abs(fd) + d[2], "probability " + i);
                    assertTrue(gp[i] >= 0, "no path saves time");
                    costly += gp[i] > 0 ? 1 : 0;
                }
                assertEquals(probs.length - 2, costly, "every path but the two skips costs time");
            }
        }
    }

    /** Forward and backward one-sided differences of the cost in one soft input. */
    private static double[] differences(LatencyCost cost, NDManager m, float[] counts, float[] probs, int i, boolean count) {
        float[] c = counts.clone();
        float[] p = probs.clone();
        float h = count ? 0.003f * counts[i] : 0.01f;
        double mid = cost.cost(m.create(c), m.create(p)).getFloat();
        (count ? c : p)[i] += h;
        double up = cost.cost(m.create(c), m.create(p)).getFloat();
        (count ? c : p)[i] -= 2 * h;
        double down = cost.cost(m.create(c), m.create(p)).getFloat();
        // float32 rounding of a sum of that size (a few dozen units, each rounded), divided by the step:
        // the resolution of the differences
        double noise = 16 * Math.ulp((float) mid) / h;
        return new double[] {(up - mid) / h, (mid - down) / h, noise};
    }

    @Test
    void atBinarisedMasksItIsThePredictionOfTheExtractedNetworkAndGradientsReachTheArchitecture() {
        try (Model model = ModelDirectory.create(Fixtures.tiny(), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 2);
            space.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            SplittableRandom random = new SplittableRandom(9);
            for (ChannelMask mask : space.masks()) {
                float[] w = new float[mask.channels()];
                for (int i = 0; i < w.length; i++) {
                    w[i] = random.nextDouble() < 0.7 ? 0.9f : 0.1f;
                }
                w[0] = 0.9f;
                mask.weight().getArray().set(w);
            }
            for (GumbelChoice g : space.choices()) {
                List<String> types = g.block().candidates().stream().map(MixedBlock.Candidate::type).toList();
                float[] alpha = new float[types.size()];
                alpha[types.contains("mhsa") ? types.indexOf("mhsa") : random.nextInt(alpha.length)] = 100f; // one-hot in probability
                g.logits().getArray().set(alpha);
            }
            space.decide();
            try (LatencyCost cost = new LatencyCost(mlp, space, INPUT); NDManager scope = m.newSubManager()) {
                double soft;
                try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                    NDArray c = cost.cost(space, new ParameterStore(scope, false));
                    soft = c.getFloat();
                    gc.backward(c);
                }
                double masks = 0;
                for (ChannelMask mask : space.masks()) {
                    masks += mask.weight().getArray().getGradient().abs().sum().getFloat();
                }
                assertTrue(masks > 0, "the mask weights get a gradient");
                try (Model sub = ModelDirectory.create(new org.rtseg.search.SubnetExtractor(space).config(), Device.cpu())) {
                    List<BlockSpec> attention = NetworkUnits.specs(ModelDirectory.network(sub), INPUT).stream()
                            .filter(u -> u.type().equals("mhsa")).toList();
                    assertEquals(2, attention.size());
                    for (BlockSpec a : attention) {
                        int patch = a.args().params().get("patch").intValue();
                        int stage = patch == 2 ? 8 : 16; // stage 1 has the patch-2 path, stage 3 the other
                        assertTrue(a.args().inChannels() < stage, "the stage width is pruned: " + a);
                        assertTrue(a.args().widths().get("mlp") < 2 * patch * patch * stage, "the MLP is pruned: " + a);
                        assertEquals(patch * patch * stage, a.args().widths().get("attn"), "the heads are kept whole: " + a);
                    }
                    double hard = mlp.predictNetwork(NetworkUnits.specs(ModelDirectory.network(sub), INPUT));
                    assertEquals(hard, soft, 1e-4 * hard, "soft cost at binarised masks vs the extracted network");
                    assertEquals(org.rtseg.core.complexity.Complexity.of(ModelDirectory.network(sub), INPUT,
                            org.rtseg.core.complexity.Complexity.Options.EVAL).macs(),
                            NetworkUnits.specs(ModelDirectory.network(sub), INPUT).stream().mapToLong(Units::macs).sum());
                }
            }
        }
    }

    /** At path logits away from saturation, ∂cost/∂α through softmax equals finite differences of the cost in α. */
    @Test
    void pathLogitGradientsMatchFiniteDifferences() {
        try (Model model = ModelDirectory.create(Fixtures.tiny(), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 4);
            space.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            SplittableRandom random = new SplittableRandom(21);
            for (GumbelChoice g : space.choices()) {
                float[] alpha = new float[g.block().candidates().size()];
                for (int i = 0; i < alpha.length; i++) {
                    alpha[i] = (float) random.nextGaussian();
                }
                g.logits().getArray().set(alpha);
            }
            try (LatencyCost cost = new LatencyCost(mlp, space, INPUT); NDManager scope = m.newSubManager()) {
                try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                    gc.backward(cost.cost(space, new ParameterStore(scope, false)));
                }
                int checked = 0;
                for (GumbelChoice g : space.choices()) {
                    float[] alpha = g.logits().getArray().toFloatArray();
                    float[] grad = g.logits().getArray().getGradient().toFloatArray();
                    assertEquals(0, sum(grad), 1e-4 * (1 + norm(grad)), "softmax gradients sum to zero");
                    for (int k = 0; k < alpha.length; k++) {
                        float h = 0.05f;
                        double up = costAt(cost, space, scope, g, alpha, k, h);
                        double down = costAt(cost, space, scope, g, alpha, k, -h);
                        g.logits().getArray().set(alpha);
                        double fd = (up - down) / (2 * h);
                        assertEquals(fd, grad[k], 0.02 * Math.abs(fd) + 1e-3, "α[" + k + "] of " + g.block());
                        checked += Math.abs(fd) > 1e-2 ? 1 : 0;
                    }
                }
                assertTrue(checked >= space.choices().size(), "the paths' costs differ: " + checked + " informative logits");
            }
        }
    }

    private static double costAt(LatencyCost cost, SearchSpace space, NDManager scope, GumbelChoice g, float[] alpha, int k, float h) {
        float[] moved = alpha.clone();
        moved[k] += h;
        g.logits().getArray().set(moved);
        return cost.cost(space, new ParameterStore(scope, false)).getFloat();
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += Math.abs(x);
        }
        return s;
    }

    @Test
    void theRegulariserAloneDrivesTheArchitectureToTheTarget() {
        try (Model model = ModelDirectory.create(Fixtures.tiny(), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 1);
            space.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            SplittableRandom random = new SplittableRandom(5);
            for (ChannelMask mask : space.masks()) {
                float[] c = new float[mask.channels()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = (float) (0.6 + 0.8 * random.nextDouble());
                }
                mask.weight().getArray().set(c);
            }
            try (LatencyCost cost = new LatencyCost(mlp, space, INPUT)) {
                double full = cost.cost(space, new ParameterStore(m, false)).getFloat();
                double target = 0.7 * full;
                // Small steps: one that overshoots far below the target can leave every mask of a group
                // under 0.5, where the clamped channel count passes no gradient back (seen at lr 0.02).
                MomentumSgd sgd = MomentumSgd.builder().learningRate((id, n) -> 0.005f).momentum(0.5f).build();
                double reached = full;
                List<Parameter> arch = space.architectureParameters();
                for (int step = 0; step < 1500 && Math.abs(reached - target) > 0.02 * target; step++) {
                    try (NDManager scope = m.newSubManager()) {
                        try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                            NDArray c = cost.cost(space, new ParameterStore(scope, false));
                            reached = c.getFloat();
                            gc.backward(c.sub((float) target).div((float) target).square().mul(50f));
                        }
                        int i = 0;
                        for (Parameter p : arch) {
                            sgd.update("p" + i++, p.getArray(), p.getArray().getGradient());
                        }
                    }
                }
                assertEquals(target, reached, 0.05 * target, "full " + full + " ms, target " + target);
            }
        }
    }

    @Test
    void targetSearchReachesATargetAndLeavesAChannelInEveryGroup() {
        try (Model model = ModelDirectory.create(Fixtures.tiny(), Device.cpu())) {
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 1);
            space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 64, 64));
            double full;
            double reached;
            try (LatencyCost cost = new LatencyCost(mlp, space, INPUT)) {
                full = cost.cost(space, new ParameterStore(model.getNDManager(), false)).getFloat();
                reached = TargetSearch.reach(space, cost, 0.6 * full, 400, 0.02f);
                assertEquals(0.6 * full, reached, 0.05 * 0.6 * full);
            }
            space.decide();
            try (Model sub = ModelDirectory.create(new SubnetExtractor(space).config(), Device.cpu())) {
                double extracted = mlp.predictNetwork(NetworkUnits.specs(ModelDirectory.network(sub), INPUT));
                // what reach returns is the decided network's prediction, not a mixture over paths
                assertEquals(reached, extracted, 1e-4 * extracted, "the extracted subnet is what the search reached");
            }
            ChannelMask first = space.masks().get(0);
            first.weight().getArray().set(new float[first.channels()]);
            TargetSearch.keepOneChannel(space);
            for (ChannelMask mask : space.masks()) {
                assertTrue(mask.weight().getArray().gt(ChannelMask.THRESHOLD).sum().getLong() >= 1);
            }
            assertEquals(1, first.weight().getArray().gt(ChannelMask.THRESHOLD).sum().getLong());
            space.decide();
            try (Model sub = ModelDirectory.create(new org.rtseg.search.SubnetExtractor(space).config(), Device.cpu())) {
                assertTrue(!ModelDirectory.network(sub).config().widths().isEmpty());
            }
        }
    }
}
