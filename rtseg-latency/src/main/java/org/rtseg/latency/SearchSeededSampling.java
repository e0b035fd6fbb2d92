package org.rtseg.latency;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;

/**
 * Sampling seeded by the search: a latency-only search ({@link TargetSearch}) at each target, and
 * the units of the subnet it extracts measured into the dataset, so that the next fit is right where
 * the search goes. Random sampling cannot do this, because a search exploits its predictor's
 * errors. On a 2-core AVX-512 host a search drove a bilateral guided aggregation down to 3 output
 * channels, where the MLP predicted 24 ms and the unit measured 38–40 ms. The searched subnets' Σ
 * predicted units were 9–20 % under the Σ of the same units measured, while those units added up
 * to the whole subnet within 1–7 % (docs/latency.md).
 */
public final class SearchSeededSampling {

    private SearchSeededSampling() {}

    /**
     * One searched subnet, against its own units measured.
     *
     * @param targetMs the target of the search
     * @param predictedMs the subnet's Σ predicted units, unscaled
     * @param measuredMs the Σ of the same units as measured
     * @param units units of the subnet
     * @param added units that were not yet in the dataset, now measured into it
     */
    public record Probe(double targetMs, double predictedMs, double measuredMs, int units, int added) {}

    /**
     * Searches at each target and measures the extracted subnets' units into the dataset (units
     * already there are not measured again).
     *
     * @param mlp the predictor the searches use
     * @param supernet the search space
     * @param targetsMs the targets, predicted milliseconds at {@code input}
     * @param input the input size, batch 1
     * @param device where the subnets are built
     * @param meter measures the units; its form and thread count should be the dataset's
     * @param dataset the dataset folder, appended to
     * @return one probe per target, in order
     * @throws IOException if the dataset cannot be read or appended to
     */
    public static List<Probe> round(LatencyMlp mlp, SupernetConfig supernet, List<Double> targetsMs, Shape input, Device device,
            LatencyMeter meter, Path dataset) throws IOException {
        List<List<BlockSpec>> subnets = new ArrayList<>();
        int[] added = new int[targetsMs.size()];
        for (double target : targetsMs) {
            try (Model sub = TargetSearch.subnet(mlp, supernet, target, input, device)) {
                subnets.add(NetworkUnits.specs(ModelDirectory.network(sub), input));
            }
            added[subnets.size() - 1] = LatencyCollector.collect(meter, subnets.get(subnets.size() - 1), dataset, q -> {}).measured();
        }
        Map<String, Double> measured = new HashMap<>();
        for (Sample s : LatencyDataset.read(dataset)) {
            measured.put(Units.key(Units.canonical(s.spec())), s.ms());
        }
        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < subnets.size(); i++) {
            List<BlockSpec> units = subnets.get(i);
            double sum = units.stream().mapToDouble(u -> measured.get(Units.key(Units.canonical(u)))).sum();
            probes.add(new Probe(targetsMs.get(i), mlp.unitSum(units), sum, units.size(), added[i]));
        }
        return probes;
    }
}
