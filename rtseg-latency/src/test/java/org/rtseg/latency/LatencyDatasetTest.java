package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.blocks.BlockTypes;

/** The CSV format, the CSV meter and resumable collection. */
class LatencyDatasetTest {

    /** A meter that records what it was asked and answers the synthetic latency. */
    static final class Recording implements LatencyMeter {
        final List<BlockSpec> asked = new ArrayList<>();

        @Override
        public Measurement measure(BlockSpec spec) {
            asked.add(spec);
            return new Measurement(Fixtures.syntheticMs(spec), 0.01, 5);
        }

        @Override
        public String device() {
            return "synthetic";
        }
    }

    @Test
    void aKilledCollectionContinuesWhereItStopped(@TempDir Path dir) throws Exception {
        List<BlockSpec> specs = new SpecSampler(Fixtures.tiny(), List.of(new int[] {64, 128}), 0.25, 1).samples(40);
        long distinct = specs.stream().map(s -> Units.key(Units.canonical(s))).distinct().count();
        Recording first = new Recording();
        LatencyCollector.collect(first, specs.subList(0, 15), dir, p -> {});
        Files.writeString(dir.resolve(LatencyDataset.CSV), "lir,8,8,1,16", StandardOpenOption.APPEND);
        assertEquals(first.asked.size(), LatencyDataset.read(dir).size(), "a cut last row is ignored when reading");
        Recording second = new Recording();
        LatencyCollector.Progress p = LatencyCollector.collect(second, specs, dir, x -> {});
        assertEquals(distinct, first.asked.size() + second.asked.size(), "each unit measured once");
        assertEquals(40, p.done());
        assertTrue(Files.readAllLines(dir.resolve(LatencyDataset.CSV)).stream().noneMatch(l -> l.equals("lir,8,8,1,16")),
                "the cut row is gone");
        List<Sample> read = LatencyDataset.read(dir);
        assertEquals(distinct, read.size());
        CsvLatencyMeter csv = new CsvLatencyMeter(dir);
        for (BlockSpec s : specs) {
            assertEquals(Fixtures.syntheticMs(s), csv.measure(s).medianMs(), 1e-5 + 1e-6 * Fixtures.syntheticMs(s));
        }
    }

    @Test
    void aPhoneCsvWithDefaultWidthsOmittedMatchesTheCanonicalSpec(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(LatencyDataset.CSV), """
                # measured on a phone with the TFLite benchmark tool
                type,in,out,stride,height,width,params,widths,median_ms,iqr_ms,reps
                lir,16,16,1,32,64,expansion=6,,1.5,,
                ge,16,32,2,32,64,expansion=6,conv1=8,2.25,0.1,20
                lir,16,16,1,32,64,expansion=6,,,,
                """);
        CsvLatencyMeter csv = new CsvLatencyMeter(dir);
        assertEquals(2, csv.size());
        BlockSpec lir = new BlockSpec("lir", BlockTypes.resolve("lir", 16, 16, 1, Map.of(), Map.of("conv1", 16, "expand", 96)), 32, 64);
        assertEquals(1.5, csv.measure(lir).medianMs());
        assertEquals(1, csv.measure(lir).repetitions());
        assertEquals(3, LatencyDataset.rows(dir).size(), "the unmeasured row is listed");
        BlockSpec missing = new BlockSpec("lir", new BlockArgs(16, 16, 1, Map.of("expansion", 6.0)), 64, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> csv.measure(missing));
        assertTrue(e.getMessage().contains("no measurement"), e.getMessage());
        assertEquals("lir,16,16,1,32,64,expansion=6,conv1=16;expand=96,1.50000,0.00000,1",
                LatencyDataset.format(Units.canonical(lir), csv.measure(lir)));
    }

    /**
     * Rows measured before attention had width keys (none written) still match, load and predict:
     * their canonical spec writes out the defaults, and a model fitted on them, whose features have
     * no attention widths, reads those widths as no feature.
     */
    @Test
    void anOldDatasetWithoutAttentionWidthsStillLoadsAndPredicts(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(LatencyDataset.CSV), """
                type,in,out,stride,height,width,params,widths,median_ms,iqr_ms,reps
                mhsa,64,64,1,16,32,heads=4;mlpRatio=2;patch=1,,1.5,,
                lir,16,16,1,32,64,expansion=6,,1.25,,
                """);
        BlockSpec attention = new BlockSpec("mhsa", BlockTypes.resolve("mhsa", 64, 64, 1, Map.of("patch", 1.0)), 16, 32);
        BlockSpec canonical = Units.canonical(attention);
        assertEquals(Map.of("attn", 64, "mlp", 128), canonical.args().widths());
        assertEquals(1.5, new CsvLatencyMeter(dir).measure(canonical).medianMs());

        List<BlockSpec> asRead = LatencyDataset.read(dir).stream().map(Sample::spec).toList();
        Features old = Features.fit(asRead);
        assertTrue(old.widths().stream().noneMatch(w -> w.startsWith("mhsa.")), "fitted without attention widths: " + old.widths());
        assertEquals(-1, old.widthIndex("mhsa", "mlp"));
        assertArrayEquals(old.raw(asRead.get(0)), old.raw(canonical), "a width the model does not know is no feature");
    }

    @Test
    void splitsAreStableAndProportioned() {
        List<BlockSpec> specs = new SpecSampler(Fixtures.tiny(), List.of(new int[] {64, 128}, new int[] {128, 256}), 0.25, 2).samples(600);
        long test = specs.stream().filter(s -> Splits.of(s) == Splits.TEST).count();
        long val = specs.stream().filter(s -> Splits.of(s) == Splits.VALIDATION).count();
        assertTrue(test > 50 && test < 140 && val > 50 && val < 140, test + " test, " + val + " validation of 600");
        for (BlockSpec s : specs.subList(0, 20)) {
            assertEquals(Splits.of(s), Splits.of(Units.canonical(s)));
        }
    }

    /** A dataset names the CPU by family and model, and the kernel cap it ran under: the CPU's name alone covers other generations. */
    @Test
    void hostMetadataNamesTheCpuGenerationAndTheKernelCap() {
        List<String> cpuinfo = List.of("processor\t: 0", "model name\t: AMD EPYC", "cpu family\t: 26", "model\t\t: 2", "stepping\t: 0");
        assertEquals("26", LatencyDataset.cpuinfo(cpuinfo, "cpu family"));
        assertEquals("2", LatencyDataset.cpuinfo(cpuinfo, "model"), "'model' is not 'model name'");
        assertEquals("AMD EPYC", LatencyDataset.cpuinfo(cpuinfo, "model name"));
        assertEquals(null, LatencyDataset.cpuinfo(cpuinfo, "flags"));
        var metadata = LatencyDataset.hostMetadata("cpu()");
        assertEquals(System.getenv().getOrDefault("ONEDNN_MAX_CPU_ISA", "none"), metadata.get(LatencyDataset.ONEDNN_ISA_CAP).asText());
        if (Files.isReadable(Path.of("/proc/cpuinfo"))) {
            assertTrue(metadata.get("cpu").asText().matches(".+ \\(family \\d+, model \\d+\\)"), metadata.toString());
        }
    }
}
