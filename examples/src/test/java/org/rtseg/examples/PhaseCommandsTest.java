package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;

/** pretrain → search → extract → finetune on synthetic scenes, from the command line. */
class PhaseCommandsTest {

    static final String RUN = """
            {"network": {"name": "tiny", "numClasses": 8,
               "detail": {"stages": [[8], [8], [16]]},
               "segment": {"stemChannels": 8, "stages": [
                 {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                  "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}, {"type": "skip"}]}]},
                 {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
                 {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                  "blocks": [{"candidates": [{"type": "mhsa", "params": {"heads": 2, "patch": 1}}, {"type": "lir", "params": {"expansion": 2}}]}]}]},
               "head": {"channels": 16, "dropout": 0.1},
               "aux": {"enabled": true, "channels": 8, "dropout": 0.1}},
             "data": {"dataset": "synthetic", "classes": 8, "samples": 8, "sceneHeight": 64, "sceneWidth": 64,
                      "cropHeight": 64, "cropWidth": 64, "scaleMin": 0.75, "scaleMax": 1.25, "flip": true, "jitter": 0.1, "seed": 1},
             "training": {"iterations": 4, "batchSize": 2, "learningRate": 0.02, "momentum": 0.9, "weightDecay": 0.0001,
                          "warmupIterations": 0, "power": 0.9, "archOptimizer": "sgd", "archLearningRate": 0.05, "archMomentum": 0.9, "beta": 0.01,
                          "gamma": 1.0, "lambda": 0.001, "tauStart": 5.0, "tauEnd": 0.5, "ohem": false, "ohemThreshold": 0.7,
                          "logEvery": 2, "checkpointEvery": 2, "seed": 3},
             "costInput": [128, 256]}
            """;

    @Test
    void theWholeMethodRunsFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("run.json");
        Files.writeString(config, RUN);
        Path pre = dir.resolve("pre");
        CoreCommandsTest.Run pretrained = CoreCommandsTest.run("pretrain", "--config", config.toString(), "--work", pre.toString(),
                "--threads", "1", "--set", "training.iterations=3");
        assertOk(pretrained);
        assertTrue(Files.readString(pre.resolve("run.json")).contains("\"iterations\" : 3"), "resolved config with the override");
        assertEquals(4, Files.readAllLines(pre.resolve("metrics.csv")).size());
        assertTrue(Files.exists(pre.resolve("model/config.json")));
        assertProgressAndLogOnStandardError(pretrained, "pretrain", "PRETRAIN");
        assertCostCells(pre, false);
        assertTeacherCandidatesAreTheirNetworks(config, pre.resolve("model"));

        // The search measures its cost at extract's default size, so the two report the same network.
        Path search = dir.resolve("search");
        CoreCommandsTest.Run searched = CoreCommandsTest.run("search", "--config", config.toString(), "--work", search.toString(),
                "--supernet", pre.resolve("model").toString(), "--target-gmacs", "0.2", "--set", "costInput=[512,1024]");
        assertOk(searched);
        assertProgressAndLogOnStandardError(searched, "search", "SEARCH");
        assertCostCells(search, true);
        Path subnet = dir.resolve("subnet");
        CoreCommandsTest.Run extracted = CoreCommandsTest.run("extract", "--search", search.resolve("search").toString(),
                "--out", subnet.toString());
        assertOk(extracted);
        assertEquals(gmacs(searched.out(), "the decided architecture costs ([0-9.]+) GMACs"),
                gmacs(extracted.out(), "subnet written to .*?: ([0-9.]+) GMACs"), 1e-9, searched.out() + extracted.out());
        SupernetConfig small = SupernetConfig.load(subnet.resolve(ModelDirectory.CONFIG));
        assertEquals(1, small.segment().stages().get(2).blocks().get(0).candidates().size(), "one path per block");

