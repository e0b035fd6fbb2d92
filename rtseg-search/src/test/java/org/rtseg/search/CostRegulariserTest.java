package org.rtseg.search;

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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.training.MomentumSgd;

/** Eq. 9 alone: β·|cost − target|² moves the masks and path logits until the cost meets the target. */
class CostRegulariserTest {

    @Test
    void theRegulariserAloneReachesTheTarget() {
        try (Model model = ModelDirectory.create(SearchFixtures.tiny(4), Device.cpu())) {
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
            MacCost cost = new MacCost(space, new Shape(1, 3, 512, 1024));
            double full = cost.cost(space, new ParameterStore(m, false)).getFloat();
            double target = 0.6 * full;
            MomentumSgd sgd = MomentumSgd.builder().learningRate((id, n) -> 0.01f).momentum(0.5f).build();
            double beta = 3000;
            double reached = full;
            for (int step = 0; step < 300; step++) {
                try (NDManager scope = m.newSubManager()) {
                    try (GradientCollector gc = Engines.pytorch().newGradientCollector()) {
                        NDArray c = cost.cost(space, new ParameterStore(scope, false));
                        reached = c.getFloat();
                        gc.backward(c.sub((float) target).square().mul(org.rtseg.core.nn.Tensors.scalar(c, beta)));
                    }
                    int i = 0;
                    for (Parameter p : space.architectureParameters()) {
                        sgd.update("p" + i++, p.getArray(), p.getArray().getGradient());
                    }
                }
            }
            assertEquals(target, reached, 0.05 * target, "full " + full + " GMACs, target " + target);
            assertTrue(space.masks().stream().anyMatch(mask -> mask.weight().getArray().lt(ChannelMask.THRESHOLD).any().getBoolean()),
                    "channels were pruned");
        }
    }
}
