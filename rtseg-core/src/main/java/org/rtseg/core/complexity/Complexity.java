package org.rtseg.core.complexity;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parameters and MACs of a network, per module, by the paper's counting rule (see {@link Tally}).
 *
 * <p>The count is analytic: any configuration at any input size is counted without allocating a
 * tensor, including attention matmuls that common counters miss.
 */
public final class Complexity {

    /**
     * What to count.
     *
     * @param aux whether the auxiliary heads (training only) count
     * @param allCandidates whether every candidate path of a mixed block counts (the supernet's
     *     size) or only the chosen one (the eval graph)
     */
    public record Options(boolean aux, boolean allCandidates) {
        /** The eval graph: chosen paths, no aux heads. */
        public static final Options EVAL = new Options(false, false);
    }

    /**
     * Totals of one module (a path such as {@code segment.stage1}).
     *
     * @param name the module path, dot-separated
     * @param params trainable parameters
     * @param convParams convolution weights (biases excluded)
     * @param macs multiply-accumulates for one input
     */
    public record Module(String name, long params, long convParams, long macs) {}

    /**
     * The result of a count.
     *
     * @param input the input shape counted
     * @param options what was counted
     * @param leaves totals of every counted module path, in forward order
     */
    public record Report(Shape input, Options options, List<Module> leaves) {

        /**
         * Total trainable parameters.
         *
         * @return the sum over every counted module
         */
        public long params() {
            return leaves.stream().mapToLong(Module::params).sum();
        }

        /**
         * Total convolution weights.
         *
         * @return the sum over every counted module
         */
        public long convParams() {
            return leaves.stream().mapToLong(Module::convParams).sum();
        }

        /**
         * Total multiply-accumulates.
         *
         * @return the sum over every counted module, for one input
         */
        public long macs() {
            return leaves.stream().mapToLong(Module::macs).sum();
        }

        /**
         * Totals grouped by the first {@code depth} components of each module path.
         *
         * @param depth how many dot-separated path components to keep, at least 1
         * @return one module per distinct truncated path, in forward order
         */
        public List<Module> byModule(int depth) {
            Map<String, long[]> grouped = new LinkedHashMap<>();
            for (Module m : leaves) {
                String[] parts = m.name().split("\\.");
                String key = String.join(".", java.util.Arrays.copyOf(parts, Math.min(depth, parts.length)));
                long[] t = grouped.computeIfAbsent(key, k -> new long[3]);
                t[0] += m.params();
                t[1] += m.convParams();
                t[2] += m.macs();
            }
            List<Module> out = new ArrayList<>();
            grouped.forEach((k, t) -> out.add(new Module(k, t[0], t[1], t[2])));
            return out;
        }

        /**
         * A per-module table for people, modules to the given depth.
         *
         * @param depth how many path components to group by (see {@link #byModule})
         * @return the table, one line per module plus a total line, MACs in G
         */
        public String table(int depth) {
            StringBuilder sb = new StringBuilder();
            String row = "%-28s %14s %14s %12s%n";
            sb.append(String.format(Locale.ROOT, row, "module", "params", "conv params", "GMACs"));
            for (Module m : byModule(depth)) {
                sb.append(format(row, m));
            }
            sb.append(format(row, new Module("total", params(), convParams(), macs())));
            return sb.toString();
        }

        private static String format(String row, Module m) {
            return String.format(
                    Locale.ROOT,
                    row,
                    m.name(),
                    String.format(Locale.ROOT, "%,d", m.params()),
                    String.format(Locale.ROOT, "%,d", m.convParams()),
                    String.format(Locale.ROOT, "%.3f", m.macs() / 1e9));
        }
    }

    private Complexity() {}

    /**
     * Counts a network for one input.
     *
     * @param network the network (or any countable block)
     * @param input the NCHW input shape
     * @param options what to count
     * @return the per-module report
     */
    public static Report of(Countable network, Shape input, Options options) {
        Tally tally = Tally.recording(options);
        network.count(input, tally);
        List<Module> leaves = new ArrayList<>();
        tally.totals().forEach((k, t) -> leaves.add(new Module(k, t[0], t[1], t[2])));
        return new Report(input, options, leaves);
    }
}
