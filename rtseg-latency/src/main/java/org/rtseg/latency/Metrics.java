package org.rtseg.latency;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Accuracy of predicted against measured latencies.
 *
 * @param count number of pairs
 * @param mape mean absolute percentage error, %
 * @param within5 % of predictions within ±5 % of the measurement
 * @param within10 % within ±10 %
 * @param within15 % within ±15 %
 * @param rmseMs root mean square error, ms
 * @param spearman Spearman rank correlation
 */
public record Metrics(int count, double mape, double within5, double within10, double within15, double rmseMs, double spearman) {

    /**
     * The metrics of predictions against measurements (same order, measurements positive).
     *
     * @param predicted predicted latencies, ms
     * @param measured measured latencies, ms, one per prediction
     * @return the metrics
     * @throws IllegalArgumentException if the arrays are empty or differ in length
     */
    public static Metrics of(double[] predicted, double[] measured) {
        int n = predicted.length;
        if (n == 0 || measured.length != n) {
            throw new IllegalArgumentException("need as many predictions as measurements, and at least one (" + n + ", " + measured.length + ")");
        }
        double ape = 0;
        double se = 0;
        int w5 = 0;
        int w10 = 0;
        int w15 = 0;
        for (int i = 0; i < n; i++) {
            double rel = Math.abs(predicted[i] - measured[i]) / measured[i];
            ape += rel;
            se += (predicted[i] - measured[i]) * (predicted[i] - measured[i]);
            w5 += rel <= 0.05 ? 1 : 0;
            w10 += rel <= 0.10 ? 1 : 0;
            w15 += rel <= 0.15 ? 1 : 0;
        }
        return new Metrics(n, 100 * ape / n, 100.0 * w5 / n, 100.0 * w10 / n, 100.0 * w15 / n, Math.sqrt(se / n), spearman(predicted, measured));
    }

    /**
     * Spearman's ρ: Pearson correlation of the ranks (ties share their mean rank).
     *
     * @param a one series
     * @param b the other, as long as {@code a}
     * @return ρ in [−1, 1]; 1 for fewer than 2 values, 0 when either series is constant
     */
    public static double spearman(double[] a, double[] b) {
        if (a.length < 2) {
            return 1;
        }
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = Arrays.stream(ra).average().orElse(0);
        double mb = Arrays.stream(rb).average().orElse(0);
        double cov = 0;
        double va = 0;
        double vb = 0;
        for (int i = 0; i < a.length; i++) {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }
        return va == 0 || vb == 0 ? 0 : cov / Math.sqrt(va * vb);
    }

    static double[] ranks(double[] v) {
        Integer[] order = IntStream.range(0, v.length).boxed().sorted(Comparator.comparingDouble(i -> v[i])).toArray(Integer[]::new);
        double[] r = new double[v.length];
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j + 1 < order.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = rank;
            }
            i = j + 1;
        }
        return r;
    }

    /** One line: {@code n=…, MAPE …%, ±5% …, ±10% …, ±15% …, RMSE … ms, Spearman …}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "n=%d  MAPE %.2f%%  within ±5%% %.1f%%  ±10%% %.1f%%  ±15%% %.1f%%  RMSE %.4f ms  Spearman %.4f",
                count, mape, within5, within10, within15, rmseMs, spearman);
    }
}
