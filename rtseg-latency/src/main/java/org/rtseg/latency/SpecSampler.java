package org.rtseg.latency;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.supernet.Supernet;

/**
 * Random units of a supernet's search space: every unit of {@link NetworkUnits#allCandidates} (every
 * candidate path of every mixed block) at each of the given input sizes is a template, and a sample
 * is a template with every prunable channel count (prunable in the supernet's channel graph: the
 * classes, an attention width or a user block's kept channels stay as they are, as in every
 * extracted subnet) kept whole with probability 1/4 and otherwise drawn log-uniformly between
 * {@code minKeep} of its width (at least one channel) and the full width — what width search can
 * produce, down to the single channel a mask group always keeps, with as
 * many samples per octave of width, and with the unpruned corner (where searches start, and where a
 * predictor that rarely saw full widths on both sides of a layer under-predicts large units) well
 * covered. Sample {@code i} depends only on (seed, i), so a resumed collection draws the same list.
 */
public final class SpecSampler {

    private final List<NetworkUnits.Unit> templates = new ArrayList<>();
    private final long seed;
    private final double minKeep;
    private final ChannelGraph graph;

    /**
     * @param config the search space, e.g. the {@code supernet} preset
     * @param sizes input sizes (H, W) the units are taken at
     * @param minKeep the smallest fraction of a width a sample keeps, in [0, 1] (0: down to one channel)
     * @param seed the seed of the sample list
     */
    public SpecSampler(SupernetConfig config, List<int[]> sizes, double minKeep, long seed) {
        if (!(minKeep >= 0 && minKeep <= 1)) {
            throw new IllegalArgumentException("minKeep must be in [0, 1], was " + minKeep);
        }
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("give at least one input size");
        }
        this.seed = seed;
        this.minKeep = minKeep;
        Supernet net = Supernet.of(config);
        graph = net.channelGraph();
        Map<String, NetworkUnits.Unit> unique = new LinkedHashMap<>();
        for (int[] size : sizes) {
            for (NetworkUnits.Unit u : NetworkUnits.allCandidates(net, new Shape(1, 3, size[0], size[1]))) {
                unique.putIfAbsent(Units.key(u.spec()), u);
            }
        }
        templates.addAll(unique.values());
    }

    private SpecSampler(SpecSampler from, List<NetworkUnits.Unit> templates) {
        this.seed = from.seed;
        this.minKeep = from.minKeep;
        this.graph = from.graph;
        this.templates.addAll(templates);
    }

    /**
     * This sampler drawing only from some unit types' templates: for measuring more where a
     * predictor errs (the detail branch's {@code conv} units, say) without measuring the rest again.
     *
     * @param types the unit types to keep, e.g. {@code conv}
     * @return a new sampler with the same seed and widths whose sample {@code i} depends on (seed,
     *     types, i)
     * @throws IllegalArgumentException if a type has no template here (the message lists the types
     *     there are)
     */
    public SpecSampler ofTypes(Collection<String> types) {
        TreeSet<String> known = new TreeSet<>();
        templates.forEach(t -> known.add(t.spec().type()));
        if (types.isEmpty() || !known.containsAll(types)) {
            throw new IllegalArgumentException("unit types " + types + ": this search space has units of " + known);
        }
        return new SpecSampler(this, templates.stream().filter(t -> types.contains(t.spec().type())).toList());
    }

    /**
     * The distinct units of the search space at full width.
     *
     * @return the templates' specs, one per distinct key, at every input size
     */
    public List<BlockSpec> templates() {
        return templates.stream().map(NetworkUnits.Unit::spec).toList();
    }

    /**
     * The first {@code n} samples.
     *
     * @param n number of samples, at least 0
     * @return samples 0 to n − 1, in order
     * @throws IllegalStateException as {@link #sample} does
     */
    public List<BlockSpec> samples(int n) {
        List<BlockSpec> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(sample(i));
        }
        return out;
    }

    /**
     * Sample {@code i}.
     *
     * @param i the sample's index, at least 0
     * @return a canonical spec that builds, the same for the same seed and index
     * @throws IllegalStateException if 50 draws give no unit that builds
     */
    public BlockSpec sample(int i) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        for (int attempt = 0; attempt < 50; attempt++) {
            NetworkUnits.Unit t = templates.get(random.nextInt(templates.size()));
            try {
                BlockSpec spec = Units.canonical(randomise(t, random));
                Units.build(spec);
                return spec;
            } catch (RuntimeException e) {
                // an impossible draw (a user type's constraint on its widths): draw again
            }
        }
        throw new IllegalStateException("no valid unit after 50 draws: check the search space's block parameters");
    }

    private BlockSpec randomise(NetworkUnits.Unit t, SplittableRandom random) {
        BlockSpec s = t.spec();
        BlockArgs a = s.args();
        int in = varies(t.in()) ? draw(a.inChannels(), random) : a.inChannels();
        int out = !varies(t.out()) ? a.outChannels() : t.in().equals(t.out()) ? in : draw(a.outChannels(), random);
        Map<String, Integer> widths = new TreeMap<>();
        for (Map.Entry<String, Integer> e : a.widths().entrySet()) {
            NetworkUnits.Ref ref = t.widths().get(e.getKey());
            boolean isOut = ref != null && ref.equals(t.out());
            widths.put(e.getKey(), isOut ? out : varies(ref) ? draw(e.getValue(), random) : e.getValue());
        }
        // Widths that are a multiple of the input (a grouped expansion's gathered width) need no care:
        // the block derives them.
        return new BlockSpec(s.type(), new BlockArgs(in, out, a.stride(), a.params(), widths), s.height(), s.width());
    }

    private int draw(int full, SplittableRandom random) {
        if (random.nextInt(4) == 0) {
            return full;
        }
        int lo = Math.max(1, (int) Math.ceil(full * minKeep));
        double log = Math.log(lo) + random.nextDouble() * (Math.log(full + 1) - Math.log(lo));
        return Math.min(full, (int) Math.floor(Math.exp(log)));
    }

    /**
     * Whether width search can change a count: a width whose space the channel graph fixes (an
     * attention width, a user block's kept channels) stays as the template has it, as it does in
     * every extracted subnet.
     */
    private boolean varies(NetworkUnits.Ref ref) {
        ChannelGraph.Space space = ref == null ? null : NetworkUnits.space(ref, graph);
        return space != null && space.prunable();
    }
}
