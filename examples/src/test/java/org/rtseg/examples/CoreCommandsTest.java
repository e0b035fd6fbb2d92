package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.Engines;
import org.rtseg.core.io.Npy;
import picocli.CommandLine;

/** The core subcommands of the {@code rtseg} CLI, run in process. */
class CoreCommandsTest {

    private static final Path REFERENCE = Path.of(System.getProperty("rtseg.shared", "../shared"), "reference/bisenetv2");

    /** Exit code, standard output and standard error (log lines and progress included) of one command line. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream capturedErr = new java.io.ByteArrayOutputStream();
        // Before the command line exists: picocli's default strategy keeps the streams of its creation
        // and, when System.err has changed since, sends the command's error writer to the old one.
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setErr(new java.io.PrintStream(capturedErr, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = RtsegCommand.commandLine();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            int code = cli.execute(args);
            return new Run(code, captured.toString(java.nio.charset.StandardCharsets.UTF_8) + out,
                    capturedErr.toString(java.nio.charset.StandardCharsets.UTF_8) + err);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    @Test
    void complexityJsonGivesThePublishedBiSeNetV2Counts() throws Exception {
        Run r = run("complexity", "--preset", "bisenetv2", "--size", "512x1024", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(3_341_280, json.get("conv_params").asLong());
        assertEquals(24_603_312_128L, json.get("macs").asLong());
        assertEquals(3_358_627, json.get("params").asLong());
        assertEquals(11_702, json.at("/by_module/detail/macs").asLong() / 1_000_000);
    }

    @Test
    void importThenInferReproducesThePyTorchLogits(@TempDir Path dir) throws Exception {
        assumeTrue(Files.exists(REFERENCE), "skipped: " + REFERENCE + " is absent");
        Path model = dir.resolve("model");
        Run imported = run("import-pytorch", "--preset", "bisenetv2", "--weights", REFERENCE.resolve("weights.npz").toString(),
                "--out", model.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(Files.exists(model.resolve("config.json")) && Files.exists(model.resolve("rtseg-0000.params")));
        Path logits = dir.resolve("logits.npy");
        Run inferred = run("infer", "--model", model.toString(), "--input", REFERENCE.resolve("io/input.npy").toString(),
                "--logits", logits.toString(), "--aux", "--device", "cpu");
        assertEquals(0, inferred.code(), inferred.err());
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            assertClose(m, REFERENCE.resolve("io/logits.npy"), logits);
            String[] aux = {"aux2", "aux3", "aux4", "aux5_4"};
            for (int i = 0; i < aux.length; i++) {
                assertClose(m, REFERENCE.resolve("io/" + aux[i] + ".npy"), dir.resolve("logits.aux" + i + ".npy"));
            }
        }
    }

    @Test
    void importRejectsAStateDictThatDoesNotFit(@TempDir Path dir) throws Exception {
        assumeTrue(Files.exists(REFERENCE), "skipped: " + REFERENCE + " is absent");
        Path bad = dir.resolve("bad.npz");
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            NDList tensors = Npy.read(m, REFERENCE.resolve("weights.npz"));
            NDList kept = new NDList();
            for (NDArray t : tensors) {
                if (t.getName().equals("bga.conv.0.weight")) {
                    continue; // dropped
                }
                if (t.getName().equals("detail.S1.0.conv.weight")) {
                    NDArray wrong = m.zeros(new ai.djl.ndarray.types.Shape(64, 3, 5, 5));
                    wrong.setName(t.getName());
                    kept.add(wrong);
                    continue;
                }
                kept.add(t);
            }
            NDArray extra = m.zeros(new ai.djl.ndarray.types.Shape(3));
            extra.setName("segment.S9.0.conv.weight");
            kept.add(extra);
            try (var out = Files.newOutputStream(bad)) {
                kept.encode(out, NDList.Encoding.NPZ);
            }
        }
        Path model = dir.resolve("model");
        Run r = run("import-pytorch", "--preset", "bisenetv2", "--weights", bad.toString(), "--out", model.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(bad + ": the weights do not fit the network (3 problems"), r.err());
        assertTrue(r.err().contains("detail.S1.0.conv.weight has shape (64, 3, 5, 5) but detail_S1_0_conv_weight expects (64, 3, 3, 3)"), r.err());
        assertTrue(r.err().contains("segment.S9.0.conv.weight has no counterpart"), r.err());
        assertTrue(r.err().contains("no tensor for parameter bga_conv_conv_weight"), r.err());
        assertFalse(Files.exists(model), "nothing written on failure");
    }

    @Test
    void inferExplainsABadInput(@TempDir Path dir) throws Exception {
        Run r = run("infer", "--model", dir.resolve("none").toString(), "--input", "x.npy", "--logits", "y.npy");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("config.json") && r.err().contains("not a model directory"), r.err());
    }

    private static void assertClose(NDManager m, Path expectedFile, Path actualFile) throws Exception {
        NDArray expected = Npy.readArray(m, expectedFile);
        NDArray actual = Npy.readArray(m, actualFile);
        assertEquals(expected.getShape(), actual.getShape());
        float diff = expected.sub(actual).abs().max().getFloat();
        assertTrue(diff <= 1e-4f, actualFile + ": max |Δ| = " + diff);
    }
}
