package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;
import org.rtseg.core.io.ModelDirectory;

/** Eq. 7: one sampled path runs, its output is scaled by 1, and the gradient reaches α. */
class GumbelChoiceTest {

    @Test
    void samplesOnePathAndGradientsReachTheLogits() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(3), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 11);
            space.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, SearchFixtures.input(m, 2, 64, 64).getShape());
            assertEquals(4, space.choices().size(), "every mixed block with several paths");
            NDArray x = SearchFixtures.input(m, 2, 64, 64);
            space.sample(3, 1f);
            List<Integer> first = choices(space);
            space.sample(3, 1f);
            assertEquals(first, choices(space), "the same step draws the same paths");
            List<List<Integer>> seen = new ArrayList<>();
            for (int step = 0; step < 20; step++) {
                space.sample(step, 1f);
                seen.add(choices(space));
            }
            assertTrue(seen.stream().distinct().count() > 1, "different steps draw different paths");
            try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                NDArray y = space.forward(new ParameterStore(m, false), new NDList(x), true).get(0);
                gc.backward(y.sum());
            }
            for (GumbelChoice c : space.choices()) {
                NDArray g = c.logits().getArray().getGradient();
                assertNotEquals(0f, g.abs().sum().getFloat(), "α of " + c.block() + " gets a gradient");
                // Softmax gradients sum to zero over the paths.
                assertEquals(0f, g.sum().getFloat(), 1e-3f);
            }
        }
    }

    @Test
    void theStraightThroughSampleIsOneInValue() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(3), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 5);
            space.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(2, 3, 64, 64));
            space.choices().get(0).logits().getArray().set(new float[] {2f, -1f, 0.5f});
            space.sample(0, 0.7f);
            GumbelChoice c = space.choices().get(0);
            NDArray h = c.weight(new ParameterStore(m, false), c.block().choice(), true);
            assertEquals(1f, h.getFloat(), 1e-6f);
        }
    }

    private static List<Integer> choices(SearchSpace space) {
        return space.choices().stream().map(c -> c.block().choice()).toList();
    }

    @Test
    void aDecidedChoiceWeighsItsPathAloneUntilTheNextSample() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(3), Device.cpu())) {
            NDManager m = model.getNDManager();
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), 5);
            space.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(2, 3, 64, 64));
            GumbelChoice choice = space.choices().get(0);
            choice.logits().getArray().set(new float[] {0.2f, 1.5f, -1f});
            ParameterStore ps = new ParameterStore(m, false);
            float[] soft = choice.probabilities(ps, Device.cpu(), true).toFloatArray();
            assertEquals(1f, soft[0] + soft[1] + soft[2], 1e-5f);
            assertTrue(soft[0] > 0.1f && soft[2] > 0.01f, "softmax(α) before the decision");
            assertEquals(1, choice.decide());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 1, 0},
                    choice.probabilities(ps, Device.cpu(), true).toFloatArray(), "the decided network's own cost");
            space.sample(1, 1f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(soft, choice.probabilities(ps, Device.cpu(), true).toFloatArray(), 1e-6f);
        }
    }
}
