package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.config.SupernetConfig;

/** The predictor learns a known latency function of the supernet's units, and round-trips exactly. */
class LatencyMlpTest {

    static LatencyMlp fitSynthetic(SupernetConfig config, int n, int steps, List<Sample> heldOut) {
        SpecSampler sampler = new SpecSampler(config, List.of(new int[] {256, 512}, new int[] {512, 1024}), 0.25, 7);
        List<Sample> train = new ArrayList<>();
        List<Sample> val = new ArrayList<>();
        for (Sample s : Fixtures.synthetic(sampler.samples(n))) {
            switch (Splits.of(s.spec())) {
                case TRAIN -> train.add(s);
                case VALIDATION -> val.add(s);
                case TEST -> heldOut.add(s);
            }
        }
        return LatencyMlp.fit(train, val, LatencyMlp.FitOptions.DEFAULT.withMaxSteps(steps), null);
    }

    @Test
    void learnsASyntheticDeviceWithinTheIssueTargetsAndRoundTripsExactly(@TempDir Path dir) throws Exception {
        List<Sample> test = new ArrayList<>();
        try (LatencyMlp mlp = fitSynthetic(SupernetConfig.preset("supernet"), 1500, 4000, test)) {
            double[] predicted = mlp.predict(test.stream().map(Sample::spec).toList());
            Metrics m = Metrics.of(predicted, test.stream().mapToDouble(Sample::ms).toArray());
            System.out.println("synthetic held-out: " + m + "; training " + mlp.description().training());
            assertTrue(test.size() > 150, "held-out samples: " + test.size());
            assertTrue(m.mape() <= 3, m.toString());
            assertTrue(m.within10() >= 95, m.toString());
            assertTrue(m.spearman() >= 0.98, m.toString());
            assertTrue(mlp.description().training().get("steps").asInt() <= 4000);

            mlp.setNetworkScale(1.25);
            mlp.save(dir);
            try (LatencyMlp loaded = LatencyMlp.load(dir)) {
                List<float[]> a = mlp.weights();
                List<float[]> b = loaded.weights();
                assertEquals(a.size(), b.size());
                for (int i = 0; i < a.size(); i++) {
                    assertArrayEquals(a.get(i), b.get(i), "weights " + i);
                }
                assertArrayEquals(predicted, loaded.predict(test.stream().map(Sample::spec).toList()), "predictions");
                assertEquals(mlp.features().types(), loaded.features().types());
                assertArrayEquals(mlp.features().mean(), loaded.features().mean());
                assertArrayEquals(mlp.features().std(), loaded.features().std());
                assertEquals(1.25, loaded.networkScale());
            }
        }
    }

    @Test
    void anUnknownTypeIsNamed() {
        List<Sample> test = new ArrayList<>();
        try (LatencyMlp mlp = fitSynthetic(Fixtures.tiny(), 200, 50, test)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> mlp.predict(new BlockSpec("test-unknown", new BlockArgs(8, 8, 1, Map.of()), 8, 8)));
            assertTrue(e.getMessage().contains("test-unknown") && e.getMessage().contains("fit again"), e.getMessage());
        }
    }

    @Test
    void aFormatOneModelLoadsWithoutItsOffsetAndScaleOne(@TempDir Path dir) throws Exception {
        List<Sample> test = new ArrayList<>();
        List<BlockSpec> units;
        double sum;
        try (LatencyMlp mlp = fitSynthetic(Fixtures.tiny(), 200, 50, test)) {
            units = test.stream().map(Sample::spec).limit(10).toList();
            sum = mlp.unitSum(units);
            mlp.setNetworkScale(1.25);
            assertEquals(1.25 * sum, mlp.predictNetwork(units), 1e-9 * sum);
            mlp.save(dir);
        }
        Path json = dir.resolve(LatencyMlp.DESCRIPTION);
        Files.writeString(json, Files.readString(json).replaceFirst("\"format\" : 2", "\"format\" : 1")
                .replaceFirst("\"networkScale\" : 1.25", "\"networkOffsetMs\" : 40.0"));
        try (LatencyMlp loaded = LatencyMlp.load(dir)) {
            assertEquals(1, loaded.networkScale());
            assertEquals(sum, loaded.predictNetwork(units), 1e-9 * sum);
        }
        Files.writeString(json, Files.readString(json).replaceFirst("\"format\" : 1", "\"format\" : 3"));
        IOException e = assertThrows(IOException.class, () -> LatencyMlp.load(dir));
        assertTrue(e.getMessage().contains("format 3") && e.getMessage().contains(json.toString()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> {
            try (LatencyMlp mlp = fitSynthetic(Fixtures.tiny(), 200, 50, new ArrayList<>())) {
                mlp.setNetworkScale(0);
            }
        });
    }

    @Test
    void metricsAreTheTextbookOnes() {
        Metrics m = Metrics.of(new double[] {1.04, 2.19, 2.71, 5}, new double[] {1, 2, 3, 4});
        assertEquals(100 * (0.04 + 0.19 / 2 + 0.29 / 3 + 0.25) / 4, m.mape(), 1e-9);
        assertEquals(25, m.within5(), 1e-9);
        assertEquals(75, m.within10(), 1e-9);
        assertEquals(75, m.within15(), 1e-9);
        assertEquals(Math.sqrt((0.04 * 0.04 + 0.19 * 0.19 + 0.29 * 0.29 + 1) / 4), m.rmseMs(), 1e-9);
        assertEquals(1, m.spearman(), 1e-12);
        assertEquals(-1, Metrics.spearman(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-12);
    }
}
