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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

/** Eq. 5: the extracted network is the masked supernet, smaller. */
class SubnetExtractorTest {

    private static final Shape COST_INPUT = new Shape(1, 3, 256, 512);

    @Test
    void extractedLogitsEqualTheMaskedSupernetAndItsComplexityEqualsTheSoftCount(@TempDir Path dir) throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            try (Model model = ModelDirectory.create(SearchFixtures.tiny(5), Device.cpu())) {
                NDManager m = model.getNDManager();
                Supernet net = ModelDirectory.network(model);
                SearchFixtures.randomize(net, seed);
                SearchSpace space = new SearchSpace(net, seed);
                space.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
                SearchFixtures.pruneAtRandom(space, seed, seed % 2 == 0 ? 0.8 : 0.5);
                for (GumbelChoice c : space.choices()) {
                    float[] alpha = new float[c.block().candidates().size()];
                    alpha[(int) ((seed + alpha.length) % alpha.length)] = 100f; // one-hot in probability
                    c.logits().getArray().set(alpha);
                }
                space.decide();
                NDArray x = SearchFixtures.input(m, 2, 64, 96);
                NDArray masked = space.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
                space.detach();
                NDArray unmasked = space.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
                space.attach();
                assertTrue(unmasked.sub(masked).abs().max().getFloat() > 1e-2f, "the masks change the network");
                double soft = new MacCost(space, COST_INPUT).cost(space, new ParameterStore(m, false)).getFloat();

                SubnetExtractor extractor = new SubnetExtractor(space);
                try (Model subnet = extractor.extract(Device.cpu())) {
                    Supernet small = ModelDirectory.network(subnet);
                    assertTrue(!small.config().widths().isEmpty(), "pruned widths are in the config");
                    NDArray logits = small.forward(new ParameterStore(subnet.getNDManager(), false), new NDList(x), false).singletonOrThrow();
                    float diff = masked.sub(logits).abs().max().getFloat();
                    assertTrue(diff <= 1e-4f, "seed " + seed + ": max |Δ| = " + diff);
                    long macs = Complexity.of(small, COST_INPUT, Complexity.Options.EVAL).macs();
                    assertEquals(macs / 1e9, soft, 1e-5 * macs / 1e9, "seed " + seed + ": MacCost at binarised masks");
                    assertTrue(Complexity.of(small, COST_INPUT, Complexity.Options.EVAL).params()
                            < Complexity.of(net, COST_INPUT, Complexity.Options.EVAL).params(), "channels were removed");
                    Path saved = dir.resolve("subnet" + seed);
                    ModelDirectory.save(subnet, saved);
                    assertEquals(small.config(), SupernetConfig.load(saved.resolve(ModelDirectory.CONFIG)));
                    try (Model loaded = ModelDirectory.load(saved, Device.cpu())) {
                        NDArray again = loaded.getBlock().forward(new ParameterStore(loaded.getNDManager(), false), new NDList(x), false).singletonOrThrow();
                        assertEquals(0f, again.sub(logits).abs().max().getFloat(), "reloaded subnet");
                    }
                }
            }
        }
    }
}
