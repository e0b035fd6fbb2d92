package org.rtseg.latency;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rtseg.core.blocks.BlockSpec;

/**
 * Latencies measured elsewhere — on a phone, another GPU, with another runtime — read from a CSV in
 * the {@link LatencyDataset} format, so that a latency model can be built for a device this library
 * cannot run on. Specs are matched by their canonical key ({@link Units#key} of {@link
 * Units#canonical}).
 */
public final class CsvLatencyMeter implements LatencyMeter {

    private final Map<String, Measurement> byKey = new HashMap<>();
    private final String device;

    /**
     * Reads a dataset folder or CSV file; the device name comes from its metadata when present.
     *
     * @param dataset a dataset folder or a {@code .csv} file; without metadata its path names the
     *     device
     * @throws IOException if the CSV or its metadata cannot be read
     */
    public CsvLatencyMeter(Path dataset) throws IOException {
        this(LatencyDataset.read(dataset), LatencyDataset.metadata(dataset).path("device").asText(dataset.toString()));
    }

    /**
     * A meter over samples already read.
     *
     * @param samples the measured units; a later sample of the same key wins
     * @param device the device the latencies are of
     */
    public CsvLatencyMeter(List<Sample> samples, String device) {
        this.device = device;
        for (Sample s : samples) {
            byKey.put(Units.key(Units.canonical(s.spec())), s.measurement());
        }
    }

    /**
     * Number of measured units.
     *
     * @return the number of distinct canonical keys
     */
    public int size() {
        return byKey.size();
    }

    @Override
    public Measurement measure(BlockSpec spec) {
        Measurement m = byKey.get(Units.key(Units.canonical(spec)));
        if (m == null) {
            throw new IllegalArgumentException("no measurement of " + Units.key(spec) + " in the CSV of " + device
                    + "; measure it there and add the row");
        }
        return m;
    }

    /**
     * Whether the CSV has the unit.
     *
     * @param spec the unit
     * @return true if a measurement of its canonical key was read
     */
    public boolean has(BlockSpec spec) {
        return byKey.containsKey(Units.key(Units.canonical(spec)));
    }

    @Override
    public String device() {
        return device;
    }
}
