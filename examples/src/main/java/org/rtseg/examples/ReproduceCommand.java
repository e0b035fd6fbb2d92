package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.DataConfig;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.data.eval.SegmentationMetrics;
import org.rtseg.inference.Evaluation;
import org.rtseg.inference.TestTimeAugmentation;
import org.rtseg.latency.DjlLatencyMeter;
import org.rtseg.latency.LatencyMlp;
import org.rtseg.search.BatchSource;
import org.rtseg.search.Pipeline;
import org.rtseg.search.SupernetTeacher;
import org.rtseg.search.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg reproduce}: the paper's experiment for one dataset and one target, phase after
 * phase; each phase resumes from its checkpoint and a finished phase is skipped, so the same
 * command continues an interrupted reproduction. A recipe with a baseline (the CPU budget) trains
 * it too, on as many images as the method's phases see together, runs the booster ablation when
 * the recipe asks for it, and compares them all ({@link Comparison}).
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "Runs pretrain → search → extract → fine-tune → evaluate with the paper's recipe (examples/configs/reproduce); "
                + "at --budget cpu also a baseline and the booster ablation, and writes report.json, tables and figures.")
final class ReproduceCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    /** The paper's Cityscapes val results (512×1024), for the plan. */
    private static final Map<String, String> PAPER = Map.of("rtseg-s", "73.1", "rtseg-m", "74.4", "rtseg-l", "75.3");

    @Option(names = "--preset", description = "the recipe's target: rtseg-s, rtseg-m or rtseg-l in the paper's recipes; "
            + "a recipe with a single target needs none")
    String preset;

    @Option(names = "--dataset", required = true, description = "cityscapes, voc or ade20k (--budget paper); camvid (--budget cpu "
            + "or cpu-long)")
    String dataset;

    @Option(names = "--budget", defaultValue = "paper", description = "paper: the paper's iterations and crops; cpu: 2 cores "
            + "within 90 minutes, with a baseline and the booster ablation; cpu-long: cpu with 3 times the steps of every "
            + "phase (default ${DEFAULT-VALUE})")
    String budget;

    @Option(names = "--root", description = "the dataset's root folder (official layout)")
    Path root;

    @Option(names = "--work", defaultValue = "rtseg-reproduce", description = "work directory (default ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--recipe", description = "a recipe file instead of the shipped one")
    Path recipeFile;

    @Option(names = "--set", description = "override a recipe field: key=value with a dotted key, e.g. search.beta=1.89e-4")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--dry-run", description = "print the plan (phases, iterations, MACs) and stop")
    boolean dryRun;

    @Option(names = "--latency-model", description = "search under --target-ms as this latency model of the device predicts it, instead of "
            + "the recipe's MAC target; collect it here with 'rtseg latency collect --form deploy' at this run's --threads and the recipe's "
            + "costInput, then 'fit', 'refine' and 'networks --write' (docs/latency.md)")
    Path latencyModel;

    @Option(names = "--target-ms", description = "the latency target: the deploy graph's ms at the recipe's costInput (with --latency-model)")
    Double targetMs;

    /** The training set of each batch size used so far (see {@link #batches}). */
    private final Map<Integer, SegmentationDataset> trainingSets = new HashMap<>();

    /** Wall time of each phase run by this invocation (a phase found done is not timed). */
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (root == null && !dryRun) {
            throw new IllegalArgumentException("--root DIR is required (the " + dataset + " folder in its official layout)");
        }
        if ((latencyModel == null) != (targetMs == null)) {
            throw new IllegalArgumentException(latencyModel == null ? "--target-ms needs --latency-model DIR (a latency model of this device)"
                    : "--latency-model needs --target-ms MS (the latency to search for)");
        }
        Recipe recipe = Recipe.load(dataset, budget, recipeFile, root == null ? "<root>" : root.toString(), overrides);
        int threads = runtime.configureThreads();
        if (latencyModel == null) {
            String name = targetName(recipe);
            return run(recipe, SearchTarget.macs(name, recipe.targets().get(name)), threads);
        }
        try (LatencyMlp mlp = LatencyModels.load(latencyModel, threads, DjlLatencyMeter.Form.DEPLOY, "reproduce")) {
            return run(recipe, SearchTarget.latency(targetMs, mlp), threads);
        }
    }

    private int run(Recipe recipe, SearchTarget target, int threads) throws Exception {
        Communicator world = Communicator.world();
        if (world.isRoot()) {
            printPlan(recipe, target);
        }
        if (dryRun) {
            return 0;
        }
        long start = System.nanoTime();
        List<Device> devices = runtime.trainingDevices();
        Device dev = devices.get(0);
        Path baseline = work.resolve("baseline/model");
        if (recipe.baseline() != null) {
            phase("baseline", baseline, () -> Pipeline.pretrain(recipe.baselineConfig(), recipe.baseline().training(),
                    batches(recipe, recipe.baseline().training(), devices), work.resolve("baseline"), devices, true));
        }
        Path supernet = work.resolve("pretrain/model");
        Path teacher = work.resolve("pretrain/teacher");
        phase("pretrain", supernet, () -> Pipeline.pretrain(recipe.networkConfig(), recipe.pretrain(), batches(recipe, recipe.pretrain(), devices),
                work.resolve("pretrain"), devices, true));
        phase("teacher", teacher, () -> Pipeline.teacher(supernet, globalBatches(recipe, recipe.pretrain(), devices),
                SupernetTeacher.CALIBRATION_BATCHES, teacher, dev));
        Path model = arm("", work, recipe, recipe.search(), recipe.finetune(), teacher, target, devices);
        if (recipe.baseline() == null) {
            world.onRoot(() -> evaluate(recipe, model, dev));
            return 0;
        }
        Map<String, Path> networks = new LinkedHashMap<>();
        networks.put(recipe.baseline().network(), baseline);
        networks.put("rtseg", model);
        if (recipe.boosterAblation()) {
            TrainingConfig alone = recipe.search().toBuilder().gamma(0).lambda(0).build();
            networks.put("rtseg-search-alone", arm("ablation ", work.resolve("ablation"), recipe, alone,
                    recipe.finetune().toBuilder().gamma(0).lambda(0).build(), null, target, devices));
        }
        // Rank 0 scores and times the networks while the other ranks wait without taking a core.
        if (world.isRoot()) {
            long t0 = System.nanoTime();
            Comparison.Result result = new Comparison(recipe, dev, costShape(recipe), threads).run(networks, work);
            seconds.put("evaluate+report", elapsed(t0));
            seconds.put("total", elapsed(start));
            result.write(work, recipe, target, seconds);
        }
        world.barrier();
        return 0;
    }

    /**
     * Search, extract and fine-tune one arm under {@code base}, from the pretrained supernet.
     *
     * @param teacher the teacher the fine-tune distils from, or null for none (the search always
     *     loads the supernet's teacher, and skips it when λ = 0)
     * @return the fine-tuned model's directory
     */
    private Path arm(String label, Path base, Recipe recipe, TrainingConfig search, TrainingConfig finetune, Path teacher, SearchTarget target,
            List<Device> devices) throws Exception {
        Path state = base.resolve("search/search");
        Path subnet = base.resolve("subnet");
        Path model = base.resolve("finetune/model");
        Path searchTeacher = work.resolve("pretrain/teacher");
        phase(label + "search", state, () -> Pipeline.search(work.resolve("pretrain/model"), searchTeacher,
                target.costs(costShape(recipe)), target.value(), search, batches(recipe, search, devices), base.resolve("search"), devices, true));
        phase(label + "extract", subnet, () -> Pipeline.extract(state, subnet, devices.get(0)));
        phase(label + "finetune", model, () -> Pipeline.finetune(subnet, teacher, finetune, batches(recipe, finetune, devices),
                base.resolve("finetune"), devices, true));
        return model;
    }

    /** A phase's work. */
    private interface Step {
        void run() throws Exception;
    }

    /** Runs a phase unless its result is there, and times it. */
    private void phase(String name, Path result, Step run) throws Exception {
        if (Pipeline.done(result)) {
            return;
        }
        long t0 = System.nanoTime();
        run.run();
        seconds.put(name, elapsed(t0));
    }

    private void evaluate(Recipe recipe, Path model, Device dev) throws IOException {
        try (Model m = ModelDirectory.load(model, dev)) {
            SegmentationMetrics metrics = Evaluation.score(m.getNDManager(), ModelDirectory.network(m),
                    recipe.data().evaluation(recipe.evalSplit()), TestTimeAugmentation.NONE, "evaluate", (sample, predicted) -> { });
            metrics.writeJson(work.resolve("metrics.json"));
            System.out.println(metrics.toTable());
        }
    }

    private String targetName(Recipe recipe) {
        if (preset == null && recipe.targets().size() == 1) {
            return recipe.targets().keySet().iterator().next();
        }
        if (preset == null || !recipe.targets().containsKey(preset)) {
            throw new IllegalArgumentException((preset == null ? "--preset is required" : "unknown --preset " + preset)
                    + "; the recipe has " + recipe.targets().keySet());
        }
        return preset;
    }

    private static Shape costShape(Recipe recipe) {
        return new Shape(1, 3, recipe.costInput().get(0), recipe.costInput().get(1));
    }

    private static double elapsed(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * This rank's batches of a phase; the phases share one training set per batch size, so its
     * frames are decoded once.
     */
    private BatchSource batches(Recipe recipe, TrainingConfig training, List<Device> devices) throws IOException {
        int batch = training.batchSize() * devices.size();
        return PhaseCommand.batches(trainingSet(recipe, batch), batch, training);
    }

    /** The whole batches of all ranks together (the teacher's BatchNorm statistics). */
    private BatchSource globalBatches(Recipe recipe, TrainingConfig training, List<Device> devices) throws IOException {
        int batch = training.batchSize() * devices.size() * Communicator.world().size();
        return PhaseCommand.wholeBatches(trainingSet(recipe, batch), batch, training);
    }

    private SegmentationDataset trainingSet(Recipe recipe, int batch) throws IOException {
        SegmentationDataset data = trainingSets.get(batch);
        if (data == null) {
            data = recipe.data().training(batch);
            trainingSets.put(batch, data);
        }
        return data;
    }

    private void printPlan(Recipe recipe, SearchTarget target) throws IOException {
        Shape input = costShape(recipe);
        Supernet net = Supernet.of(recipe.networkConfig());
        Complexity.Report all = Complexity.of(net, input, new Complexity.Options(false, true));
        Complexity.Report eval = Complexity.of(net, input, Complexity.Options.EVAL);
        String size = input.get(2) + "x" + input.get(3);
        System.out.printf(Locale.ROOT, "%s on %s, recipe %s%n", target.name().toUpperCase(Locale.ROOT), dataset,
                recipeFile != null ? recipeFile : "examples/configs/reproduce/" + Recipe.resourceName(dataset, budget) + ".json");
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
        if (recipe.baseline() != null) {
            Complexity.Report b = Complexity.of(Supernet.of(recipe.baselineConfig()), input, Complexity.Options.EVAL);
            planLine(0, "baseline", recipe.baseline().training(), String.format(Locale.ROOT, "%s, %.2f GMACs; %d images, as many as phases 1, 2 "
                    + "and 4 together", recipe.baseline().network(), b.macs() / 1e9, Recipe.imagesSeen(recipe.baseline().training())),
                    "baseline/model");
        }
        planLine(1, "pretrain", recipe.pretrain(), "supernet, one sampled path per mixed block; then its teacher (averaged paths, "
                + "BatchNorm re-estimated)", "pretrain/model");
        planLine(2, "search", recipe.search(), String.format(Locale.ROOT, "target %.1f %s (β %s, γ %s, λ %s)", target.value(), target.unit(),
                recipe.search().beta(), recipe.search().gamma(), recipe.search().lambda()), "search/search");
        System.out.printf(Locale.ROOT, "  3 extract    %-68s -> %s%n", "most likely paths, kept channels", work.resolve("subnet"));
        planLine(4, "finetune", recipe.finetune(), String.format(Locale.ROOT, "boosters: aux heads (γ %s), distillation from the supernet "
                + "teacher (λ %s, eq. 10's KL %s over pixels)", recipe.finetune().gamma(), recipe.finetune().lambda(),
                "sum".equals(recipe.finetune().kdReduction()) ? "summed" : "averaged"),
                "finetune/model");
        if (recipe.boosterAblation()) {
            System.out.printf(Locale.ROOT, "  5 ablation   %-68s -> %s%n", "2-4 again without the boosters (γ = λ = 0; Table 4)",
                    work.resolve("ablation/finetune/model"));
        }
        String scored = recipe.baseline() == null ? "metrics.json"
                : "report.json, class_iou.md, figures/pareto.png, predictions/";
        System.out.printf(Locale.ROOT, "  %d evaluate   %-68s -> %s%n", recipe.boosterAblation() ? 6 : 5, recipe.evalSplit() + " split"
                + (recipe.baseline() == null ? "" : " at full size; deploy-graph latency at 1x3x" + size + ", interleaved"), work.resolve(scored));
        if (dataset.equals("cityscapes") && !target.isLatency()) {
            System.out.printf(Locale.ROOT, "paper (Cityscapes val, 512x1024): %s %.1f GMACs, %s mIoU%n", target.name().toUpperCase(Locale.ROOT),
                    target.value(), PAPER.get(target.name()));
        }
    }

    private void planLine(int n, String name, TrainingConfig t, String what, String out) {
        String detail = String.format(Locale.ROOT, "%d iterations, batch %d, lr %s poly %s; %s", t.iterations(), t.batchSize(),
                t.learningRate(), t.power(), what);
        System.out.printf(Locale.ROOT, "  %d %-10s %-68s -> %s%n", n, name, detail, work.resolve(out));
    }
}
