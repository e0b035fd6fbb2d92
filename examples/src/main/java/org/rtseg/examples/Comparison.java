package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.LabeledImage;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.data.eval.PredictionWriter;
import org.rtseg.data.eval.SegmentationMetrics;
import org.rtseg.inference.Evaluation;
import org.rtseg.inference.TestTimeAugmentation;

/**
 * The CPU budget's comparison of a baseline with the searched subnets: each network scored on the
 * recipe's eval split at the images' full size, its deploy graph (what ships: BatchNorm folded,
 * chosen paths only) timed at the cost size, and the report, the per-class IoU table, the Pareto
 * figure and overlays of a few frames written.
 *
 * <p>The latencies are measured in interleaved rounds (every network once per round, after warm-up
 * rounds), so that the machine's drift lands on all of them alike; the ratio to the baseline is
 * the median of the per-round ratios.
 */
final class Comparison {

    /** Untimed rounds first. */
    static final int WARMUP_ROUNDS = 3;
    /** Timed rounds. */
    static final int ROUNDS = 15;
    /** Val frames drawn as overlays, from the first. */
    static final int OVERLAY_FRAMES = 3;
    /** The goals of the CPU budget: the subnet's latency as a fraction of the baseline's, its mIoU in points below the baseline's. */
    static final double LATENCY_GOAL = 0.40;
    static final double MIOU_GOAL_POINTS = -1.0;

    private final Recipe recipe;
    private final Device device;
    private final Shape timedInput;
    private final int threads;

    /**
     * @param recipe its data and eval split
     * @param device where the networks run
     * @param timedInput the latency's input shape (the recipe's cost size)
     * @param threads libtorch's intra-op threads, for the report
     */
    Comparison(Recipe recipe, Device device, Shape timedInput, int threads) {
        this.recipe = recipe;
        this.device = device;
        this.timedInput = timedInput;
        this.threads = threads;
    }

    /**
     * One network's figures.
     *
     * @param name as the report names it
     * @param metrics its scores on the eval split
     * @param params parameters of the eval graph
     * @param gmacs GMACs of the eval graph at the timed size
     * @param ms median deploy-graph latency at the timed size
     * @param msRatio median over rounds of its latency over the baseline's
     */
    record Network(String name, SegmentationMetrics metrics, long params, double gmacs, double ms, double msRatio) {}

    /**
     * Scores, draws and times every network.
     *
     * @param dirs model directories by name, the baseline first
     * @param work where predictions go
     * @return the figures, in the order of {@code dirs}
     */
    Result run(Map<String, Path> dirs, Path work) throws IOException {
        SegmentationDataset val = recipe.data().evaluation(recipe.evalSplit());
        PredictionWriter writer = new PredictionWriter(val.format());
        Path predictions = work.resolve("predictions");
        for (int i = 0; i < Math.min(OVERLAY_FRAMES, val.size()); i++) {
            LabeledImage frame = val.load(i);
            writer.writeColorMask(predictions.resolve(frame.key() + "_truth.png"), frame.label());
        }
        List<Model> models = new ArrayList<>();
        List<Model> deployed = new ArrayList<>();
        try {
            List<SegmentationMetrics> scores = new ArrayList<>();
            for (Map.Entry<String, Path> e : dirs.entrySet()) {
                Model model = ModelDirectory.load(e.getValue(), device);
                models.add(model);
                deployed.add(DeployGraph.export(model, device));
                scores.add(score(e.getKey(), model, val, writer, predictions));
            }
            double[][] ms = time(deployed);
            List<Network> networks = new ArrayList<>();
            List<String> names = new ArrayList<>(dirs.keySet());
            for (int n = 0; n < names.size(); n++) {
                Supernet net = ModelDirectory.network(models.get(n));
                Complexity.Report c = Complexity.of(net, timedInput, Complexity.Options.EVAL);
                networks.add(new Network(names.get(n), scores.get(n), c.params(), c.macs() / 1e9, medianOf(ms[n]), medianRatio(ms[n], ms[0])));
            }
            return new Result(networks, Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion(),
                    threads, timedInput);
        } finally {
            deployed.forEach(Model::close);
            models.forEach(Model::close);
        }
    }

