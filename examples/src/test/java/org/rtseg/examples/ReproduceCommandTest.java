package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
