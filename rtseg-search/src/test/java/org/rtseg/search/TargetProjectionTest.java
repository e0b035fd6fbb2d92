package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;

/** The decided architecture lands on the target, keeping the channels the search ranked highest. */
class TargetProjectionTest {

    private static final Shape FULL = new Shape(1, 3, 512, 1024);

    /**
     * Random mask weights, or every weight still at its initial 1 (as after a short search): tied
     * weights across masks must not be pruned together in one step.
     */
    @ParameterizedTest(name = "{0} at {1} of its largest cost, tied weights: {2}")
    @CsvSource({"tiny, 0.55, false", "tiny, 0.8, false", "supernet, 0.5, false", "supernet, 0.3, false",
        "tiny, 0.55, true", "tiny, 0.8, true", "supernet, 0.5, true", "supernet, 0.3, true"})
    void decidedCostLandsWithinThreePercentOfTheTarget(String network, double ratio, boolean tied) {
        SupernetConfig config = network.equals("tiny") ? SearchFixtures.tiny(4) : SupernetConfig.preset(network);
        try (Model model = ModelDirectory.create(config, Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = SearchSpace.create(model, 1);
            MacCost cost = new MacCost(space, FULL);
            double largest = cost.cost(space, new ParameterStore(m, false)).getFloat();
            SplittableRandom random = new SplittableRandom(17);
            for (GumbelChoice g : space.choices()) {
                float[] alpha = new float[g.block().candidates().size()];
                for (int i = 0; i < alpha.length; i++) {
                    alpha[i] = (float) random.nextGaussian();
                }
                g.logits().getArray().set(alpha);
            }
            for (ChannelMask mask : space.masks()) {
                float[] c = new float[mask.channels()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = tied ? 1f : (float) random.nextDouble();
                }
                mask.weight().getArray().set(c);
            }
            float[][] before = new float[space.masks().size()][];
            for (int i = 0; i < before.length; i++) {
                before[i] = space.masks().get(i).weight().getArray().toFloatArray();
            }
            double target = ratio * largest;
            TargetProjection.Result r = TargetProjection.project(space, cost, target, m);
            assertEquals(target, r.projected(), 0.03 * target, "decided " + r.decided() + " → " + r.projected() + " for " + target);
            assertTrue(Math.abs(r.projected() - target) <= Math.abs(r.decided() - target), "never further from the target");
            try (Model subnet = new SubnetExtractor(space).extract(Device.cpu())) {
                double extracted = Complexity.of(ModelDirectory.network(subnet), FULL, Complexity.Options.EVAL).macs() / 1e9;
                assertEquals(r.projected(), extracted, 1e-4 * extracted, "the extracted subnet costs what the projection says");
            }
            for (int i = 0; i < before.length; i++) {
                assertOrderKept(before[i], space.masks().get(i).weight().getArray().toFloatArray());
            }
        }
    }

    /** When every channel is already kept and the cheap paths won, the least unlikely costlier paths are taken. */
    @Test
    void pathsSwitchWhenTheMasksCannotReachTheTarget() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = SearchSpace.create(model, 1);
            MacCost cost = new MacCost(space, FULL);
            double largest = cost.cost(space, new ParameterStore(m, false)).getFloat();
            for (GumbelChoice g : space.choices()) {
                float[] alpha = new float[g.block().candidates().size()];
                for (int i = 0; i < alpha.length; i++) {
                    boolean skip = g.block().candidates().get(i).type().equals("skip");
                    alpha[i] = skip ? 2f : -0.1f * i; // skip wins where there is one; otherwise the first path
                }
                g.logits().getArray().set(alpha);
            }
            space.decide();
            double cheapest = cost.cost(space, new ParameterStore(m, false)).getFloat();
            double target = cheapest + 0.8 * (largest - cheapest);
            TargetProjection.Result r = TargetProjection.project(space, cost, target, m);
            assertTrue(r.pathSwitches() > 0, r.toString());
            assertEquals(target, r.projected(), 0.03 * target, r.toString());
            space.decide(); // what extraction does: argmax α keeps the switched paths
            assertEquals(r.projected(), cost.cost(space, new ParameterStore(m, false)).getFloat(), 1e-5 * target);
        }
    }

    /**
     * A cost that is not additive over blocks can put the target out of the masks' reach at every
     * set of paths — here every block on its first path costs 1, any other path 3, and the target is
     * 2. The projection must end (a block is never switched back to a path it left: at most
     * Σ(paths − 1) switches), not switch up and down for ever.
     */
    @Test
    void pathSwitchesEndWhenNoPathsBringTheTargetIntoReach() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = SearchSpace.create(model, 1);
            CostModel jumps = cost(s -> {
                boolean first = s.choices().stream().allMatch(g -> g.block().choice() == 0);
                return (first ? 1 : 3) + 0.01 * keptFraction(s);
            });
            TargetProjection.Result r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> TargetProjection.project(space, jumps, 2.0, m));
            int bound = space.choices().stream().mapToInt(g -> g.block().candidates().size() - 1).sum();
            assertTrue(r.pathSwitches() <= bound, r.toString());
        }
    }

    /**
     * A fitted latency model may predict a network pruned to one channel per group as slower than the
     * target (here: cost 1.0 with every channel, falling to 0.4 at 30 % kept, rising to 1.2 at one
     * channel per group). The target 0.7 is within the masks' reach: no path is switched (a switch
     * would cost 0.5 less) and the masks land on it.
     */
    @Test
    void aCostThatRisesAgainAtTheSmallestWidthsIsLandedByTheMasks() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = SearchSpace.create(model, 1);
            space.decide();
            int[] decided = space.choices().stream().mapToInt(g -> g.block().choice()).toArray();
            CostModel valley = cost(s -> {
                double kept = keptFraction(s);
                double widths = kept >= 0.3 ? 0.4 + (kept - 0.3) / 0.7 * 0.6 : 1.2 - kept / 0.3 * 0.8;
                boolean switched = java.util.stream.IntStream.range(0, decided.length)
                        .anyMatch(i -> s.choices().get(i).block().choice() != decided[i]);
                return (widths - (switched ? 0.5 : 0));
            });
            TargetProjection.Result r = TargetProjection.project(space, valley, 0.7, m);
            assertEquals(0, r.pathSwitches(), r.toString());
            assertEquals(0.7, r.projected(), 0.03 * 0.7, r.toString());
        }
    }

    /**
     * A fitted latency model can also fall by many per cent in one channel. Here the decided network
     * (half of every mask's channels) costs the target exactly, but from none pruned the cost first
     * crosses the target where it falls from 1.1 to 0.8: the decided network is kept, not a landing
     * 10 % off at that first crossing.
     */
    @Test
    void aDecidedNetworkOnTheTargetIsKeptWhereAnEarlierCrossingIsAStep() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = SearchSpace.create(model, 1);
            for (ChannelMask mask : space.masks()) {
                float[] c = new float[mask.channels()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = i < c.length / 2 ? 0.8f : 0.3f;
                }
                mask.weight().getArray().set(c);
            }
            double decided = keptFraction(space);
            CostModel step = cost(s -> {
                double kept = keptFraction(s);
                return kept > 0.8 ? 1.1 : kept > decided + 0.1 ? 0.8 : 1.0 - (kept - decided) * 0.2;
            });
            TargetProjection.Result r = TargetProjection.project(space, step, 1.0, m);
            assertEquals(1.0, r.projected(), 0.01, r.toString());
            assertEquals(decided, keptFraction(space), 1e-9, "the decided masks are kept: " + r);
        }
    }

    /**
     * The least unlikely switch may not be enough: the first block's paths cost 0, 1 and 4 (in order
     * of likelihood), the masks add up to 2, the target is 5. Switching that block to its second path
     * leaves the target out of reach; it must be switched again, to its third.
     */
    @Test
    void aBlockIsSwitchedAgainWhenItsFirstSwitchFallsShort() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(4), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = SearchSpace.create(model, 1);
            for (GumbelChoice g : space.choices()) {
                float[] alpha = new float[g.block().candidates().size()];
                for (int k = 0; k < alpha.length; k++) {
                    alpha[k] = -k;
                }
                g.logits().getArray().set(alpha);
            }
            GumbelChoice first = space.choices().get(0);
            CostModel steps = cost(s -> {
                double kept = keptFraction(s);
                return (new double[] {0, 1, 4}[first.block().choice()] + 2 * kept);
            });
            TargetProjection.Result r = TargetProjection.project(space, steps, 5.0, m);
            assertEquals(2, first.block().choice(), r.toString());
            assertEquals(5.0, r.projected(), 0.03 * 5.0, r.toString());
        }
    }

    /** A cost model of plain numbers, for costs shaped as a test needs. */
    private static CostModel cost(java.util.function.ToDoubleFunction<SearchSpace> formula) {
        return new CostModel() {
            @Override
            public ai.djl.ndarray.NDArray cost(SearchSpace s, ParameterStore ps) {
                return ps.getManager().create((float) formula.applyAsDouble(s));
            }

            @Override
            public String unit() {
                return "units";
            }
        };
    }

    /** The share of all channels the binarised masks keep. */
    private static double keptFraction(SearchSpace s) {
        long kept = s.masks().stream().mapToLong(mask -> ChannelMask.kept(mask.weight().getArray().toFloatArray()).length).sum();
        return kept / (double) s.masks().stream().mapToLong(ChannelMask::channels).sum();
    }

    /** Every kept channel ranked above every pruned one of its group (the shift is the same for all). */
    private static void assertOrderKept(float[] before, float[] after) {
        int[] kept = ChannelMask.kept(after);
        java.util.Set<Integer> keptSet = new java.util.HashSet<>();
        for (int k : kept) {
            keptSet.add(k);
        }
        float lowestKept = Float.POSITIVE_INFINITY;
        float highestPruned = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < before.length; i++) {
            if (keptSet.contains(i)) {
                lowestKept = Math.min(lowestKept, before[i]);
            } else {
                highestPruned = Math.max(highestPruned, before[i]);
            }
        }
        assertTrue(lowestKept >= highestPruned, "kept " + lowestKept + " vs pruned " + highestPruned);
    }
}