    private SegmentationMetrics score(String name, Model model, SegmentationDataset val, PredictionWriter writer, Path predictions)
            throws IOException {
        int[] seen = {0};
        return Evaluation.score(model.getNDManager(), ModelDirectory.network(model), val, TestTimeAugmentation.NONE, "evaluate " + name,
                (sample, predicted) -> {
                    if (seen[0]++ < OVERLAY_FRAMES) {
                        writer.writeOverlay(predictions.resolve(sample.key() + "_" + name + "_overlay.png"), sample.image(), predicted, 0.5);
                    }
                });
    }

    /** Deploy-graph latencies, [network][round]. */
    private double[][] time(List<Model> deployed) {
        double[][] ms = new double[deployed.size()][ROUNDS];
        for (int round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
            for (int n = 0; n < deployed.size(); n++) {
                Model m = deployed.get(n);
                double t = ForwardTiming.once(m.getBlock(), m.getNDManager(), timedInput);
                if (round >= 0) {
                    ms[n][round] = t;
                }
            }
        }
        return ms;
    }

    private static double medianOf(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return ForwardTiming.median(sorted);
    }

    private static double medianRatio(double[] ms, double[] reference) {
        double[] ratio = new double[ms.length];
        for (int i = 0; i < ms.length; i++) {
            ratio[i] = ms[i] / reference[i];
        }
        return medianOf(ratio);
    }

    /**
     * The comparison's figures.
     *
     * @param networks the baseline first, then the method's subnet, then the ablation's when run
     * @param engine the engine and its version
     * @param threads libtorch's intra-op threads
     * @param timedInput the latency's input shape
     */
    record Result(List<Network> networks, String engine, int threads, Shape timedInput) {

        Network baseline() {
            return networks.get(0);
        }

