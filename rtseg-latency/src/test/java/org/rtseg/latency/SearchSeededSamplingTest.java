package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.io.ModelDirectory;

/** The searched subnet's units join the dataset, each measured once, and its Σ is compared with the prediction. */
class SearchSeededSamplingTest {

    private static final Shape INPUT = new Shape(1, 3, 256, 512);

    @Test
    void theUnitsOfEachSearchedSubnetAreMeasuredIntoTheDatasetOnce(@TempDir Path data) throws Exception {
        LatencyMeter synthetic = new LatencyMeter() {
            @Override
            public Measurement measure(BlockSpec spec) {
                return new Measurement(Fixtures.syntheticMs(spec), 0, 1);
            }

            @Override
            public String device() {
                return "synthetic";
            }
        };
        try (LatencyMlp mlp = LatencyMlpTest.fitSynthetic(Fixtures.tiny(), 400, 800, new ArrayList<>())) {
            double full;
            try (Model whole = ModelDirectory.create(Fixtures.tiny(), Device.cpu())) {
                full = mlp.predictNetwork(NetworkUnits.specs(ModelDirectory.network(whole), INPUT));
            }
            List<Double> targets = List.of(0.7 * full, 0.4 * full);
            List<SearchSeededSampling.Probe> first = SearchSeededSampling.round(mlp, Fixtures.tiny(), targets, INPUT, Device.cpu(), synthetic, data);
            assertEquals(2, first.size());
            double expected;
            try (Model sub = TargetSearch.subnet(mlp, Fixtures.tiny(), targets.get(1), INPUT, Device.cpu())) {
                List<BlockSpec> units = NetworkUnits.specs(ModelDirectory.network(sub), INPUT);
                expected = units.stream().mapToDouble(Fixtures::syntheticMs).sum();
                assertEquals(mlp.unitSum(units), first.get(1).predictedMs(), 1e-9);
                assertEquals(units.size(), first.get(1).units());
            }
            assertEquals(expected, first.get(1).measuredMs(), 1e-4 * expected, "Σ of the subnet's own units as measured (the CSV rounds)");
            int rows = LatencyDataset.read(data).size();
            assertEquals(first.get(0).added() + first.get(1).added(), rows, "each new unit measured once");
            assertTrue(first.get(0).added() > 5, "the first subnet's units are new: " + first.get(0));

            List<SearchSeededSampling.Probe> again = SearchSeededSampling.round(mlp, Fixtures.tiny(), targets, INPUT, Device.cpu(), synthetic, data);
            assertEquals(0, again.get(0).added() + again.get(1).added(), "the same searches find nothing new to measure");
            assertEquals(rows, LatencyDataset.read(data).size());
        }
    }
}
