package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.BlockConfig;
import org.rtseg.core.config.MixedBlockConfig;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

/** Eq. 5: the extracted network is the masked supernet, smaller. */
class SubnetExtractorTest {

    private static final Shape COST_INPUT = new Shape(1, 3, 256, 512);

    @Test
    void extractedLogitsEqualTheMaskedSupernetAndItsComplexityEqualsTheSoftCount(@TempDir Path dir) throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            long s = seed;
            try (Model model = ModelDirectory.create(SearchFixtures.tiny(5), Device.cpu())) {
                SearchSpace space = searched(model, seed, seed % 2 == 0 ? 0.8 : 0.5, new Shape(2, 3, 64, 64), n -> (int) ((s + n) % n));
                assertExtractedIsTheMaskedSupernet(model, space, SearchFixtures.input(model.getNDManager(), 2, 64, 96), dir, "seed " + seed);
            }
        }
    }

    /**
     * The shipped search space, whose every mixed block has an attention path (patch 2 at stage 1):
     * pruning the stage widths and the MLPs through attention still extracts exactly.
     */
    @Test
    void theSupernetPresetWithAttentionPathsPrunesStagesAndMlps(@TempDir Path dir) throws Exception {
        SupernetConfig preset = SupernetConfig.preset("supernet");
        for (long seed = 1; seed <= 2; seed++) {
            int[] block = {0};
            IntUnaryOperator paths = seed == 1 ? n -> 1 : n -> block[0]++ % n; // all attention; then lir, mhsa, skip, …
            try (Model model = ModelDirectory.create(preset, Device.cpu())) {
                SearchSpace space = searched(model, seed, 0.6, new Shape(1, 3, 64, 128), paths);
                assertEquals("mhsa", space.supernet().mixedBlocks().get(1).chosen().type());
                SupernetConfig subnet = assertExtractedIsTheMaskedSupernet(model, space,
                        SearchFixtures.input(model.getNDManager(), 1, 64, 128), dir, "seed " + seed);
                for (int s = 0; s < 3; s++) {
                    assertTrue(subnet.segment().stages().get(s).channels() < preset.segment().stages().get(s).channels(), "stage " + (s + 1) + " pruned");
                }
                assertPrunedAttention(space, subnet);
            }
        }
    }

    /** Every chosen attention path has a pruned MLP and its full attention width written out. */
    private static void assertPrunedAttention(SearchSpace space, SupernetConfig subnet) {
        SupernetConfig full = space.supernet().config();
        int attention = 0;
        for (int s = 0; s < 3; s++) {
            List<MixedBlockConfig> blocks = subnet.segment().stages().get(s).blocks();
            for (int b = 0; b < blocks.size(); b++) {
                BlockConfig block = blocks.get(b).candidates().get(0);
                if (block.type().equals("mhsa")) {
                    int patch = block.params().get("patch").intValue();
                    int tokens = patch * patch * full.segment().stages().get(s).channels();
                    String prefix = "segment.stage" + (s + 1) + ".mixed" + b + ".mhsa.";
                    assertEquals(tokens, subnet.widths().get(prefix + "attn"), prefix + "attn: the heads are kept whole");
                    assertTrue(subnet.widths().get(prefix + "mlp") < block.params().get("mlpRatio") * tokens, prefix + "mlp pruned");
                    attention++;
                }
            }
        }
        assertEquals(space.supernet().mixedBlocks().stream().filter(b -> b.chosen().type().equals("mhsa")).count(), attention);
    }

    /**
     * A search space over the model's network with random weights, each mask keeping a channel with
     * probability {@code keep}, and each mixed block deciding for the path {@code path} gives for
     * its number of candidates.
     */
    private static SearchSpace searched(Model model, long seed, double keep, Shape init, IntUnaryOperator path) {
        NDManager m = model.getNDManager();
        Supernet net = ModelDirectory.network(model);
        SearchFixtures.randomize(net, seed);
        SearchSpace space = new SearchSpace(net, seed);
        space.initialize(m, DataType.FLOAT32, init);
        SearchFixtures.pruneAtRandom(space, seed, keep);
        for (GumbelChoice c : space.choices()) {
            float[] alpha = new float[c.block().candidates().size()];
            alpha[path.applyAsInt(alpha.length)] = 100f; // one-hot in probability
            c.logits().getArray().set(alpha);
        }
        space.decide();
        return space;
    }

    /**
     * The extracted subnet's eval logits equal the masked supernet's, its complexity equals {@link
     * MacCost} at the binarised masks, and it saves and loads unchanged.
     *
     * @return the subnet's config
     */
    private static SupernetConfig assertExtractedIsTheMaskedSupernet(Model model, SearchSpace space, NDArray x, Path dir, String label)
            throws Exception {
        NDManager m = model.getNDManager();
        Supernet net = space.supernet();
        NDArray masked = space.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
        space.detach();
        NDArray unmasked = space.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
        space.attach();
        assertTrue(unmasked.sub(masked).abs().max().getFloat() > 1e-2f, label + ": the masks change the network");
        double soft = new MacCost(space, COST_INPUT).cost(space, new ParameterStore(m, false)).getFloat();

        try (Model subnet = new SubnetExtractor(space).extract(Device.cpu())) {
            Supernet small = ModelDirectory.network(subnet);
            assertTrue(!small.config().widths().isEmpty(), "pruned widths are in the config");
            NDArray logits = small.forward(new ParameterStore(subnet.getNDManager(), false), new NDList(x), false).singletonOrThrow();
            float diff = masked.sub(logits).abs().max().getFloat();
            assertTrue(diff <= 1e-4f, label + ": max |Δ| = " + diff + " (logits up to " + masked.abs().max().getFloat() + ")");
            long macs = Complexity.of(small, COST_INPUT, Complexity.Options.EVAL).macs();
            assertEquals(macs / 1e9, soft, 1e-5 * macs / 1e9, label + ": MacCost at binarised masks");
            assertTrue(Complexity.of(small, COST_INPUT, Complexity.Options.EVAL).params()
                    < Complexity.of(net, COST_INPUT, Complexity.Options.EVAL).params(), "channels were removed");
            Path saved = dir.resolve(label.replace(' ', '-'));
            ModelDirectory.save(subnet, saved);
            assertEquals(small.config(), SupernetConfig.load(saved.resolve(ModelDirectory.CONFIG)));
            try (Model loaded = ModelDirectory.load(saved, Device.cpu())) {
                NDArray again = loaded.getBlock().forward(new ParameterStore(loaded.getNDManager(), false), new NDList(x), false).singletonOrThrow();
                assertEquals(0f, again.sub(logits).abs().max().getFloat(), label + ": reloaded subnet");
            }
            return small.config();
        }
    }
}
