package org.rtseg.latency;

import java.util.Arrays;

/**
 * A latency measurement: the median over timed repetitions and the spread.
 *
 * @param medianMs median milliseconds per run
 * @param iqrMs interquartile range (75th − 25th percentile), milliseconds
 * @param repetitions timed runs behind the median
 */
public record Measurement(double medianMs, double iqrMs, int repetitions) {

    /**
     * Checks the values.
     *
     * @param medianMs median milliseconds per run, at least 0
     * @param iqrMs interquartile range in milliseconds, at least 0
     * @param repetitions timed runs behind the median, at least 1
     * @throws IllegalArgumentException if a value is out of range (or NaN)
     */
    public Measurement {
        if (!(medianMs >= 0) || !(iqrMs >= 0) || repetitions < 1) {
            throw new IllegalArgumentException("a measurement needs median ≥ 0, IQR ≥ 0 and ≥ 1 repetition, got " + medianMs + ", " + iqrMs
                    + ", " + repetitions);
        }
    }

    /**
     * The spread relative to the median.
     *
     * @return IQR / median, or 0 when the median is 0
     */
    public double relativeSpread() {
        return medianMs == 0 ? 0 : iqrMs / medianMs;
    }

    /**
     * Median and IQR of raw timings (read, not changed).
     *
     * @param ms timings in milliseconds; the first {@code n} are used
     * @param n number of timings, at least 1
     * @return the median and linear-interpolated IQR of the {@code n} timings
     */
    public static Measurement of(double[] ms, int n) {
        double[] v = Arrays.copyOf(ms, n);
        Arrays.sort(v);
        return new Measurement(quantile(v, 0.5), quantile(v, 0.75) - quantile(v, 0.25), n);
    }

    /**
     * Independent trials of one thing: the median of their medians, the largest of their IQRs and
     * the spread of their medians (so disagreeing trials show as spread), all their repetitions.
     *
     * @param trials the trials, at least one
     * @return the combined measurement
     * @throws IllegalArgumentException if there is no trial
     */
    public static Measurement ofTrials(Measurement... trials) {
        if (trials.length == 0) {
            throw new IllegalArgumentException("no trials to combine");
        }
        double[] medians = Arrays.stream(trials).mapToDouble(Measurement::medianMs).sorted().toArray();
        double iqr = Arrays.stream(trials).mapToDouble(Measurement::iqrMs).max().orElse(0);
        int reps = Arrays.stream(trials).mapToInt(Measurement::repetitions).sum();
        return new Measurement(quantile(medians, 0.5), Math.max(iqr, medians[medians.length - 1] - medians[0]), reps);
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
