package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.latency.LatencyDataset;
import org.rtseg.latency.Sample;

/** {@code rtseg latency}: collect → fit → eval → networks → bench on small shapes, in process. */
class LatencyCommandTest {

    private static final String FAST = "--warmup=1 --min-reps=3 --max-reps=3";

    static String[] args(String line) {
        return line.trim().split("\\s+");
    }

    @Test
    void collectFitEvalNetworksBench(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path model = dir.resolve("model");
        CoreCommandsTest.Run c = CoreCommandsTest.run(args("latency collect --threads 1 --samples 60 --sizes 64x128,32x64 --out " + data + " " + FAST));
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("measured now"), c.out());
        long rows = Files.readAllLines(data.resolve(LatencyDataset.CSV)).size() - 1;
        JsonNode meta = new ObjectMapper().readTree(data.resolve(LatencyDataset.METADATA).toFile());
        assertEquals("cpu()", meta.get("device").asText());
        assertEquals(1, meta.get("threads").asInt());
        assertTrue(meta.get("engine").asText().startsWith("PyTorch"), meta.toString());
        assertTrue(meta.has("date") && meta.has("units_per_minute"));
        assertEquals("reuse", meta.get(LatencyDataset.C_HEAP).asText(), "measured under TensorMemory, as networks run");

        // resumed: asking for more measures only the new units
        CoreCommandsTest.Run more = CoreCommandsTest.run(args("latency collect --threads 1 --samples 70 --sizes 64x128,32x64 --out " + data + " " + FAST));
        assertEquals(0, more.code(), more.err());
        Matcher now = Pattern.compile("(\\d+) measured now").matcher(more.out());
        assertTrue(now.find(), more.out());
        assertTrue(Integer.parseInt(now.group(1)) <= 10, more.out());
        assertTrue(Files.readAllLines(data.resolve(LatencyDataset.CSV)).size() - 1 > rows);

        // more of one unit type, where a predictor errs
        List<String> before = Files.readAllLines(data.resolve(LatencyDataset.CSV));
        CoreCommandsTest.Run convs = CoreCommandsTest.run(args("latency collect --threads 1 --samples 12 --types conv --seed 5 --sizes 64x128 --out "
                + data + " " + FAST));
        assertEquals(0, convs.code(), convs.err());
        List<String> after = Files.readAllLines(data.resolve(LatencyDataset.CSV));
        List<String> added = after.subList(before.size(), after.size());
        assertTrue(added.size() >= 8 && added.stream().allMatch(l -> l.startsWith("conv,")), added.toString());
        assertEquals("conv", new ObjectMapper().readTree(data.resolve(LatencyDataset.METADATA).toFile()).get("types").asText());
        CoreCommandsTest.Run unknown = CoreCommandsTest.run(args("latency collect --threads 1 --samples 2 --types nope --out " + data + " " + FAST));
        assertTrue(unknown.code() != 0 && unknown.err().contains("nope") && unknown.err().contains("conv"), unknown.err());

