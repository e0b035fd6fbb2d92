package org.rtseg.latency;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.util.Pair;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.supernet.BilateralGuidedAggregation;
import org.rtseg.core.supernet.ContextEmbedding;
import org.rtseg.core.supernet.SegmentHead;
import org.rtseg.core.supernet.StemBlock;

/**
 * The timed units of a network and how to build one from its {@link BlockSpec}: every registered
 * block type (built-in or a user's), plus the parts of the eval graph that are not block types,
 * under names of their own:
 *
 * <ul>
 *   <li>{@code conv}: a detail-branch layer, k×k conv → BN → ReLU; param {@code kernel} (3);
 *   <li>{@code stem}: the segment stem, image → 1/4; widths {@code conv, left0, left1, fuse};
 *   <li>{@code ce}: the context embedding; width {@code conv_last} (= out);
 *   <li>{@code bga}: bilateral guided aggregation; in = detail channels at 1/8, widths {@code inner},
 *       {@code conv} (= out) and {@code segment} (the segment channels, at a quarter of the size);
 *   <li>{@code head}: the main head incl. the bilinear upsampling ×{@code factor}; width {@code conv},
 *       out = classes.
 * </ul>
 *
 * These names take precedence over registered types of the same name in latency work.
 */
public final class Units {

    /** The unit names that are not block types. */
    public static final Set<String> OWN = Set.of("conv", "stem", "ce", "bga", "head");

    private Units() {}

    /**
     * A unit ready to initialise and run: the block and the shapes of its inputs (batch 1).
     *
     * @param block the uninitialised block
     * @param inputs the NCHW shape of each input, batch 1 ({@code bga} has two)
     */
    public record Built(RtsegBlock block, List<Shape> inputs) {}

    /**
     * Builds the unit a spec describes (uninitialised).
     *
     * @param spec a unit of {@link #OWN} or a registered block type
     * @return the block and its input shapes
     * @throws IllegalArgumentException if the type is unknown, the arguments cannot make a block,
     *     or a width the unit needs is missing
     */
    public static Built build(BlockSpec spec) {
        BlockArgs a = spec.args();
        Shape x = new Shape(1, a.inChannels(), spec.height(), spec.width());
        Map<String, Integer> w = a.widths();
        switch (spec.type()) {
            case "conv" -> {
                int k = (int) Math.round(a.params().getOrDefault("kernel", 3.0));
                int groups = (int) Math.round(a.params().getOrDefault("groups", 1.0));
                return new Built(ConvBnAct.builder(a.inChannels(), a.outChannels()).kernel(k).stride(a.stride()).groups(groups).build(),
                        List.of(x));
            }
            case "stem" -> {
                Map<String, Integer> m = new TreeMap<>(w);
                m.put("fuse", a.outChannels());
                return new Built(new StemBlock(a.inChannels(), a.outChannels(), new Widths("stem", m)), List.of(x));
            }
            case "ce" -> {
                return new Built(new ContextEmbedding(a.inChannels(), new Widths("ce", Map.of("conv_last", a.outChannels()))), List.of(x));
            }
            case "bga" -> {
                int segment = width(spec, "segment");
                Map<String, Integer> m = new TreeMap<>();
                m.put("inner", w.getOrDefault("inner", a.inChannels()));
                m.put("conv", a.outChannels());
                return new Built(new BilateralGuidedAggregation(a.inChannels(), segment, new Widths("bga", m)),
                        List.of(x, new Shape(1, segment, spec.height() / 4, spec.width() / 4)));
            }
            case "head" -> {
                int factor = (int) Math.round(a.params().getOrDefault("factor", 8.0));
                int mid = width(spec, "conv");
                return new Built(new SegmentHead(a.inChannels(), mid, a.outChannels(), factor, false, 0.1,
                        new Widths("head", Map.of("conv", mid))), List.of(x));
            }
            default -> {
                BlockArgs resolved = BlockTypes.resolve(spec.type(), a.inChannels(), a.outChannels(), a.stride(), a.params(), a.widths());
                return new Built(BlockTypes.build(spec.type(), resolved), List.of(x));
            }
        }
    }

    private static int width(BlockSpec spec, String key) {
        Integer v = spec.args().widths().get(key);
        if (v == null || v < 1) {
            throw new IllegalArgumentException("a '" + spec.type() + "' unit needs a positive width '" + key + "', got " + spec.args().widths());
        }
        return v;
    }