        Path fine = dir.resolve("fine");
        assertOk(CoreCommandsTest.run("finetune", "--config", config.toString(), "--work", fine.toString(),
                "--model", subnet.toString(), "--teacher", pre.resolve("model").toString()));
        assertTrue(Files.exists(fine.resolve("model/rtseg-0000.params")));
        // Resuming a finished run does no more steps and keeps its metrics.
        assertOk(CoreCommandsTest.run("finetune", "--config", config.toString(), "--work", fine.toString(),
                "--model", subnet.toString(), "--resume"));
        assertEquals(5, Files.readAllLines(fine.resolve("metrics.csv")).size());
    }

    @Test
    void badOverridesAndConfigsAreExplained(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("run.json");
        Files.writeString(config, RUN);
        CoreCommandsTest.Run r = CoreCommandsTest.run("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(),
                "--set", "training.batchSize=1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("training: batchSize must be at least 2"), r.err());
        r = CoreCommandsTest.run("pretrain", "--config", dir.resolve("none.json").toString(), "--work", dir.resolve("w").toString());
        assertTrue(r.err().contains("none.json: no such run config"), r.err());
    }

    /** probe-teacher scores each candidate teacher as its own network: the average runs every non-skip path. */
    private static void assertTeacherCandidatesAreTheirNetworks(Path config, Path supernet) throws Exception {
        CoreCommandsTest.Run probe = CoreCommandsTest.run("probe-teacher", "--config", config.toString(), "--supernet", supernet.toString(),
                "--calibration-batches", "1", "--val-scenes", "2", "--threads", "1");
        assertOk(probe);
        Map<String, Double> gmacs = new HashMap<>();
        // Rows end in mIoU and GMACs.
        for (String line : probe.out().lines().filter(l -> l.matches("[a-z][^|%]*\\s[0-9.]+\\s+[0-9.]+")).toList()) {
            String[] cells = line.trim().split("\\s+");  // name words, mIoU, GMACs
            gmacs.put(String.join(" ", Arrays.copyOf(cells, cells.length - 2)), Double.parseDouble(cells[cells.length - 1]));
        }
        assertEquals(5, gmacs.size(), probe.out());
        assertEquals(gmacs.get("configured path"), gmacs.get("every block on path 0 (lir, mhsa)"), probe.out());
        assertTrue(gmacs.get("average of non-skip paths") > gmacs.get("every block on path 0 (lir, mhsa)"), probe.out());
        assertTrue(gmacs.get("every block on path 0 (lir, mhsa)") > gmacs.get("every block on path 1 (skip, lir)"), probe.out());
    }

    /**
     * A phase's progress and log lines go to standard error, away from its result on standard
     * output, and its log lines show no term the phase lacks (no NaN cost outside a search).
     */
    private static void assertProgressAndLogOnStandardError(CoreCommandsTest.Run r, String progress, String phase) {
        assertTrue(r.err().contains(progress + " 100% ("), r.err());
        assertFalse(Pattern.compile(progress + " \\d+% \\(").matcher(r.out()).find(), "no progress on standard output: " + r.out());
        List<String> log = r.err().lines().filter(l -> l.contains(phase + " ") && l.contains(" loss ")).toList();
        assertFalse(log.isEmpty(), r.err());
        for (String line : log) {
            assertFalse(line.contains("NaN"), line);
            assertEquals(phase.equals("SEARCH"), line.contains("cost "), line);
        }
    }

    /** metrics.csv's cost column: a number in every row of a search, empty in the rows of other phases. */
    private static void assertCostCells(Path work, boolean search) throws Exception {
        List<String> rows = Files.readAllLines(work.resolve("metrics.csv"));
        int column = Arrays.asList(rows.get(0).split(",")).indexOf("cost");
        for (String row : rows.subList(1, rows.size())) {
            String cost = row.split(",", -1)[column];
            assertEquals(search, !cost.isEmpty(), row);
            assertFalse(row.contains("NaN"), row);
        }
    }

    private static double gmacs(String output, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(output);
        assertTrue(m.find(), output);
        return Double.parseDouble(m.group(1));
    }

    private static void assertOk(CoreCommandsTest.Run r) {
        assertEquals(0, r.code(), r.err() + r.out());
    }
}
