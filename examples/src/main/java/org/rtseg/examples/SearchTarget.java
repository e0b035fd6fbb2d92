package org.rtseg.examples;

import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import org.rtseg.latency.LatencyCost;
import org.rtseg.latency.LatencyMlp;
import org.rtseg.search.MacCost;
import org.rtseg.search.Pipeline;

/**
 * What a reproduction's search aims at (eq. 12's target): a preset's MACs from the recipe, or a
 * latency of this device as a latency model predicts it (eq. 9).
 *
 * @param name the preset's name, or "latency"
 * @param value the target, in {@code unit}
 * @param unit "GMACs" or "ms"
 * @param latency the latency model (its owner closes it), or null for a MAC target
 */
record SearchTarget(String name, double value, String unit, LatencyMlp latency) {

    /** How far a latency target may be off, measured, and still be met: issue 14's ±10 %. */
    static final double LATENCY_TOLERANCE = 0.10;

    static SearchTarget macs(String preset, double gmacs) {
        return new SearchTarget(preset, gmacs, "GMACs", null);
    }

    static SearchTarget latency(double ms, LatencyMlp model) {
        return new SearchTarget("latency", ms, "ms", model);
    }

    /** The cost model of the search at {@code input}. */
    Pipeline.CostFactory costs(Shape input) {
        return latency == null ? space -> new MacCost(space, input) : space -> new LatencyCost(latency, space, input);
    }

    boolean isLatency() {
        return latency != null;
    }

    /** Whether a network measured at {@code ms} meets a latency target within {@link #LATENCY_TOLERANCE}. */
    boolean metBy(double ms) {
        return Math.abs(ms / value - 1) <= LATENCY_TOLERANCE;
    }

    String describe(String size) {
        return String.format(Locale.ROOT, "%s: %s %s at %s%s", name, value, unit, size,
                isLatency() ? ", deploy graph, as the latency model predicts it" : "");
    }
}
