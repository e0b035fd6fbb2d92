package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.latency.LatencyMlp;
import org.rtseg.latency.NetworkUnits;

class ReproduceCommandTest {

    @Test
    void dryRunPrintsThePlanOfEveryShippedRecipe() {
        for (String dataset : new String[] {"cityscapes", "voc", "ade20k"}) {
            CoreCommandsTest.Run r = CoreCommandsTest.run("reproduce", "--preset", "rtseg-s", "--dataset", dataset, "--dry-run");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("160000 iterations") && r.out().contains("40000 iterations"), r.out());
            assertTrue(r.out().contains("target 5.7 GMACs") && r.out().contains("GMACs with all paths"), r.out());
        }
        CoreCommandsTest.Run voc = CoreCommandsTest.run("reproduce", "--preset", "rtseg-l", "--dataset", "voc", "--dry-run");
        assertTrue(voc.out().contains("crop 513x513") && voc.out().contains("lr 0.01 "), voc.out());
    }

    /** A miniature recipe runs every phase; run again, finished phases are skipped and the result re-scored. */
    @Test
    void runsAndResumesEveryPhase(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode recipe = (ObjectNode) json.readTree(getClass().getResourceAsStream("configs/reproduce/cityscapes.json"));
        recipe.put("dataset", "synthetic").put("network", "bisenetv2");
        recipe.set("data", json.readTree("""
                {"dataset": "synthetic", "split": "train", "classes": 5, "samples": 4, "sceneHeight": 64, "sceneWidth": 64,
                 "cropHeight": 64, "cropWidth": 64, "scales": [0.75, 1.0], "scaleMin": 0, "scaleMax": 0, "flip": true, "jitter": 0.1, "seed": 2}"""));
        for (String phase : new String[] {"pretrain", "search", "finetune"}) {
            ObjectNode t = (ObjectNode) recipe.get(phase);
            t.put("iterations", 2).put("batchSize", 2).put("warmupIterations", 0).put("checkpointEvery", 1).put("learningRate", 0.01);
        }
        recipe.put("evalSplit", "val");
        Path file = dir.resolve("recipe.json");
        Files.writeString(file, json.writeValueAsString(recipe));
        Path work = dir.resolve("work");
        String[] args = {"reproduce", "--preset", "rtseg-m", "--dataset", "synthetic", "--recipe", file.toString(), "--root", "unused",
            "--work", work.toString(), "--threads", "1"};
        CoreCommandsTest.Run first = CoreCommandsTest.run(args);
        assertEquals(0, first.code(), first.err());
        for (String result : new String[] {"pretrain/model", "search/search", "subnet", "finetune/model"}) {
            assertTrue(Files.exists(work.resolve(result).resolve("config.json")), result);
        }
        assertTrue(json.readTree(work.resolve("metrics.json").toFile()).has("meanIoU") || Files.size(work.resolve("metrics.json")) > 0);
        long pretrainRows = Files.readAllLines(work.resolve("pretrain/metrics.csv")).size();
        CoreCommandsTest.Run again = CoreCommandsTest.run(args);
        assertEquals(0, again.code(), again.err());
        assertEquals(pretrainRows, Files.readAllLines(work.resolve("pretrain/metrics.csv")).size(), "finished phases are skipped");
    }

    @Test
    void cpuBudgetPlansABaselineOnAsManyImagesAndTheBoosterAblation() {
        CoreCommandsTest.Run r = CoreCommandsTest.run("reproduce", "--dataset", "camvid", "--budget", "cpu", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("RTSEG-CPU on camvid, recipe examples/configs/reproduce/camvid-cpu.json"), r.out());
        assertTrue(r.out().contains("0 baseline   600 iterations, batch 8") && r.out().contains("4800 images"), r.out());
        assertTrue(r.out().contains("target 2.2 GMACs") && r.out().contains("5 ablation"), r.out());
        CoreCommandsTest.Run longer = CoreCommandsTest.run("reproduce", "--dataset", "camvid", "--budget", "cpu-long", "--dry-run");
        assertEquals(0, longer.code(), longer.err());
        assertTrue(longer.out().contains("0 baseline   1800 iterations, batch 8") && longer.out().contains("14400 images"), longer.out());
        assertTrue(longer.out().contains("1 pretrain   900 iterations") && longer.out().contains("2 search     300 iterations")
                && longer.out().contains("4 finetune   600 iterations"), longer.out());
        CoreCommandsTest.Run paper = CoreCommandsTest.run("reproduce", "--dataset", "camvid", "--dry-run");
        assertTrue(paper.code() != 0 && paper.err().contains("no recipe for --dataset camvid --budget paper"), paper.err());
    }

    @Test
    void setChangesARecipeFieldAndRefusesOneTheRecipeLacks() {
        CoreCommandsTest.Run scaled = CoreCommandsTest.run("reproduce", "--dataset", "camvid", "--budget", "cpu-long", "--set",
                "search.beta=1.89e-4", "--dry-run");
        assertTrue(scaled.code() == 0 && scaled.out().contains("(β 1.89E-4, γ 1.0"), scaled.out() + scaled.err());
        CoreCommandsTest.Run misspelt = CoreCommandsTest.run("reproduce", "--dataset", "camvid", "--budget", "cpu", "--set",
                "search.betta=1", "--dry-run");
        assertTrue(misspelt.code() != 0 && misspelt.err().contains("betta"), misspelt.err());
    }

    /** The CPU budget's recipe in miniature, on synthetic scenes. */
    private static ObjectNode miniatureCpuRecipe() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode recipe = (ObjectNode) json.readTree(ReproduceCommandTest.class.getResourceAsStream("configs/reproduce/camvid-cpu.json"));
        recipe.put("dataset", "synthetic");
        recipe.set("data", json.readTree("""
                {"dataset": "synthetic", "split": "train", "classes": 5, "samples": 4, "sceneHeight": 64, "sceneWidth": 96,
                 "cropHeight": 64, "cropWidth": 64, "scales": [1.0], "flip": true, "seed": 3}"""));
        for (String phase : new String[] {"pretrain", "search", "finetune"}) {
            ((ObjectNode) recipe.get(phase)).put("iterations", 2).put("batchSize", 2).put("warmupIterations", 0).put("logEvery", 1)
                    .put("kdReduction", "sum"); // so that the distillation term shows in metrics.csv
        }
        ((ObjectNode) recipe.get("baseline").get("training")).put("iterations", 6).put("batchSize", 2).put("warmupIterations", 0);
        recipe.putArray("costInput").add(64).add(96);
        recipe.putObject("targets").put("rtseg-cpu", 0.1);
        return recipe;
    }

    private static String[] cpuArgs(Path recipe, Path work) {
        return new String[] {"reproduce", "--dataset", "synthetic", "--budget", "cpu", "--recipe", recipe.toString(), "--root", "unused",
            "--work", work.toString(), "--threads", "1"};
    }

    /**
     * The comparison: baseline, subnet and the subnet searched without boosters are each scored,
     * counted and timed, and the report's goals follow from its own figures.
     */
    @Test
    void cpuBudgetComparesTheBaselineWithTheSubnetAndItsAblation(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("recipe.json");
        Files.writeString(file, miniatureCpuRecipe().toString());
        Path work = dir.resolve("work");
        CoreCommandsTest.Run r = CoreCommandsTest.run(cpuArgs(file, work));
        assertEquals(0, r.code(), r.err());
        JsonNode report = new ObjectMapper().readTree(work.resolve("report.json").toFile());
        JsonNode networks = report.get("networks");
        assertEquals(List.of("bisenetv2", "rtseg", "rtseg-search-alone"), iterableNames(networks));
        for (JsonNode n : networks) {
            assertTrue(n.get("mIoU").asDouble() >= 0 && n.get("mIoU").asDouble() <= 1 && n.get("ms").asDouble() > 0, n.toString());
            assertEquals(5, n.get("classIoU").size(), n.toString());
        }
        assertEquals(1.0, networks.get("bisenetv2").get("ms_over_baseline").asDouble(), 1e-12);
        assertEquals(0.1, networks.get("rtseg").get("gmacs").asDouble(), 0.005, "searched under the recipe's target");
        JsonNode goals = report.get("goals");
        double points = 100 * (networks.get("rtseg").get("mIoU").asDouble() - networks.get("bisenetv2").get("mIoU").asDouble());
        assertEquals(points, goals.get("miou_points_over_baseline").asDouble(), 1e-9);
        assertEquals(points >= -1, goals.get("miou_met").asBoolean());
        assertEquals(networks.get("rtseg").get("ms_over_baseline").asDouble() <= 0.4, goals.get("latency_met").asBoolean());
        assertEquals(12, report.get("images_seen_by_each").asInt());
        // The ablation trained without aux losses and without distillation, the subnet with both.
        assertEquals(List.of("0.000000"), column(work.resolve("ablation/finetune/metrics.csv"), "gamma_aux"));
        assertEquals(List.of("0.000000"), column(work.resolve("ablation/search/metrics.csv"), "lambda_kd"));
        assertTrue(!column(work.resolve("finetune/metrics.csv"), "gamma_aux").contains("0.000000"));
        assertTrue(!column(work.resolve("search/metrics.csv"), "lambda_kd").contains("0.000000"));
        List<String> table = Files.readAllLines(work.resolve("class_iou.md"));
        assertEquals("| class | bisenetv2 | rtseg | rtseg-search-alone |", table.get(0));
        assertEquals(2 + 5 + 1, table.size(), String.join("\n", table));
        BufferedImage figure = ImageIO.read(work.resolve("figures/pareto.png").toFile());
        assertEquals(1100, figure.getWidth());
        for (String name : new String[] {"truth", "bisenetv2_overlay", "rtseg_overlay", "rtseg-search-alone_overlay"}) {
            try (var files = Files.list(work.resolve("predictions"))) {
                assertEquals(3, files.filter(f -> f.getFileName().toString().endsWith("_" + name + ".png")).count(), name);
            }
        }
        assertTrue(r.out().contains("goal: latency <= 0.40 x baseline"), r.out());
    }

    /**
     * Given a latency model in the deploy form, the search aims at --target-ms: the subnet is
     * predicted at the target, and the report sets its measured latency against it.
     */
    @Test
    void cpuBudgetSearchesUnderALatencyTargetGivenALatencyModel(@TempDir Path dir) throws Exception {
        ObjectNode recipe = miniatureCpuRecipe();
        recipe.put("boosterAblation", false);
        Path file = dir.resolve("recipe.json");
        Files.writeString(file, recipe.toString());
        Path data = dir.resolve("latency");
        Path model = dir.resolve("latency-model");
        String fast = " --sizes 64x96 --samples 150 --threads 1 --trials 1 --warmup 1 --min-reps 3 --max-reps 3 --out ";
        assertEquals(0, CoreCommandsTest.run(LatencyCommandTest.args("latency collect --preset supernet-cpu --form deploy" + fast + data)).code());
        assertEquals(0, CoreCommandsTest.run(LatencyCommandTest.args("latency fit --max-steps 200 --data " + data + " --out " + model)).code());
        Shape input = new Shape(1, 3, 64, 96);
        double target;
        try (LatencyMlp mlp = LatencyMlp.load(model)) {
            target = 0.8 * mlp.predictNetwork(NetworkUnits.specs(Supernet.of(SupernetConfig.preset("supernet-cpu").withNumClasses(5)), input));
        }
        Path work = dir.resolve("work");
        List<String> args = new ArrayList<>(List.of(cpuArgs(file, work)));
        args.addAll(List.of("--latency-model", model.toString(), "--target-ms", Double.toString(target)));
        CoreCommandsTest.Run r = CoreCommandsTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(String.format(Locale.ROOT, "target %.1f ms", target)), r.out());
        try (LatencyMlp mlp = LatencyMlp.load(model); Model subnet = ModelDirectory.load(work.resolve("finetune/model"), Device.cpu())) {
            assertEquals(target, mlp.predictNetwork(NetworkUnits.specs(ModelDirectory.network(subnet), input)), 0.03 * target,
                    "the subnet is predicted at the latency target");
        }
        JsonNode report = new ObjectMapper().readTree(work.resolve("report.json").toFile());
        JsonNode goals = report.get("goals");
        double ms = report.get("networks").get("rtseg").get("ms").asDouble();
        assertTrue(report.get("target").asText().startsWith("latency: " + target + " ms at 64x96"), report.toString());
        assertEquals(target, goals.get("latency_target_ms").asDouble());
        assertEquals(ms / target, goals.get("measured_over_target").asDouble(), 1e-12);
        assertEquals(Math.abs(ms / target - 1) <= 0.1, goals.get("latency_target_met").asBoolean());
        assertTrue(r.out().contains("search target " + String.format(Locale.ROOT, "%.1f", target) + " ms predicted: rtseg measured"), r.out());
    }

    /** A latency target is refused, before anything is written, without its model or with a model of another form. */
    @Test
    void aLatencyTargetNeedsAModelMeasuredAsTheRunTimes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("recipe.json");
        Files.writeString(file, miniatureCpuRecipe().toString());
        Path work = dir.resolve("work");
        List<String> args = new ArrayList<>(List.of(cpuArgs(file, work)));
        args.addAll(List.of("--target-ms", "10"));
        CoreCommandsTest.Run alone = CoreCommandsTest.run(args.toArray(String[]::new));
        assertTrue(alone.code() != 0 && alone.err().contains("--target-ms needs --latency-model DIR"), alone.err());
        Path data = dir.resolve("latency");
        Path model = dir.resolve("latency-model");
        String fast = " --sizes 64x96 --samples 20 --threads 1 --trials 1 --warmup 1 --min-reps 3 --max-reps 3 --out ";
        assertEquals(0, CoreCommandsTest.run(LatencyCommandTest.args("latency collect --preset supernet-cpu" + fast + data)).code());
        assertEquals(0, CoreCommandsTest.run(LatencyCommandTest.args("latency fit --max-steps 20 --data " + data + " --out " + model)).code());
        args.addAll(List.of("--latency-model", model.toString()));
        CoreCommandsTest.Run eval = CoreCommandsTest.run(args.toArray(String[]::new));
        assertTrue(eval.code() != 0, eval.out());
        assertTrue(eval.err().contains("the latency model " + model + " was measured in the eval form and reproduce times the deploy form: "
                + "collect one with --form deploy"), eval.err());
        assertTrue(Files.notExists(work), "nothing is written");
    }

    @Test
    void aBaselineThatSeesOtherThanTheMethodsImagesIsRefused(@TempDir Path dir) throws Exception {
        ObjectNode recipe = miniatureCpuRecipe();
        ((ObjectNode) recipe.get("baseline").get("training")).put("iterations", 5);
        Path file = dir.resolve("recipe.json");
        Files.writeString(file, recipe.toString());
        CoreCommandsTest.Run r = CoreCommandsTest.run(cpuArgs(file, dir.resolve("work")));
        assertTrue(r.code() != 0, r.out());
        assertTrue(r.err().contains("the baseline sees 10 images (iterations x batchSize) and the method 12"), r.err());
        assertTrue(Files.notExists(dir.resolve("work")), "nothing is written");
    }

    private static List<String> iterableNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The distinct values of a column of a metrics.csv. */
    private static List<String> column(Path csv, String name) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        int c = List.of(lines.get(0).split(",")).indexOf(name);
        return lines.stream().skip(1).map(l -> l.split(",")[c]).distinct().toList();
    }
}
