package org.rtseg.latency;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;

/**
 * The predictor's input: a one-hot block type (the types known when the model was fitted), then
 * log₂ of the input and output channels and of the feature height and width, the stride, log₂(1 + v)
 * of each type parameter (expansion, heads, patch, kernel…) and log₂ of each internal width
 * (pruned expansion widths…), parameters and widths qualified by type ({@code lir.expand}). Every
 * entry but the one-hot is standardised with the training set's mean and deviation. A parameter or
 * width a type does not have reads as log₂ 1 = 0 before standardising.
 *
 * @param types the type vocabulary, in one-hot order
 * @param params qualified parameter names
 * @param widths qualified width names
 * @param mean per-feature mean (0 for the one-hot)
 * @param std per-feature deviation (1 for the one-hot)
 */
public record Features(List<String> types, List<String> params, List<String> widths, double[] mean, double[] std) {

    /** The numeric features after the one-hot. */
    public static final List<String> BASE = List.of("log2_in", "log2_out", "log2_height", "log2_width", "stride");

    /**
     * Copies the name lists and checks the normalisation's length.
     *
     * @param types the type vocabulary, in one-hot order
     * @param params qualified parameter names
     * @param widths qualified width names
     * @param mean per-feature mean, one entry per feature
     * @param std per-feature deviation, one entry per feature
     * @throws IllegalArgumentException if {@code mean} or {@code std} does not have one entry per
     *     feature
     */
    public Features {
        types = List.copyOf(types);
        params = List.copyOf(params);
        widths = List.copyOf(widths);
        int n = types.size() + BASE.size() + params.size() + widths.size();
        if (mean.length != n || std.length != n) {
            throw new IllegalArgumentException("feature normalisation has " + mean.length + "/" + std.length + " entries for " + n + " features");
        }
    }

    /**
     * Number of features.
     *
     * @return types + {@link #BASE} + parameters + widths
     */
    public int size() {
        return mean.length;
    }

    /**
     * Index of log₂ input channels.
     *
     * @return the index in a feature vector
     */
    public int inIndex() {
        return types.size();
    }

    /**
     * Index of log₂ output channels.
     *
     * @return the index in a feature vector
     */
    public int outIndex() {
        return types.size() + 1;
    }

    /**
     * Index of a type's width, or -1 when the model has no such width.
     *
     * @param type the block type name
     * @param key the width's local key, e.g. {@code expand}
     * @return the index in a feature vector, or -1
     */
    public int widthIndex(String type, String key) {
        int i = widths.indexOf(type + "." + key);
        return i < 0 ? -1 : types.size() + BASE.size() + params.size() + i;
    }

    /**
     * The vocabulary of some specs, with standardisation fitted on them.
     *
     * @param specs the units, not empty
     * @return features whose vocabulary is every type, parameter and width of the specs, sorted
     */
    public static Features fit(List<BlockSpec> specs) {
        TreeSet<String> t = new TreeSet<>();
        TreeSet<String> p = new TreeSet<>();
        TreeSet<String> w = new TreeSet<>();
        for (BlockSpec s : specs) {
            t.add(s.type());
            s.args().params().keySet().forEach(k -> p.add(s.type() + "." + k));
            s.args().widths().keySet().forEach(k -> w.add(s.type() + "." + k));
        }
        int n = t.size() + BASE.size() + p.size() + w.size();
        double[] zero = new double[n];
        double[] one = new double[n];
        java.util.Arrays.fill(one, 1);
        Features raw = new Features(new ArrayList<>(t), new ArrayList<>(p), new ArrayList<>(w), zero, one);
        double[] mean = new double[n];
        double[] sq = new double[n];
        for (BlockSpec s : specs) {
            double[] x = raw.raw(s);
            for (int i = t.size(); i < n; i++) {
                mean[i] += x[i];
                sq[i] += x[i] * x[i];
            }
        }
        double[] std = new double[n];
        for (int i = 0; i < n; i++) {
            if (i < t.size()) {
                std[i] = 1;
                continue;
            }
            mean[i] /= specs.size();
            double var = sq[i] / specs.size() - mean[i] * mean[i];
            std[i] = var > 1e-12 ? Math.sqrt(var) : 1;
        }
        return new Features(raw.types, raw.params, raw.widths, mean, std);
    }

    /**
     * The features before standardising.
     *
     * @param spec the unit
     * @return a new vector of {@link #size()} entries
     * @throws IllegalArgumentException if the unit's type or one of its parameters is not in the
     *     vocabulary
     */
    public double[] raw(BlockSpec spec) {
        int type = types.indexOf(spec.type());
        if (type < 0) {
            throw new IllegalArgumentException("block type '" + spec.type() + "' was not in this latency model's training data (it knows "
                    + types + "); collect latencies of it and fit again");
        }
        BlockArgs a = spec.args();
        double[] x = new double[size()];
        x[type] = 1;
        int i = types.size();
        x[i++] = log2(a.inChannels());
        x[i++] = log2(a.outChannels());
        x[i++] = log2(spec.height());
        x[i++] = log2(spec.width());
        x[i++] = a.stride();
        for (String q : params) {
            Double v = q.startsWith(spec.type() + ".") ? a.params().get(q.substring(spec.type().length() + 1)) : null;
            x[i++] = v == null ? 0 : Math.signum(v) * log2(1 + Math.abs(v));
        }
        for (String q : widths) {
            Integer v = q.startsWith(spec.type() + ".") ? a.widths().get(q.substring(spec.type().length() + 1)) : null;
            x[i++] = v == null ? 0 : log2(v);
        }
        for (Map.Entry<String, Double> e : a.params().entrySet()) {
            if (!params.contains(spec.type() + "." + e.getKey())) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' of '" + spec.type()
                        + "' was not in this latency model's training data; collect latencies with it and fit again");
            }
        }
        return x;
    }

    /**
     * The standardised features.
     *
     * @param spec the unit
     * @return a new vector of {@link #size()} entries, the predictor's input row
     * @throws IllegalArgumentException if the unit's type or one of its parameters is not in the
     *     vocabulary
     */
    public float[] encode(BlockSpec spec) {
        double[] x = raw(spec);
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) ((x[i] - mean[i]) / std[i]);
        }
        return f;
    }

    static double log2(double v) {
        return Math.log(Math.max(v, 1e-9)) / Math.log(2);
    }
}