        /** Writes report.json, class_iou.md and figures/pareto.png into {@code work} and prints the summary. */
        void write(Path work, Recipe recipe, SearchTarget target, Map<String, Double> seconds) throws IOException {
            String size = timedInput.get(2) + "x" + timedInput.get(3);
            ObjectMapper json = new ObjectMapper();
            ObjectNode report = json.createObjectNode();
            report.put("dataset", recipe.dataset());
            report.put("split", recipe.evalSplit());
            report.put("engine", engine);
            report.put("threads", threads);
            report.put("cores", Runtime.getRuntime().availableProcessors());
            report.put("latency", "deploy graph, 1x3x" + size + ", median of " + ROUNDS + " interleaved rounds after " + WARMUP_ROUNDS);
            report.put("images_seen_by_each", Recipe.imagesSeen(recipe.baseline().training()));
            report.put("target", target.describe(size));
            ObjectNode all = report.putObject("networks");
            for (Network n : networks) {
                ObjectNode o = all.putObject(n.name());
                o.put("mIoU", n.metrics().meanIoU());
                o.put("params", n.params());
                o.put("gmacs", n.gmacs());
                o.put("ms", n.ms());
                o.put("ms_over_baseline", n.msRatio());
                ObjectNode perClass = o.putObject("classIoU");
                for (int k = 0; k < n.metrics().classNames().size(); k++) {
                    perClass.put(n.metrics().classNames().get(k), n.metrics().iou()[k]);
                }
            }
            Network rtseg = networks.get(1);
            ObjectNode goals = report.putObject("goals");
            double points = 100 * (rtseg.metrics().meanIoU() - baseline().metrics().meanIoU());
            goals.put("latency_over_baseline", rtseg.msRatio());
            goals.put("latency_goal", LATENCY_GOAL);
            goals.put("latency_met", rtseg.msRatio() <= LATENCY_GOAL);
            goals.put("miou_points_over_baseline", points);
            goals.put("miou_goal_points", MIOU_GOAL_POINTS);
            goals.put("miou_met", points >= MIOU_GOAL_POINTS);
            if (target.isLatency()) {
                goals.put("latency_target_ms", target.value());
                goals.put("measured_over_target", rtseg.ms() / target.value());
                goals.put("latency_target_met", target.metBy(rtseg.ms()));
            }
            if (networks.size() > 2) {
                goals.put("boosters_points_over_search_alone", 100 * (rtseg.metrics().meanIoU() - networks.get(2).metrics().meanIoU()));
            }
            ObjectNode wall = report.putObject("wall_seconds");
            seconds.forEach(wall::put);
            AtomicFiles.writeString(work.resolve("report.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            AtomicFiles.writeString(work.resolve("class_iou.md"), classTable());
            List<Figures.ParetoPoint> points2 = new ArrayList<>();
            networks.forEach(n -> points2.add(new Figures.ParetoPoint(n.name(), n.ms(), n.gmacs(), n.metrics().meanIoU())));
            Figures.pareto(work.resolve("figures/pareto.png"), String.format(Locale.ROOT, "%s %s: mIoU against latency (%d threads) and MACs, at %s",
                    recipe.dataset(), recipe.evalSplit(), threads, size), points2);
            print(work, goals, seconds, size);
        }

        /** Per-class IoU of every network, as a Markdown table. */
        String classTable() {
            StringBuilder t = new StringBuilder("| class |");
            StringBuilder rule = new StringBuilder("|---|");
            for (Network n : networks) {
                t.append(' ').append(n.name()).append(" |");
                rule.append("---|");
            }
            t.append('\n').append(rule).append('\n');
            List<String> classes = baseline().metrics().classNames();
            for (int k = 0; k < classes.size(); k++) {
                t.append("| ").append(classes.get(k)).append(" |");
                for (Network n : networks) {
                    t.append(String.format(Locale.ROOT, " %.4f |", n.metrics().iou()[k]));
                }
                t.append('\n');
            }
            t.append("| **mIoU** |");
            for (Network n : networks) {
                t.append(String.format(Locale.ROOT, " **%.4f** |", n.metrics().meanIoU()));
            }
            return t.append('\n').toString();
        }

        private void print(Path work, ObjectNode goals, Map<String, Double> seconds, String size) {
            System.out.println();
            System.out.print(classTable());
            System.out.println();
            System.out.printf(Locale.ROOT, "%-20s %8s %11s %12s %12s %10s%n", "network", "mIoU", "params", "GMACs@" + size, "ms@" + size,
                    "x baseline");
            for (Network n : networks) {
                System.out.printf(Locale.ROOT, "%-20s %8.4f %,11d %12.3f %12.1f %10.3f%n", n.name(), n.metrics().meanIoU(), n.params(),
                        n.gmacs(), n.ms(), n.msRatio());
            }
            System.out.printf(Locale.ROOT, "goal: latency <= %.2f x baseline: %.3f (%s); mIoU >= baseline %+.1f points: %+.2f (%s)%n",
                    LATENCY_GOAL, goals.get("latency_over_baseline").asDouble(), goals.get("latency_met").asBoolean() ? "met" : "missed",
                    MIOU_GOAL_POINTS, goals.get("miou_points_over_baseline").asDouble(), goals.get("miou_met").asBoolean() ? "met" : "missed");
            if (goals.has("latency_target_ms")) {
                System.out.printf(Locale.ROOT, "search target %.1f ms predicted: rtseg measured %.1f ms, %.3f of it (within ±%.0f %%: %s)%n",
                        goals.get("latency_target_ms").asDouble(), networks.get(1).ms(), goals.get("measured_over_target").asDouble(),
                        100 * SearchTarget.LATENCY_TOLERANCE, goals.get("latency_target_met").asBoolean() ? "met" : "missed");
            }
            if (goals.has("boosters_points_over_search_alone")) {
                System.out.printf(Locale.ROOT, "boosters (Table 4): search + boosters %+.2f points over search alone%n",
                        goals.get("boosters_points_over_search_alone").asDouble());
            }
            StringBuilder wall = new StringBuilder("wall time:");
            seconds.forEach((phase, s) -> wall.append(String.format(Locale.ROOT, " %s %.0f s;", phase, s)));
            System.out.println(wall);
            System.out.println("report.json, class_iou.md, figures/pareto.png and predictions/ in " + work.toAbsolutePath());
        }
    }
}
