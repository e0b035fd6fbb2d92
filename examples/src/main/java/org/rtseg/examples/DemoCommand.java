package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelMap;
import org.rtseg.data.LabeledImage;
import org.rtseg.data.RgbImage;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.data.eval.PredictionWriter;
import org.rtseg.data.eval.SegmentationMetrics;
import org.rtseg.inference.Evaluation;
import org.rtseg.inference.TestTimeAugmentation;
import org.rtseg.latency.DjlLatencyMeter;
import org.rtseg.latency.LatencyCost;
import org.rtseg.latency.LatencyDataset;
import org.rtseg.latency.LatencyMlp;
import org.rtseg.latency.NetworkCalibration;
import org.rtseg.latency.NetworkUnits;
import org.rtseg.search.BatchSource;
import org.rtseg.search.MacCost;
import org.rtseg.search.Pipeline;
import org.rtseg.search.SegmentationTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg demo}: the whole method on synthetic street scenes, no download — pretrain a small
 * supernet, search under a MAC target (or, given a latency model of this CPU, a latency target),
 * extract the subnet, fine-tune it with the boosters, evaluate both, and write a report, pictures
 * and curves into a work dir.
 *
 * <p>The scenes are 128×256 and training sees 96×192 crops of them, as the paper trains on crops of
 * Cityscapes frames: the crops keep a step affordable on 2 cores, while whole scenes at 128×256
 * keep poles and persons wide enough for the stride-8 logits of every network in the search space
 * ({@code DemoScenesTest}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs pretrain → search → extract → fine-tune → evaluate on synthetic scenes and writes report.json, figures and predictions.")
final class DemoCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    private static final Shape FULL_SIZE = new Shape(1, 3, 512, 1024);
    private static final String CITYSCAPES_FRAME = "data/cityscapes/leftImg8bit/val/frankfurt/frankfurt_000000_000294_leftImg8bit.png";

    @Option(names = "--work", defaultValue = "rtseg-demo", description = "work directory (default ${DEFAULT-VALUE})")
    Path work;

    @Option(names = "--pretrain-iterations", defaultValue = "650", description = "default ${DEFAULT-VALUE}")
    int pretrainIterations;

    @Option(names = "--search-iterations", defaultValue = "250", description = "default ${DEFAULT-VALUE}")
    int searchIterations;

    @Option(names = "--finetune-iterations", defaultValue = "1050", description = "default ${DEFAULT-VALUE}")
    int finetuneIterations;

    @Option(names = "--val-scenes", defaultValue = "150", description = "held-out scenes scored (default ${DEFAULT-VALUE})")
    int valScenes;

    @Option(names = "--target-ratio", defaultValue = "0.7",
            description = "target as a fraction of the MACs (or predicted ms) at 512x1024 of the largest network in the search space "
                    + "(default ${DEFAULT-VALUE})")
    double targetRatio;

    @Option(names = "--calibration-batches", defaultValue = "100",
            description = "train-mode forward passes that re-estimate the teacher's BatchNorm statistics (default ${DEFAULT-VALUE})")
    int calibrationBatches;

    @Option(names = "--latency-model", description = "a latency model of this CPU ('rtseg latency collect --config "
            + "examples/configs/synthetic-small.json', then 'fit'): search under a latency target instead of a MAC target")
    Path latencyModel;

    @Option(names = "--set", description = "override a field of the demo's run config, key=value with a dotted key "
            + "(e.g. training.kdReduction=mean); the resolved config is written to <work>/run.json")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--shared", description = "the shared sample data folder (default: ../shared or -Drtseg.shared)")
    Path shared;

    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final Map<String, List<SegmentationTrainer.Step>> curves = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        int used = runtime.configureThreads();
        RunConfig run = demoConfig(overrides);
        try (Goal goal = latencyModel == null ? Goal.macs() : Goal.latency(latencyModel, used, runtime.device())) {
            Files.createDirectories(work);
            run.save(work.resolve("run.json"));
            run(run, goal, used, start);
        }
        return 0;
    }

    private void run(RunConfig run, Goal goal, int used, long start) throws Exception {
        List<Device> devices = runtime.trainingDevices();
        Device device = devices.get(0);
        BatchSource batches = PhaseCommand.batches(run, devices.size());
        Path supernetDir = work.resolve("pretrain/model");
        Path teacherDir = work.resolve("pretrain/teacher");
        long t0 = System.nanoTime();
        curves.put("pretrain", Pipeline.pretrain(run.networkConfig(), run.training().withIterations(pretrainIterations), batches,
                work.resolve("pretrain"), devices, false));
        seconds.put("pretrain", elapsed(t0));
        t0 = System.nanoTime();
        Pipeline.teacher(supernetDir, batches, calibrationBatches, teacherDir, device);
        seconds.put("teacher", elapsed(t0));
        double largest;
        try (Model supernet = ModelDirectory.load(supernetDir, device)) {
            largest = goal.ofLargestPaths(ModelDirectory.network(supernet));
        }
        double target = targetRatio * largest;
        t0 = System.nanoTime();
        Pipeline.SearchResult search = Pipeline.search(supernetDir, teacherDir, goal.costs(), target,
                run.training().withIterations(searchIterations), batches, work.resolve("search"), devices, false);
        curves.put("search", search.steps());
        Pipeline.extract(work.resolve("search/search"), work.resolve("subnet"), device);
        double achieved;
        try (Model subnet = ModelDirectory.load(work.resolve("subnet"), device)) {
            achieved = goal.of(ModelDirectory.network(subnet));
        }
        seconds.put("search+extract", elapsed(t0));
        t0 = System.nanoTime();
        curves.put("finetune", Pipeline.finetune(work.resolve("subnet"), teacherDir, run.training().withIterations(finetuneIterations),
                batches, work.resolve("finetune"), devices, false));
        seconds.put("finetune", elapsed(t0));
        report(run, teacherDir, work.resolve("finetune/model"), goal, new SearchOutcome(goal.unit(), largest, target, search.expected(),
                search.projection().decided(), search.projection().projected(), achieved), used, start);
    }

    /**
     * What the search aims at: the eval graph's MACs, or the latency a model of this CPU predicts,
     * with the meter of the model's form to measure what the search reached.
     */
    private record Goal(String unit, Pipeline.CostFactory costs, ToDoubleFunction<Supernet> measure, LatencyMlp mlp, DjlLatencyMeter meter)
            implements AutoCloseable {
        static Goal macs() {
            return new Goal("GMACs at 1x3x512x1024", space -> new MacCost(space, FULL_SIZE), DemoCommand::gmacs, null, null);
        }

        /** A latency goal; refused when the model was measured at another thread count than the demo runs at. */
        static Goal latency(Path model, int threads, Device device) throws IOException {
            LatencyMlp mlp = LatencyModels.load(model, threads, null, "the demo");
            DjlLatencyMeter meter = new DjlLatencyMeter(device, DjlLatencyMeter.Options.DEFAULT, LatencyDataset.form(mlp.description().measuredOn()));
            return new Goal("ms at 1x3x512x1024 predicted by " + model, space -> new LatencyCost(mlp, space, FULL_SIZE),
                    net -> mlp.predictNetwork(NetworkUnits.specs(net, FULL_SIZE)), mlp, meter);
        }

        double of(Supernet net) {
            return measure.applyAsDouble(net);
        }

        /** The network's latency at 1×3×512×1024 measured as the latency model's units were, in its form; NaN for a MAC goal. */
        double measuredMs(Model model) {
            return meter == null ? Double.NaN : NetworkCalibration.measure(model, FULL_SIZE, meter).medianMs();
        }

        /** The cost of the largest network of the search space: every mixed block on its costliest path, all channels. */
        double ofLargestPaths(Supernet net) {
            for (MixedBlock block : net.mixedBlocks()) {
                int costliest = 0;
                double most = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < block.candidates().size(); c++) {
                    block.choose(c);
                    double cost = of(net);
                    if (cost > most) {
                        most = cost;
                        costliest = c;
                    }
                }
                block.choose(costliest);
            }
            return of(net);
        }

        @Override
        public void close() {
            if (mlp != null) {
                mlp.close();
            }
        }
    }

    /**
     * The search's figures, in the goal's unit.
     *
     * @param unit GMACs or predicted ms, at 512×1024
     * @param largest the largest network of the search space (the target's reference)
     * @param target the target
     * @param expected the cost model at the end of the search (paths weighted by softmax α)
     * @param decided the decided architecture (argmax α, binarised masks) before it was landed on the target
     * @param projected the search space's cost after the landing, as the search's cost model gives it
     * @param achieved the extracted subnet's
     */
    private record SearchOutcome(String unit, double largest, double target, double expected, double decided, double projected,
            double achieved) {}

    private static double elapsed(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The demo's run config, shipped as a resource. */
    static RunConfig demoConfig() throws IOException {
        return demoConfig(List.of());
    }

    /** The demo's run config with overrides ({@code key=value}, as the phase commands' {@code --set}). */
    static RunConfig demoConfig(List<String> overrides) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo.json")) {
            Path tmp = Files.createTempFile("rtseg-demo", ".json");
            try {
                Files.write(tmp, in.readAllBytes());
                return RunConfig.load(tmp, overrides);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static double gmacs(Supernet net) {
        return Complexity.of(net, FULL_SIZE, Complexity.Options.EVAL).macs() / 1e9;
    }

    /** Scores and times the supernet (its self-distillation teacher, the supernet as a whole) and the subnet; writes the report. */
    private void report(RunConfig run, Path teacherDir, Path modelDir, Goal goal, SearchOutcome outcome, int threads, long start) throws Exception {
        long t0 = System.nanoTime();
        SegmentationDataset val = run.data().withSamples(valScenes).evaluation("val");
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        report.put("engine", "PyTorch " + Engines.pytorch().getVersion());
        report.put("device", runtime.device().toString());
        report.put("threads", threads);
        report.put("dataset", "synthetic street scenes, " + run.data().sceneHeight() + "x" + run.data().sceneWidth()
                + ", " + valScenes + " held-out scenes");
        List<Figures.Point> points = new ArrayList<>();
        ObjectNode networks = report.putObject("networks");
        Map<String, Path> dirs = new LinkedHashMap<>();
        dirs.put("supernet", teacherDir);
        dirs.put("subnet", modelDir);
        double subnetMsPerGmac = 0;
        double subnetMeasured = Double.NaN;
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            try (Model model = ModelDirectory.load(e.getValue(), runtime.device())) {
                Supernet net = ModelDirectory.network(model);
                SegmentationMetrics metrics = Evaluation.score(model.getNDManager(), net, val, TestTimeAugmentation.NONE,
                        "evaluate " + e.getKey(), (sample, predicted) -> { });
                Complexity.Report c = Complexity.of(net, FULL_SIZE, Complexity.Options.EVAL);
                ForwardTiming small = ForwardTiming.measure(net, model.getNDManager(),
                        new Shape(1, 3, run.data().sceneHeight(), run.data().sceneWidth()), 3, 20);
                ForwardTiming full = ForwardTiming.measure(net, model.getNDManager(), FULL_SIZE, 1, 5);
                ObjectNode n = networks.putObject(e.getKey());
                n.put("mIoU", metrics.meanIoU());
                n.put("averaging", metrics.rule().toString());
                ObjectNode perClass = n.putObject("classIoU");
                for (int k = 0; k < metrics.classNames().size(); k++) {
                    perClass.put(metrics.classNames().get(k), metrics.iou()[k]);
                }
                n.put("params", c.params());
                n.put("gmacs_512x1024", c.macs() / 1e9);
                n.put("ms_demo_size", small.medianMs());
                n.put("ms_512x1024", full.medianMs());
                points.add(new Figures.Point(e.getKey(), full.medianMs(), metrics.meanIoU()));
                if (e.getKey().equals("subnet")) {
                    subnetMeasured = goal.measuredMs(model);
                    subnetMsPerGmac = full.medianMs() / (c.macs() / 1e9);
                    writePredictions(net, model.getNDManager(), val);
                }
            }
        }
        ObjectNode search = report.putObject("search");
        search.put("unit", outcome.unit());
        search.put("largest_network", outcome.largest());
        search.put("target", outcome.target());
        search.put("expected_at_end", outcome.expected());
        search.put("decided_before_projection", outcome.decided());
        search.put("projected", outcome.projected());
        search.put("achieved", outcome.achieved());
        search.put("achieved_over_target", outcome.achieved() / outcome.target());
        if (!Double.isNaN(subnetMeasured)) {
            search.put("measured", subnetMeasured);
            search.put("measured_over_target", subnetMeasured / outcome.target());
        }
        List<Figures.Marker> markers = new ArrayList<>();
        for (Object[] preset : new Object[][] {{"RTSeg-S", 5.7}, {"RTSeg-M", 9.2}, {"RTSeg-L", 20.8}}) {
            markers.add(new Figures.Marker(preset[0] + " " + preset[1] + " GMACs ≈", subnetMsPerGmac * (double) preset[1]));
        }
        Path figures = work.resolve("figures");
        Figures.latencyMiou(figures.resolve("latency_miou.png"),
                "mIoU (synthetic scenes) vs CPU latency at 1x3x512x1024", points, markers);
        Figures.trainingCurves(figures.resolve("training_curves.png"), curves);
        seconds.put("evaluate+report", elapsed(t0));
        seconds.put("total", elapsed(start));
        ObjectNode wall = report.putObject("wall_seconds");
        seconds.forEach(wall::put);
        AtomicFiles.writeString(work.resolve("report.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        printSummary(report);
    }

    /** Colour masks and overlays of a few held-out scenes and, when present, a real Cityscapes frame. */
    private void writePredictions(Supernet net, NDManager manager, SegmentationDataset val) throws IOException {
        PredictionWriter writer = new PredictionWriter(val.format());
        Path out = work.resolve("predictions");
        List<LabeledImage> images = new ArrayList<>();
        for (int i = 0; i < Math.min(4, val.size()); i++) {
            images.add(val.load(i));
        }
        Path root = shared != null ? shared : Path.of(System.getProperty("rtseg.shared", "../shared"));
        Path frame = root.resolve(CITYSCAPES_FRAME);
        if (Files.exists(frame)) {
            RgbImage rgb = ImageFiles.readRgb(frame);
            images.add(new LabeledImage("cityscapes_frankfurt_000000_000294", rgb,
                    new LabelMap(rgb.width(), rgb.height(), new byte[rgb.width() * rgb.height()])));
        }
        for (LabeledImage image : images) {
            LabelMap prediction = Evaluation.predict(manager, net, TestTimeAugmentation.NONE, image.image());
            writer.writeColorMask(out.resolve(image.key() + "_mask.png"), prediction);
            writer.writeOverlay(out.resolve(image.key() + "_overlay.png"), image.image(), prediction, 0.5);
        }
    }

    private void printSummary(ObjectNode report) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-10s %8s %10s %12s %14s %16s%n", "network", "mIoU", "params", "GMACs@512", "ms@demo-size", "ms@512x1024");
        report.get("networks").fields().forEachRemaining(e -> {
            var n = e.getValue();
            System.out.printf(Locale.ROOT, "%-10s %8.3f %,10d %12.3f %14.2f %16.1f%n", e.getKey(), n.get("mIoU").asDouble(),
                    n.get("params").asLong(), n.get("gmacs_512x1024").asDouble(), n.get("ms_demo_size").asDouble(),
                    n.get("ms_512x1024").asDouble());
        });
        var s = report.get("search");
        System.out.printf(Locale.ROOT, "search target %.3f, achieved %.3f (%+.1f %%; decided %.3f before landing on the target), largest network %.3f (%s)%n",
                s.get("target").asDouble(), s.get("achieved").asDouble(), 100 * (s.get("achieved_over_target").asDouble() - 1),
                s.get("decided_before_projection").asDouble(), s.get("largest_network").asDouble(), s.get("unit").asText());
        if (s.has("measured")) {
            System.out.printf(Locale.ROOT, "subnet measured %.1f ms at 1x3x512x1024 as the latency model measures: %.3f × the target (%s)%n",
                    s.get("measured").asDouble(), s.get("measured_over_target").asDouble(),
                    Math.abs(s.get("measured_over_target").asDouble() - 1) <= 0.1 ? "within ±10 %" : "not within ±10 %");
        }
        StringBuilder wall = new StringBuilder("wall time:");
        report.get("wall_seconds").fields().forEachRemaining(e -> wall.append(String.format(Locale.ROOT, " %s %.0f s;", e.getKey(), e.getValue().asDouble())));
        System.out.println(wall);
        System.out.println("report, figures and predictions in " + work.toAbsolutePath());
    }
}
