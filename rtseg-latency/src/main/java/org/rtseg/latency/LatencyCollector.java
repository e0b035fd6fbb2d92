package org.rtseg.latency;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.rtseg.core.blocks.BlockSpec;

/**
 * Measures a list of units into a dataset folder, appending each row as it is measured and skipping
 * units the CSV already has: a killed collection continues where it stopped.
 */
public final class LatencyCollector {

    private LatencyCollector() {}

    /**
     * Where a collection is.
     *
     * @param done units in the dataset (skipped or measured)
     * @param total units asked for
     * @param measured units measured by this run
     * @param seconds time this run spent measuring
     */
    public record Progress(int done, int total, int measured, double seconds) {
        /**
         * Units measured per minute in this run.
         *
         * @return the rate, or 0 before any time has passed
         */
        public double perMinute() {
            return seconds == 0 ? 0 : measured * 60 / seconds;
        }
    }

    /**
     * @param meter what measures
     * @param specs the units wanted (duplicates are measured once)
     * @param dataset the dataset folder; its CSV is created or appended to
     * @param progress called after each unit
     * @return the final progress
     * @throws IOException if the dataset cannot be read or appended to
     */
    public static Progress collect(LatencyMeter meter, List<BlockSpec> specs, Path dataset, Consumer<Progress> progress) throws IOException {
        Set<String> have = new HashSet<>();
        if (Files.exists(dataset.resolve(LatencyDataset.CSV))) {
            for (Sample s : LatencyDataset.read(dataset)) {
                have.add(Units.key(Units.canonical(s.spec())));
            }
        }
        int done = 0;
        int measured = 0;
        long start = System.nanoTime();
        Progress p = new Progress(0, specs.size(), 0, 0);
        try (LatencyDataset.Appender out = LatencyDataset.append(dataset)) {
            for (BlockSpec spec : specs) {
                String key = Units.key(Units.canonical(spec));
                if (have.add(key)) {
                    out.write(spec, meter.measure(spec));
                    measured++;
                }
                done++;
                p = new Progress(done, specs.size(), measured, (System.nanoTime() - start) / 1e9);
                progress.accept(p);
            }
        }
        return p;
    }
}
