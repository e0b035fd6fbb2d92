package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shortened demo writes every artefact the full one does. */
class DemoCommandTest {

    @Test
    void writesReportFiguresAndPredictions(@TempDir Path dir) throws Exception {
        Path work = dir.resolve("demo");
        CoreCommandsTest.Run r = CoreCommandsTest.run("demo", "--work", work.toString(), "--threads", "1",
                "--pretrain-iterations", "6", "--search-iterations", "4", "--finetune-iterations", "4", "--val-scenes", "4",
                "--calibration-batches", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("search target"), r.out());
        JsonNode report = new ObjectMapper().readTree(work.resolve("report.json").toFile());
        for (String net : new String[] {"supernet", "subnet"}) {
            JsonNode n = report.at("/networks/" + net);
            double miou = n.get("mIoU").asDouble();
            assertTrue(miou >= 0 && miou <= 1, net + " mIoU " + miou);
            assertEquals(8, n.get("classIoU").size(), "per-class IoU of the 8 synthetic classes");
            assertTrue(n.get("params").asLong() > 0 && n.get("gmacs_512x1024").asDouble() > 0);
            assertTrue(n.get("ms_demo_size").asDouble() > 0 && n.get("ms_512x1024").asDouble() > 0);
        }
        assertTargetMet(report.get("search"));
        assertTrue(report.at("/networks/supernet/gmacs_512x1024").asDouble() > report.at("/search/largest_network").asDouble(),
                "the supernet row is the teacher, which runs every path");
        for (String phase : new String[] {"pretrain", "teacher", "search+extract", "finetune", "total"}) {
            assertTrue(report.at("/wall_seconds").has(phase), phase);
        }
        for (String png : new String[] {"figures/latency_miou.png", "figures/training_curves.png", "predictions/scene_0_overlay.png",
            "predictions/scene_0_mask.png"}) {
            assertTrue(ImageIO.read(work.resolve(png).toFile()).getWidth() > 0, png);
        }
        Path shared = Path.of(System.getProperty("rtseg.shared", "../shared"), "data/cityscapes");
        if (Files.exists(shared)) {
            assertTrue(Files.exists(work.resolve("predictions/cityscapes_frankfurt_000000_000294_overlay.png")));
        }
    }

    /**
     * Given a latency model of the demo's search space, the search aims at a latency target: the
     * report states it in predicted ms and the subnet's prediction is what was achieved.
     */
    @Test
    void searchesUnderALatencyTargetGivenALatencyModel(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("latency");
        Path model = dir.resolve("latency-model");
        String fast = "--threads 1 --trials 1 --warmup 1 --min-reps 3 --max-reps 3";
        CoreCommandsTest.Run collect = CoreCommandsTest.run(LatencyCommandTest.args("latency collect --config configs/synthetic-small.json"
                + " --samples 150 --sizes 32x64 --out " + data + " " + fast));
        assertEquals(0, collect.code(), collect.err());
        CoreCommandsTest.Run fit = CoreCommandsTest.run(LatencyCommandTest.args("latency fit --data " + data + " --out " + model + " --max-steps 200"));
        assertEquals(0, fit.code(), fit.err());
        Path otherThreads = dir.resolve("latency-model-2t");
        Files.createDirectories(otherThreads);
        for (Path f : Files.list(model).toList()) {
            Files.copy(f, otherThreads.resolve(f.getFileName()));
        }
        ObjectNode description = (ObjectNode) new ObjectMapper().readTree(otherThreads.resolve("latency-mlp.json").toFile());
        ((ObjectNode) description.get("measuredOn")).put("threads", 2);
        new ObjectMapper().writeValue(otherThreads.resolve("latency-mlp.json").toFile(), description);
        Path refused = dir.resolve("refused");
        CoreCommandsTest.Run other = CoreCommandsTest.run("demo", "--work", refused.toString(), "--threads", "1", "--latency-model", otherThreads.toString(),
                "--pretrain-iterations", "1", "--search-iterations", "1", "--finetune-iterations", "1", "--val-scenes", "1", "--calibration-batches", "1");
        assertEquals(1, other.code(), other.out());
        assertTrue(other.err().contains("measured at 2 thread(s) and the demo runs at 1") && other.err().contains("--threads 2"), other.err());
        assertFalse(Files.exists(refused), "nothing is written for a refused launch");
        Path work = dir.resolve("demo");
        CoreCommandsTest.Run r = CoreCommandsTest.run("demo", "--work", work.toString(), "--threads", "1", "--latency-model", model.toString(),
                "--pretrain-iterations", "4", "--search-iterations", "4", "--finetune-iterations", "2", "--val-scenes", "2",
                "--calibration-batches", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode search = new ObjectMapper().readTree(work.resolve("report.json").toFile()).get("search");
        assertTrue(search.get("unit").asText().startsWith("ms at 1x3x512x1024 predicted by"), search.toString());
        double largest = search.get("largest_network").asDouble();
        assertEquals(0.7 * largest, search.get("target").asDouble(), 1e-9 * largest);
        assertTargetMet(search);
        double measured = search.get("measured").asDouble();
        assertTrue(measured > 0, search.toString());
        assertEquals(measured / search.get("target").asDouble(), search.get("measured_over_target").asDouble(), 1e-9);
        assertTrue(r.out().contains("subnet measured"), r.out());
    }

    /** After 4 search steps nothing has converged: the subnet still lands on the target (±3 %). */
    private static void assertTargetMet(JsonNode search) {
        double target = search.get("target").asDouble();
        assertEquals(target, search.get("achieved").asDouble(), 0.03 * target, search.toString());
        assertEquals(search.get("achieved").asDouble() / target, search.get("achieved_over_target").asDouble(), 1e-9);
        assertEquals(search.get("projected").asDouble(), search.get("achieved").asDouble(), 1e-4 * target,
                "the extracted subnet costs what the landing computed on the search space: " + search);
        assertTrue(search.get("expected_at_end").asDouble() > 0 && search.get("decided_before_projection").asDouble() > 0, search.toString());
    }
}