    /**
     * The spec with every internal width written out: widths a block reads by key (its direct
     * {@link ConvBnAct} children that carry a width key) take their built value when the spec does
     * not give them, so an unpruned block and the same block with its default widths written out
     * have one key and one feature vector.
     *
     * @param spec the unit
     * @return the spec with its widths written out, or {@code spec} itself when nothing is added or
     *     the unit cannot be built in this JVM
     */
    public static BlockSpec canonical(BlockSpec spec) {
        Built built;
        try {
            built = build(spec);
        } catch (RuntimeException e) {
            return spec; // a type this JVM does not know (e.g. measured elsewhere): keep it as given
        }
        Map<String, Integer> widths = new TreeMap<>(spec.args().widths());
        boolean added = false;
        for (Pair<String, Block> child : built.block().getChildren()) {
            if (child.getValue() instanceof ConvBnAct conv && conv.widthKey() != null && !widths.containsKey(conv.widthKey())) {
                widths.put(conv.widthKey(), conv.outChannels());
                added = true;
            }
        }
        if (!added) {
            return spec;
        }
        BlockArgs a = spec.args();
        BlockSpec filled = new BlockSpec(spec.type(), new BlockArgs(a.inChannels(), a.outChannels(), a.stride(), a.params(), widths),
                spec.height(), spec.width());
        try {
            build(filled);
            return filled;
        } catch (RuntimeException e) {
            return spec; // a user type that does not take these keys as arguments
        }
    }

    /**
     * The unit's MACs at its input, by the core's counting rule.
     *
     * @param spec the unit
     * @return its multiply-accumulates for one input of batch 1
     * @throws IllegalArgumentException if the unit cannot be built
     */
    public static long macs(BlockSpec spec) {
        Built b = build(spec);
        return Complexity.of(b.block(), b.inputs().get(0), Complexity.Options.EVAL).macs();
    }

    /**
     * A canonical one-line key of a spec: {@code type|in|out|stride|HxW|params|widths}.
     *
     * @param spec the unit
     * @return the key; equal specs give equal keys
     */
    public static String key(BlockSpec spec) {
        BlockArgs a = spec.args();
        return spec.type() + "|" + a.inChannels() + "|" + a.outChannels() + "|" + a.stride() + "|" + spec.height() + "x" + spec.width()
                + "|" + formatParams(a.params()) + "|" + formatWidths(a.widths());
    }

    /**
     * {@code k=v;k=v}, keys sorted, numbers without trailing zeros.
     *
     * @param params parameters by name
     * @return the formatted parameters; empty for none
     */
    public static String formatParams(Map<String, Double> params) {
        return new TreeMap<>(params).entrySet().stream().map(e -> e.getKey() + "=" + number(e.getValue())).collect(Collectors.joining(";"));
    }

    /**
     * {@code k=v;k=v}, keys sorted.
     *
     * @param widths widths by key
     * @return the formatted widths; empty for none
     */
    public static String formatWidths(Map<String, Integer> widths) {
        return new TreeMap<>(widths).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(";"));
    }

    static String number(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /**
     * Parses {@link #formatParams}.
     *
     * @param text {@code k=v;k=v}; null or blank for none
     * @return parameters by name, sorted
     * @throws IllegalArgumentException if a part is not {@code key=value}
     * @throws NumberFormatException if a value is not a number
     */
    public static Map<String, Double> parseParams(String text) {
        Map<String, Double> m = new TreeMap<>();
        for (String[] kv : pairs(text)) {
            m.put(kv[0], Double.parseDouble(kv[1]));
        }
        return m;
    }

    /**
     * Parses {@link #formatWidths}.
     *
     * @param text {@code k=v;k=v}; null or blank for none
     * @return widths by key, sorted
     * @throws IllegalArgumentException if a part is not {@code key=value}
     * @throws NumberFormatException if a value is not an integer
     */
    public static Map<String, Integer> parseWidths(String text) {
        Map<String, Integer> m = new TreeMap<>();
        for (String[] kv : pairs(text)) {
            m.put(kv[0], Integer.parseInt(kv[1]));
        }
        return m;
    }

    private static List<String[]> pairs(String text) {
        List<String[]> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(";")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException("'" + part + "' is not key=value");
            }
            out.add(new String[] {kv[0].trim(), kv[1].trim()});
        }
        return out;
    }
}
