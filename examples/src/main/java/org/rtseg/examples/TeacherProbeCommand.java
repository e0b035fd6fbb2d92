package org.rtseg.examples;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.core.training.BatchNormCalibration;
import org.rtseg.data.DataConfig;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.inference.Evaluation;
import org.rtseg.inference.TestTimeAugmentation;
import org.rtseg.search.BatchSource;
import org.rtseg.search.Pipeline;
import org.rtseg.search.SupernetTeacher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg probe-teacher}: which network of a pretrained supernet would make the strongest
 * self-distillation teacher (paper §Boosters leaves it open) — the configured path with the
 * pretraining's running statistics, then, with BatchNorm re-estimated on training batches, the
 * configured path, the average of the non-skip paths ({@link SupernetTeacher}'s choice) and every
 * block on its k-th path. Prints each one's validation mIoU and GMACs; docs/search.md gives the
 * figures.
 */
@Command(name = "probe-teacher", mixinStandardHelpOptions = true,
        description = "Scores the candidate teachers of a pretrained supernet on the run config's validation data.")
final class TeacherProbeCommand implements Callable<Integer> {

    /** A network of the supernet: each mixed block's choice, or null for the configured ones. */
    private record Variant(String name, Integer choice, boolean calibrated) {}

    @Mixin RuntimeOptions runtime;

    @Mixin RunConfigOptions config;

    @Option(names = "--supernet", required = true, description = "the pretrained supernet (<pretrain work>/model)")
    Path supernetDir;

    @Option(names = "--calibration-batches", defaultValue = "" + SupernetTeacher.CALIBRATION_BATCHES,
            description = "training batches that re-estimate BatchNorm statistics (default ${DEFAULT-VALUE})")
    int calibrationBatches;

    @Option(names = "--val-scenes", defaultValue = "150", description = "held-out scenes scored when the data is synthetic (default ${DEFAULT-VALUE})")
    int valScenes;

    @Override
    public Integer call() throws Exception {
        runtime.configureThreads();
        RunConfig run = config.load();
        DataConfig data = run.data().dataset().equals(DataConfig.SYNTHETIC) ? run.data().withSamples(valScenes) : run.data();
        SegmentationDataset val = data.evaluation("val");
        BatchSource batches = PhaseCommand.batches(run, 1);
        Shape costInput = new Shape(1, 3, run.costInput().get(0), run.costInput().get(1));
        System.out.printf(Locale.ROOT, "%-36s %8s %9s%n", "teacher", "mIoU", "GMACs");
        for (Variant v : variants()) {
            try (Model model = Pipeline.load(supernetDir, "--supernet", runtime.device())) {
                Supernet net = ModelDirectory.network(model);
                if (v.choice() != null) {
                    net.mixedBlocks().forEach(b -> b.choose(Math.min(v.choice(), b.candidates().size() - 1)));
                }
                if (v.calibrated()) {
                    BatchNormCalibration.recalibrate(net, model.getNDManager(), calibrationBatches,
                            (scope, i) -> batches.batch(scope, i).get(0));
                }
                double miou = Evaluation.score(model.getNDManager(), net, val, TestTimeAugmentation.NONE, v.name(), (s, p) -> { })
                        .meanIoU();
                double gmacs = Complexity.of(net, costInput, Complexity.Options.EVAL).macs() / 1e9;
                System.out.printf(Locale.ROOT, "%-36s %8.4f %9.5f%n", v.name(), miou, gmacs);
            }
        }
        return 0;
    }

    /** The configured path as pretrained and re-estimated, the average, then every block on path k (the last when it has fewer). */
    private List<Variant> variants() throws Exception {
        List<MixedBlock> blocks;
        try (Model model = Pipeline.load(supernetDir, "--supernet", runtime.device())) {
            blocks = ModelDirectory.network(model).mixedBlocks();
        }
        int paths = blocks.stream().mapToInt(b -> b.candidates().size()).max().orElse(0);
        List<Variant> variants = new ArrayList<>(List.of(
                new Variant("configured path, stored statistics", null, false),
                new Variant("configured path", null, true),
                new Variant("average of non-skip paths", MixedBlock.AVERAGE, true)));
        for (int k = 0; k < paths; k++) {
            int path = k;
            String types = blocks.stream().map(b -> b.candidates().get(Math.min(path, b.candidates().size() - 1)).type())
                    .distinct().collect(Collectors.joining(", "));
            variants.add(new Variant("every block on path " + k + " (" + types + ")", k, true));
        }
        return variants;
    }
}
