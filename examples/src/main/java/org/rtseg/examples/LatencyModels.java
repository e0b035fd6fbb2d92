package org.rtseg.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import org.rtseg.latency.DjlLatencyMeter;
import org.rtseg.latency.LatencyDataset;
import org.rtseg.latency.LatencyMlp;

/**
 * A latency model loaded for a run that searches under it. Its predictions are only the run's
 * latencies when its units were timed the way the run times networks, so a model measured at
 * another thread count or in another form is refused, before any training, with what makes a
 * fitting one.
 */
final class LatencyModels {

    private LatencyModels() {}

    /**
     * Loads {@code dir} for a run at {@code threads} that times networks in {@code form}.
     *
     * @param form the form the run times, or null when the run measures in the model's own form
     * @param run what the run is, for the message ("the demo", "reproduce")
     * @throws IllegalArgumentException naming the model and the fix when it was measured otherwise
     */
    static LatencyMlp load(Path dir, int threads, DjlLatencyMeter.Form form, String run) throws IOException {
        LatencyMlp mlp = LatencyMlp.load(dir);
        ObjectNode on = mlp.description().measuredOn();
        String mismatch = null;
        int measuredAt = on.path("threads").asInt(threads);
        if (measuredAt != threads) {
            mismatch = "was measured at " + measuredAt + " thread(s) and " + run + " runs at " + threads
                    + ": run with --threads " + measuredAt + ", or collect a model at --threads " + threads;
        } else if (form != null && LatencyDataset.form(on) != form) {
            mismatch = "was measured in the " + LatencyDataset.form(on).label() + " form and " + run + " times the " + form.label()
                    + " form: collect one with --form " + form.label();
        }
        if (mismatch != null) {
            mlp.close();
            throw new IllegalArgumentException("the latency model " + dir + " " + mismatch);
        }
        return mlp;
    }
}
