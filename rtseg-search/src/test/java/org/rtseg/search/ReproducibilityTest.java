package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

/**
 * One seed gives one run: the initial weights, the data order, the paths sampled in pretraining,
 * the Gumbel noise of the search and the dropout all come from the recipe's seed, so two runs with
 * one seed have bit-identical losses and take the same paths, whatever the engine's generators held
 * before each phase (another process, other work in this one).
 */
class ReproducibilityTest {

    private static final int CLASSES = 4;
    private static final int SAMPLES = 6;
    private static final int SIZE = 32;

    /** What one run did: every step's loss, the paths each step took, and the decided paths. */
    private record Run(List<Double> losses, List<List<Integer>> sampledPaths, List<Integer> decided) {}

    @Test
    void oneSeedGivesOneRun(@TempDir Path dir) throws Exception {
        Run first = run(dir.resolve("first"), 5);
        Run again = run(dir.resolve("again"), 5);
        Run other = run(dir.resolve("other"), 6);
        assertEquals(first.losses(), again.losses(), "the same seed: bit-identical losses");
        assertEquals(first.sampledPaths(), again.sampledPaths(), "the same seed: the same paths in every step");
        assertEquals(first.decided(), again.decided(), "the same seed: the same decided architecture");
        assertNotEquals(first.losses().get(0), other.losses().get(0), "another seed: other initial weights, another first loss");
        assertNotEquals(first.sampledPaths(), other.sampledPaths(), "another seed: other sampled paths");
    }

    /** Pretrains a tiny supernet for 4 steps, then searches it for 4, as the pipeline does. */
    private static Run run(Path work, long seed) throws Exception {
        TrainingConfig recipe = TrainingConfig.builder().iterations(4).batchSize(2).learningRate(0.02).archLearningRate(0.05)
                .lambda(0).logEvery(4).seed(seed).build();
        SupernetConfig config = SearchFixtures.tiny(CLASSES); // with dropout: training steps draw from the engine
        List<Double> losses = new ArrayList<>();
        List<List<Integer>> paths = new ArrayList<>();
        try (NDManager data = Engines.pytorch().newBaseManager(); Model model = ModelDirectory.create(config, Device.cpu(), seed)) {
            Supernet net = ModelDirectory.network(model);
            BatchSource batches = recordingPaths(net, new DatasetBatches(scenes(data), recipe.batchSize(), recipe.seed(), epoch -> {}), paths);
            disturbEngine();
            train(SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.PRETRAIN).supernet(net), recipe, batches, work.resolve("pre"),
                    model.getNDManager(), losses);
            SearchSpace space = new SearchSpace(net, recipe.seed());
            space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, SIZE, SIZE));
            disturbEngine();
            train(SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.SEARCH).searchSpace(space)
                    .cost(new MacCost(space, new Shape(1, 3, 64, 128)), 0.01), recipe, batches, work.resolve("search"), model.getNDManager(),
                    losses);
            space.decide();
            return new Run(losses, paths, choices(net));
        }
    }

    private static void train(SegmentationTrainer.Builder phase, TrainingConfig recipe, BatchSource batches, Path work, NDManager manager,
            List<Double> losses) throws Exception {
        for (SegmentationTrainer.Step step : phase.config(recipe).batches(batches).workDir(work).manager(manager).progress(null).build()
                .run(false, recipe.iterations())) {
            losses.add(step.loss());
        }
    }

    /** Leaves the engine's generators where a clock puts them, as other work in the JVM, or a fresh JVM, would. */
    private static void disturbEngine() {
        Engines.seed(System.nanoTime());
    }

    /** Small random scenes, the same in every run (the data's own randomness is not under test). */
    private static ArrayDataset scenes(NDManager manager) {
        SplittableRandom random = new SplittableRandom(42);
        float[] images = new float[SAMPLES * 3 * SIZE * SIZE];
        int[] labels = new int[SAMPLES * SIZE * SIZE];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(CLASSES);
        }
        return new ArrayDataset.Builder().setData(manager.create(images, new Shape(SAMPLES, 3, SIZE, SIZE)))
                .optLabels(manager.create(labels, new Shape(SAMPLES, SIZE, SIZE))).setSampling(2, false).build();
    }

    /** The batches, noting the paths of each step: the trainer samples them before it asks for the batch. */
    private static BatchSource recordingPaths(Supernet net, BatchSource batches, List<List<Integer>> paths) {
        return (manager, iteration) -> {
            paths.add(choices(net));
            return batches.batch(manager, iteration);
        };
    }

    private static List<Integer> choices(Supernet net) {
        return net.mixedBlocks().stream().map(MixedBlock::choice).toList();
    }
}