        CoreCommandsTest.Run fit = CoreCommandsTest.run(args("latency fit --data " + data + " --out " + model + " --max-steps 300"));
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.out().contains("held-out: n=") && fit.out().contains("MAPE") && fit.out().contains("Spearman"), fit.out());
        assertTrue(Files.exists(model.resolve("latency-mlp.json")) && Files.exists(model.resolve("latency-mlp.params")));
        JsonNode desc = new ObjectMapper().readTree(model.resolve("latency-mlp.json").toFile());
        assertEquals("cpu()", desc.at("/measuredOn/device").asText());
        assertTrue(desc.at("/training/steps").asInt() > 0 && desc.at("/features/types").size() >= 8, desc.toString());

        CoreCommandsTest.Run eval = CoreCommandsTest.run(args("latency eval --model " + model + " --data " + data));
        assertEquals(0, eval.code(), eval.err());
        String heldOut = fit.out().substring(fit.out().indexOf("held-out:")).trim();
        assertEquals(heldOut, eval.out().trim(), "fit and eval agree on the held-out split");

        // sampling seeded by the search: the searched subnet's units join the data, and the model is fitted again
        long beforeRefine = Files.readAllLines(data.resolve(LatencyDataset.CSV)).size();
        CoreCommandsTest.Run refine = CoreCommandsTest.run(args("latency refine --threads 1 --model " + model + " --data " + data
                + " --size 64x128 --rounds 1 --targets 0.3 " + FAST));
        assertEquals(0, refine.code(), refine.err());
        Matcher probe = Pattern.compile("round 1, target [0-9.]+ ms: Σ units predicted [0-9.]+ ms, measured [0-9.]+ ms \\([0-9.]+\\); (\\d+) units, (\\d+) new")
                .matcher(refine.out());
        assertTrue(probe.find() && refine.out().contains("held-out: n="), refine.out());
        assertEquals(beforeRefine + Integer.parseInt(probe.group(2)), Files.readAllLines(data.resolve(LatencyDataset.CSV)).size(), refine.out());
        assertTrue(Integer.parseInt(probe.group(1)) >= 5, refine.out());

        CoreCommandsTest.Run nets = CoreCommandsTest.run(args("latency networks --threads 1 --model " + model
                + " --subnets 2 --size 64x128 --write " + FAST));
        assertEquals(0, nets.code(), nets.err());
        assertTrue(nets.out().contains("subnet1") && nets.out().contains("bisenetv2") && nets.out().contains("scale written"), nets.out());
        assertTrue(new ObjectMapper().readTree(model.resolve("latency-mlp.json").toFile()).get("networkScale").asDouble() != 1);

        double stored = new ObjectMapper().readTree(model.resolve("latency-mlp.json").toFile()).get("networkScale").asDouble();
        CoreCommandsTest.Run bench = CoreCommandsTest.run(args("latency bench --threads 1 --model " + model + " --data " + data
                + " --size 64x128 --subnets 2 --calibrate 2 --targets 0.8 --throughput-units 3 --rounds 2 " + FAST));
        assertEquals(0, bench.code(), bench.err());
        Matcher sitting = Pattern.compile("scale in this sitting: ([0-9.]+) over 2 random subnets \\(stored ([0-9.]+)\\)").matcher(bench.out());
        assertTrue(sitting.find(), bench.out());
        assertEquals(stored, Double.parseDouble(sitting.group(2)), 1e-3);
        assertTrue(bench.out().contains("random subnets, as the model predicts them (scale " + sitting.group(1) + ")"),
                "the judged subnets are predicted with the scale of this sitting: " + bench.out());
        assertEquals(stored, new ObjectMapper().readTree(model.resolve("latency-mlp.json").toFile()).get("networkScale").asDouble(),
                "bench leaves the stored scale as it was");
        assertTrue(bench.out().contains("units/min") && bench.out().contains("speed-up vs bisenetv2"), bench.out());
        assertTrue(bench.out().contains("null check, bisenetv2 / bisenetv2 (second instance) over 2 interleaved rounds"), bench.out());
        assertTrue(bench.out().matches("(?s).*subnet 0.80×: .*measured/predicted [0-9.]+ (PASS|FAIL|VOID).*"), bench.out());
        Matcher random = Pattern.compile("all 2 random subnets, as the model predicts them .* — ([0-9]+) % within ±10 % \\(goal ≥ 90 %\\) (PASS|FAIL)")
                .matcher(bench.out());
        assertTrue(random.find(), bench.out());
        int share = Integer.parseInt(random.group(1));
        assertTrue(share == 0 || share == 50 || share == 100, "a share of two subnets: " + share);
        assertEquals(share >= 90 ? "PASS" : "FAIL", random.group(2), bench.out());
        assertTrue(bench.out().matches("(?s).*Spearman over all 4 networks .*: -?[0-9.]+ \\(goal ≥ 0.95\\) (PASS|FAIL).*"), bench.out());
        Matcher measured = Pattern.compile("bisenetv2 before the searches: measured ([0-9.]+) ms").matcher(bench.out());
        Matcher target = Pattern.compile("target 0.80× bisenetv2 = ([0-9.]+) ms").matcher(bench.out());
        assertTrue(measured.find() && target.find(), bench.out());
        assertEquals(0.8 * Double.parseDouble(measured.group(1)), Double.parseDouble(target.group(1)), 0.1,
                "targets are fractions of bisenetv2 as measured, not as predicted");
    }

    /** A run config names its search space by a preset; its dataset's classes size the head. */
    @Test
    void theSearchSpaceOfARunConfigWhoseNetworkIsAPreset(@TempDir Path dir) throws Exception {
        CoreCommandsTest.Run c = CoreCommandsTest.run(args("latency collect --config configs/camvid/supernet-cpu.json --types head --threads 1 "
                + "--samples 2 --sizes 32x64 --out " + dir + " " + FAST));
        assertEquals(0, c.code(), c.err());
        assertEquals("supernet-cpu", new ObjectMapper().readTree(dir.resolve(LatencyDataset.METADATA).toFile()).get("search_space").asText());
        List<Sample> heads = LatencyDataset.read(dir);
        assertFalse(heads.isEmpty());
        assertTrue(heads.stream().allMatch(s -> s.spec().args().outChannels() == 11), heads.toString());
    }

    /** A dataset records the form its units were timed in, and is continued only in that form. */
    @Test
    void aDeployFormDatasetSaysSoAndStaysInItsForm(@TempDir Path dir) throws Exception {
        CoreCommandsTest.Run c = CoreCommandsTest.run(args("latency collect --form deploy --threads 1 --samples 3 --sizes 32x64 --out " + dir + " " + FAST));
        assertEquals(0, c.code(), c.err());
        assertEquals("deploy", new ObjectMapper().readTree(dir.resolve(LatencyDataset.METADATA).toFile()).get(LatencyDataset.FORM).asText());
        CoreCommandsTest.Run eval = CoreCommandsTest.run(args("latency collect --threads 1 --samples 4 --sizes 32x64 --out " + dir + " " + FAST));
        assertEquals(1, eval.code());
        assertTrue(eval.err().contains("deploy form") && eval.err().contains("--form deploy"), eval.err());
    }

    /** A dataset measured under glibc's defaults (no c_heap recorded) is not continued under TensorMemory's settings. */
    @Test
    void aDatasetOfAnotherCHeapSettingIsNotContinued(@TempDir Path dir) throws Exception {
        ObjectNode before = new ObjectMapper().createObjectNode().put("device", "cpu()").put("threads", 1);
        LatencyDataset.writeMetadata(dir, before);
        CoreCommandsTest.Run r = CoreCommandsTest.run(args("latency collect --threads 1 --samples 2 --sizes 32x64 --out " + dir + " " + FAST));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("C heap set to system") && r.err().contains("-Drtseg.malloc"), r.err());
        assertFalse(Files.exists(dir.resolve(LatencyDataset.CSV)), "nothing measured into it");
    }

    @Test
    void errorsAreOneLine(@TempDir Path dir) {
        CoreCommandsTest.Run r = CoreCommandsTest.run(args("latency eval --model " + dir.resolve("none") + " --data " + dir));
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("rtseg eval: error:") && r.err().contains("latency.csv"), r.err());
        CoreCommandsTest.Run m = CoreCommandsTest.run(args("latency fit --data " + dir + " --out " + dir.resolve("m")));
        assertEquals(1, m.code());
        assertTrue(m.err().contains("rtseg latency collect"), m.err());
        assertTrue(SupernetConfig.PRESETS.contains("supernet"));
    }
}
