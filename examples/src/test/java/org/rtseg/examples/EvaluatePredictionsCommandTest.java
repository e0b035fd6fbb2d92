package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelMap;
import picocli.CommandLine;

/** {@code rtseg evaluate-predictions} in process on the shared Cityscapes frame and CamVid labels. */
class EvaluatePredictionsCommandTest {

    private static final String KEY = "frankfurt_000000_000294";

    @TempDir Path dir;

    private static Path cityscapes() {
        String shared = System.getProperty("rtseg.shared");
        Path root = shared == null ? null : Path.of(shared, "data", "cityscapes");
        assumeTrue(root != null && Files.isDirectory(root), "shared Cityscapes sample not found (" + root + ")");
        return root;
    }

    /**
     * A CamVid root in {@code dir} whose val split is the first {@code count} real val frames and labels
     * (a few keep tests fast), or a skipped test without the shared data.
     */
    static Path camvidVal(Path dir, int count) throws IOException {
        String shared = System.getProperty("rtseg.shared");
        Path real = shared == null ? null : Path.of(shared, "data", "camvid", "CamVid");
        assumeTrue(real != null && Files.isDirectory(real), "shared CamVid not found (" + real + ")");
        Path root = dir.resolve("camvid");
        for (String folder : new String[] {"val", "valannot"}) {
            Files.createDirectories(root.resolve(folder));
            try (Stream<Path> files = Files.list(real.resolve(folder))) {
                for (Path file : files.sorted().limit(count).toList()) {
                    Files.copy(file, root.resolve(folder).resolve(file.getFileName()));
                }
            }
        }
        return root;
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = RtsegCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyPixelRoadScoresAsCityscapesScripts() throws Exception {
        Path root = cityscapes();
        LabelMap gt = ImageFiles.readIndex(root.resolve("gtFine/val/frankfurt/" + KEY + "_gtFine_labelIds.png"));
        byte[] road = new byte[gt.values().length];
        Arrays.fill(road, (byte) 7);
        Path predictions = dir.resolve("pred");
        ImageFiles.writeIndexPng(predictions.resolve(KEY + "_leftImg8bit.png"), new LabelMap(gt.width(), gt.height(), road), null);
        Path json = dir.resolve("scores.json");
        Run r = run("evaluate-predictions", "--dataset", "cityscapes", "--root", root.toString(), "--split", "val",
                "--predictions", predictions.toString(), "--json", json.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("road") && r.out().contains("0.0337"), r.out());
        assertTrue(r.out().contains("10 classes with defined IoU"), r.out());
        JsonNode scores = new ObjectMapper().readTree(json.toFile());
        assertEquals(0.03370942064096352, scores.get("mIoU").asDouble(), 1e-12);
        assertEquals("NON_NAN_CLASSES", scores.get("averaging").asText());
        assertEquals(19, scores.get("classes").size());
    }

    @Test
    void camvidGroundTruthAsPredictionsScoresOne() throws Exception {
        Path root = camvidVal(dir, 2);
        Path predictions = dir.resolve("pred");
        Files.createDirectories(predictions);
        try (Stream<Path> labels = Files.list(root.resolve("valannot"))) {
            for (Path label : labels.toList()) {
                Files.copy(label, predictions.resolve(label.getFileName()));
            }
        }
        Path json = dir.resolve("scores.json");
        Run r = run("evaluate-predictions", "--dataset", "camvid", "--root", root.toString(), "--predictions", predictions.toString(),
                "--json", json.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("camvid val") && r.out().contains("Bicyclist"), r.out());
        JsonNode scores = new ObjectMapper().readTree(json.toFile());
        assertEquals(1.0, scores.get("mIoU").asDouble(), 0);
        assertEquals(11, scores.get("classes").size());
    }

    @Test
    void missingPredictionFailsWithAClearMessageAndWritesNothing() {
        Path root = cityscapes();
        Path json = dir.resolve("scores.json");
        Run r = run("evaluate-predictions", "--dataset", "cityscapes", "--root", root.toString(),
                "--predictions", dir.toString(), "--json", json.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(KEY + "_gtFine_labelIds.png") && r.err().contains("has no prediction"), r.err());
        assertFalse(Files.exists(json));
    }

    @Test
    void unknownDatasetIsAUsageError() {
        Run r = run("evaluate-predictions", "--dataset", "kitti", "--root", dir.toString(), "--predictions", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("cityscapes, voc, ade20k, camvid"), r.err());
    }
}
