package org.rtseg.examples;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.data.SyntheticScenes;
import org.rtseg.data.augment.EvalTransform;
import org.rtseg.search.BatchSource;
import org.rtseg.search.DatasetBatches;
import org.rtseg.search.MacCost;
import org.rtseg.search.SearchSpace;
import org.rtseg.search.SegmentationTrainer;
import org.rtseg.search.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg benchmark-search}: what a search step costs against a plain supernet training step
 * on the same batches (target ≤ 1.5: the search is about as cheap as fine-tuning).
 */
@Command(name = "benchmark-search", mixinStandardHelpOptions = true,
        description = "Times search steps (masks, Gumbel paths, distillation, MAC regulariser) against plain supernet training steps on synthetic scenes.")
final class SearchBenchmarkCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    @Mixin NetworkOptions network;

    @Option(names = "--size", defaultValue = "128x256", converter = InputSize.Converter.class, description = "scene size (default ${DEFAULT-VALUE})")
    InputSize size;

    @Option(names = "--batch", defaultValue = "2", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "10", description = "timed steps per phase, after 2 warm-up steps (default ${DEFAULT-VALUE})")
    int steps;

    @Override
    public Integer call() throws Exception {
        int used = runtime.configureThreads();
        SupernetConfig config = network.config().withNumClasses(8);
        SyntheticScenes scenes = SyntheticScenes.builder().optImageSize(size.height(), size.width()).optNumClasses(8)
                .optNumSamples(batch * (steps + 2)).optTransform(EvalTransform.none()).setSampling(batch, true, true).build();
        scenes.prepare();
        BatchSource batches = new DatasetBatches(scenes, batch, 0, scenes::useEpoch);
        TrainingConfig training = TrainingConfig.paper(steps + 2, batch, 0.01);
        Path work = Files.createTempDirectory("rtseg-bench");
        try {
            double plain = median(time(SegmentationTrainer.Phase.PRETRAIN, config, training, batches, work.resolve("plain"), runtime.device()));
            double search = median(time(SegmentationTrainer.Phase.SEARCH, config, training, batches, work.resolve("search"), runtime.device()));
            System.out.printf(Locale.ROOT, "%s, batch %dx3x%s, %d threads, %d timed steps each%n", config.name(), batch, size, used, steps);
            System.out.printf(Locale.ROOT, "supernet training step: median %.1f ms%n", plain * 1e3);
            System.out.printf(Locale.ROOT, "search step:            median %.1f ms%n", search * 1e3);
            System.out.printf(Locale.ROOT, "search / training = %.2f (target <= 1.5)%n", search / plain);
        } finally {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    private static List<SegmentationTrainer.Step> time(SegmentationTrainer.Phase phase, SupernetConfig config,
            TrainingConfig training, BatchSource batches, Path work, ai.djl.Device device) throws Exception {
        try (Model model = ModelDirectory.create(config, device);
                Model teacher = ModelDirectory.create(config, device)) {
            SegmentationTrainer.Builder b = SegmentationTrainer.builder().phase(phase).config(training).batches(batches)
                    .workDir(work).manager(model.getNDManager());
            if (phase == SegmentationTrainer.Phase.SEARCH) {
                SearchSpace space = new SearchSpace(ModelDirectory.network(model), 0);
                space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 64, 64));
                b.searchSpace(space).teacher(ModelDirectory.network(teacher))
                        .cost(new MacCost(space, new Shape(1, 3, 512, 1024)), 10.0);
            } else {
                b.supernet(ModelDirectory.network(model));
            }
            return b.build().run(false, training.iterations());
        }
    }

    /** The median step time, warm-up steps excluded. */
    private static double median(List<SegmentationTrainer.Step> steps) {
        double[] s = steps.stream().skip(2).mapToDouble(SegmentationTrainer.Step::seconds).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
