package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.DataConfig;
import org.rtseg.data.eval.SegmentationMetrics;
import org.rtseg.inference.Evaluation;
import org.rtseg.inference.TestTimeAugmentation;
import org.rtseg.search.MacCost;
import org.rtseg.search.Pipeline;
import org.rtseg.search.SupernetTeacher;
import org.rtseg.search.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg reproduce}: the paper's experiment for one dataset and one target, phase after
 * phase; each phase resumes from its checkpoint and a finished phase is skipped, so the same
 * command continues an interrupted reproduction.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "Runs pretrain → search → extract → fine-tune → evaluate with the paper's recipe (examples/configs/reproduce).")
final class ReproduceCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    /** The paper's Cityscapes val results (512×1024), for the plan. */
    private static final Map<String, String> PAPER = Map.of("rtseg-s", "73.1", "rtseg-m", "74.4", "rtseg-l", "75.3");

    @Option(names = "--preset", required = true, description = "rtseg-s, rtseg-m or rtseg-l")
    String preset;

    @Option(names = "--dataset", required = true, description = "cityscapes, voc or ade20k")
    String dataset;

    @Option(names = "--root", description = "the dataset's root folder (official layout)")
    Path root;

    @Option(names = "--work", defaultValue = "rtseg-reproduce", description = "work directory (default ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--recipe", description = "a recipe file instead of the shipped one")
    Path recipeFile;

    @Option(names = "--dry-run", description = "print the plan (phases, iterations, MACs) and stop")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        if (root == null && !dryRun) {
            throw new IllegalArgumentException("--root DIR is required (the " + dataset + " folder in its official layout)");
        }
        Recipe recipe = Recipe.load(dataset, recipeFile, root == null ? "<root>" : root.toString());
        Double target = recipe.targets().get(preset);
        if (target == null) {
            throw new IllegalArgumentException("unknown --preset " + preset + "; the recipe has " + recipe.targets().keySet());
        }
        runtime.configureThreads();
        printPlan(recipe, target);
        if (dryRun) {
            return 0;
        }
        List<Device> devices = runtime.trainingDevices();
        Device dev = devices.get(0);
        Path supernet = work.resolve("pretrain/model");
        Path teacher = work.resolve("pretrain/teacher");
        Path subnet = work.resolve("subnet");
        Path model = work.resolve("finetune/model");
        if (!Pipeline.done(supernet)) {
            Pipeline.pretrain(recipe.networkConfig(), recipe.pretrain(), batches(recipe, recipe.pretrain(), devices), work.resolve("pretrain"), devices,
                    true);
        }
        if (!Pipeline.done(teacher)) {
            Pipeline.teacher(supernet, batches(recipe, recipe.pretrain(), devices), SupernetTeacher.CALIBRATION_BATCHES, teacher, dev);
        }
        if (!Pipeline.done(work.resolve("search/search"))) {
            Shape costInput = new Shape(1, 3, recipe.costInput().get(0), recipe.costInput().get(1));
            Pipeline.search(supernet, teacher, space -> new MacCost(space, costInput), target, recipe.search(),
                    batches(recipe, recipe.search(), devices), work.resolve("search"), devices, true);
        }
        if (!Pipeline.done(subnet)) {
            Pipeline.extract(work.resolve("search/search"), subnet, dev);
        }
        if (!Pipeline.done(model)) {
            Pipeline.finetune(subnet, teacher, recipe.finetune(), batches(recipe, recipe.finetune(), devices), work.resolve("finetune"), devices,
                    true);
        }
        try (Model m = ModelDirectory.load(model, dev)) {
            SegmentationMetrics metrics = Evaluation.score(m.getNDManager(), ModelDirectory.network(m),
                    recipe.data().evaluation(recipe.evalSplit()), TestTimeAugmentation.NONE, "evaluate", (sample, predicted) -> { });
            metrics.writeJson(work.resolve("metrics.json"));
            System.out.println(metrics.toTable());
        }
        return 0;
    }

    private static org.rtseg.search.BatchSource batches(Recipe recipe, TrainingConfig training, List<Device> devices) throws java.io.IOException {
        return PhaseCommand.batches(recipe.run(training), devices.size());
    }

    private void printPlan(Recipe recipe, double target) throws java.io.IOException {
        Shape input = new Shape(1, 3, recipe.costInput().get(0), recipe.costInput().get(1));
        Supernet net = Supernet.of(recipe.networkConfig());
        Complexity.Report all = Complexity.of(net, input, new Complexity.Options(false, true));
        Complexity.Report eval = Complexity.of(net, input, Complexity.Options.EVAL);
        String size = input.get(2) + "x" + input.get(3);
        System.out.printf(Locale.ROOT, "%s on %s, recipe %s%n", preset.toUpperCase(Locale.ROOT), dataset,
                recipeFile != null ? recipeFile : "examples/configs/reproduce/" + dataset + ".json");
        System.out.printf(Locale.ROOT, "network: %s, %d classes: %.2f M params and %.1f GMACs with all paths, %.1f GMACs eval graph, at 1x3x%s%n",
                recipe.network(), recipe.data().numClasses(), all.params() / 1e6, all.macs() / 1e9, eval.macs() / 1e9, size);
        DataConfig d = recipe.data();
        System.out.printf(Locale.ROOT, "data: %s %s, crop %dx%d, scales %s, flip %s, colour jitter %.2f%n", d.dataset(), d.split(),
                d.cropHeight(), d.cropWidth(), d.scales() != null ? d.scales() : "[" + d.scaleMin() + ", " + d.scaleMax() + "]",
                d.flip(), d.jitter());
        List<Device> devices = runtime.trainingDevices();
        System.out.printf(Locale.ROOT, "devices: %s, %s%n", devices, devices.size() == 1 ? "one replica"
                : "data-parallel: batch " + recipe.pretrain().batchSize() + " per device, " + recipe.pretrain().batchSize() * devices.size()
                        + " per step, gradients averaged, the learning rate following the step count");
        phase(1, "pretrain", recipe.pretrain(), "supernet, one sampled path per mixed block; then its teacher (averaged paths, "
                + "BatchNorm re-estimated)", "pretrain/model");
        phase(2, "search", recipe.search(), String.format(Locale.ROOT, "target %.1f GMACs (β %s, γ %s, λ %s)", target,
                recipe.search().beta(), recipe.search().gamma(), recipe.search().lambda()), "search/search");
        System.out.printf(Locale.ROOT, "  3 extract    %-68s -> %s%n", "most likely paths, kept channels", work.resolve("subnet"));
        phase(4, "finetune", recipe.finetune(), "boosters: aux heads, distillation from the supernet teacher", "finetune/model");
        System.out.printf(Locale.ROOT, "  5 evaluate   %-68s -> %s%n", recipe.evalSplit() + " split", work.resolve("metrics.json"));
        if (dataset.equals("cityscapes")) {
            System.out.printf(Locale.ROOT, "paper (Cityscapes val, 512x1024): %s %.1f GMACs, %s mIoU%n", preset.toUpperCase(Locale.ROOT),
                    target, PAPER.get(preset));
        }
    }

    private void phase(int n, String name, TrainingConfig t, String what, String out) {
        String detail = String.format(Locale.ROOT, "%d iterations, batch %d, lr %s poly %s; %s", t.iterations(), t.batchSize(),
                t.learningRate(), t.power(), what);
        System.out.printf(Locale.ROOT, "  %d %-10s %-68s -> %s%n", n, name, detail, work.resolve(out));
    }
}
