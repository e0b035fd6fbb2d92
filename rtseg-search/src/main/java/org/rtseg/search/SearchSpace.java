package org.rtseg.search;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelGraph.Base;
import org.rtseg.core.nn.ChannelGraph.Concat;
import org.rtseg.core.nn.ChannelGraph.Repeat;
import org.rtseg.core.nn.ChannelGraph.Space;
import org.rtseg.core.nn.Masked;
import org.rtseg.core.supernet.Supernet;

/**
 * The searchable network (paper Fig. 1 with §Width search and §Block search): a {@link Supernet}
 * plus its architecture parameters — one {@link ChannelMask} per prunable channel group of its
 * {@link ChannelGraph} and one {@link GumbelChoice} per mixed block with several paths.
 *
 * <p>Children: {@code supernet}, {@code mask0…}, {@code choice0…}. While attached, every
 * convolution writing a prunable space is followed by its group's mask, every mask point a block
 * declared ({@link ChannelGraph#mask}: a BatchNorm shift, a LayerNorm's statistics) gets the mask
 * of its space, and every mixed block's chosen path is scaled by its straight-through Gumbel
 * sample; the forward pass is the supernet's.
 */
public final class SearchSpace extends AbstractBlock {

    private final Supernet supernet;
    private final ChannelGraph graph;
    private final Map<Base, ChannelMask> masks = new IdentityHashMap<>();
    private final List<ChannelMask> maskList = new ArrayList<>();
    private final List<GumbelChoice> choices = new ArrayList<>();
    private final long seed;

    /**
     * A search space over an initialised supernet. Its block types are checked at once: one channel
     * of every prunable group is pruned in trial and the subnet built, so that a block whose pruned
     * width its config cannot express (a prunable convolution without a {@code widthKey}) fails here,
     * named, rather than at extraction after a search. Initialise the architecture parameters before
     * use ({@link #create} does both).
     *
     * @param supernet the network to search, initialised (as {@link org.rtseg.core.io.ModelDirectory} leaves it)
     * @param seed seed of the Gumbel noise: step t draws from (seed, t), so a resumed search draws
     *     what an uninterrupted one would
     * @throws IllegalArgumentException naming block and parameter when a block type cannot be extracted at pruned widths
     */
    public SearchSpace(Supernet supernet, long seed) {
        this.supernet = supernet;
        this.seed = seed;
        this.graph = supernet.channelGraph();
        children.add("supernet", supernet);
        for (Base group : graph.prunableGroups()) {
            ChannelMask mask = new ChannelMask(group.size());
            masks.put(group, mask);
            maskList.add(mask);
            children.add("mask" + (maskList.size() - 1), mask);
        }
        for (MixedBlock block : supernet.mixedBlocks()) {
            if (block.candidates().size() > 1) {
                GumbelChoice choice = new GumbelChoice(block);
                choices.add(choice);
                children.add("choice" + (choices.size() - 1), choice);
            }
        }
        attach();
        SubnetExtractor.validate(this);
    }

    /**
     * The search space of a model's supernet, ready to search: masks at 1 (every channel kept), path
     * logits at 0 (uniform), in the model's manager.
     *
     * @param model a model whose block is an initialised {@link Supernet}
     * @param seed seed of the Gumbel noise
     * @return the search space; the model's block stays the supernet
     */
    public static SearchSpace create(ai.djl.Model model, long seed) {
        SearchSpace space = new SearchSpace(org.rtseg.core.io.ModelDirectory.network(model), seed);
        // The architecture parameters' shapes do not depend on the input: any image shape does.
        space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 64, 64));
        return space;
    }

    /**
     * The network searched.
     *
     * @return the supernet, this block's child {@code supernet}
     */
    public Supernet supernet() {
        return supernet;
    }

    /**
     * The channel graph of the supernet, which says which channels the masks prune together.
     *
     * @return the supernet's {@link Supernet#channelGraph()}, as taken at construction
     */
    public ChannelGraph graph() {
        return graph;
    }

    /**
     * The masks, one per prunable group, in trace order.
     *
     * @return an unmodifiable list; mask {@code i} is child {@code mask<i>}
     */
    public List<ChannelMask> masks() {
        return Collections.unmodifiableList(maskList);
    }

    /**
     * The path choices, one per mixed block with several candidates.
     *
     * @return an unmodifiable list in the supernet's block order; choice {@code i} is child {@code choice<i>}
     */
    public List<GumbelChoice> choices() {
        return Collections.unmodifiableList(choices);
    }

    /**
     * The architecture parameters: mask weights c and path logits α.
     *
     * @return a new list: every mask's weights in {@link #masks()} order, then every choice's logits
     */
    public List<Parameter> architectureParameters() {
        List<Parameter> params = new ArrayList<>();
        maskList.forEach(m -> params.add(m.weight()));
        choices.forEach(c -> params.add(c.logits()));
        return params;
    }

    /**
     * Puts the masks and path gates into the supernet: every convolution writing a prunable space
     * and every mask point the blocks declared get the mask of their space.
     */
    public void attach() {
        maskPoints().forEach((point, space) -> point.setMask(space.prunable() ? (ps, device, t) -> mask(ps, space, device, t) : null));
        choices.forEach(c -> c.block().setPathGate(c));
    }

    /** Removes every mask and gate: the supernet runs as if never searched. */
    public void detach() {
        maskPoints().keySet().forEach(point -> point.setMask(null));
        choices.forEach(c -> c.block().setPathGate(null));
    }

    private Map<Masked, Space> maskPoints() {
        Map<Masked, Space> points = new IdentityHashMap<>(graph.convolutionOutputs());
        points.putAll(graph.maskPoints());
        return points;
    }

    /**
     * Samples every mixed block's path for step {@code step} at temperature {@code tau} (eq. 7).
     *
     * @param step the training step, from 0; with the seed it fixes the Gumbel noise
     * @param tau the Gumbel temperature τ of the step, positive
     */
    public void sample(long step, float tau) {
        SplittableRandom random = new SplittableRandom(seed ^ (step * 0x9E3779B97F4A7C15L));
        choices.forEach(c -> c.sample(random, tau));
    }

    /** Fixes every mixed block to its most likely path (argmax α). */
    public void decide() {
        choices.forEach(GumbelChoice::decide);
    }

    /**
     * The binarised mask of a space, differentiable through the straight-through estimator.
     *
     * @param ps the parameter store of the step
     * @param space a channel space of {@link #graph()}
     * @param device the device of the result
     * @param training whether the step is a training step (passed to the parameter store)
     * @return a float32 vector of {@code space.size()} values, each 0 or 1, or null when no mask covers
     *     the space (it is not prunable)
     */
    public NDArray mask(ParameterStore ps, Space space, Device device, boolean training) {
        if (space instanceof Base b) {
            ChannelMask m = masks.get(b.root());
            return m == null ? null : m.binary(ps, device, training);
        }
        if (space instanceof Repeat r) {
            NDArray source = mask(ps, r.source(), device, training);
            return source == null ? null : source.repeat(0, r.times());
        }
        NDList parts = new NDList();
        for (Space part : ((Concat) space).parts()) {
            NDArray p = mask(ps, part, device, training);
            parts.add(p != null ? p : ps.getManager().ones(new Shape(part.size()), DataType.FLOAT32, device));
        }
        return NDArrays.concat(parts, 0);
    }

    /**
     * The soft channel count Σb of a space (eq. 8), a scalar with the estimator's gradient.
     *
     * @param ps the parameter store of the step
     * @param space a channel space of {@link #graph()}
     * @param device the device of the result
     * @param training whether the step is a training step (passed to the parameter store)
     * @return a float32 scalar: the kept channels, or the constant {@code space.size()} when the space is
     *     not prunable
     */
    public NDArray channels(ParameterStore ps, Space space, Device device, boolean training) {
        NDArray m = mask(ps, space, device, training);
        return m == null ? ps.getManager().create((float) space.size()).toDevice(device, false) : m.sum();
    }

    /**
     * The channels kept by the binarised masks, as indices into the space.
     *
     * @param space a channel space of {@link #graph()}
     * @return the kept indices in ascending order; all of them when the space is not prunable
     */
    public int[] kept(Space space) {
        return kept(space, m -> ChannelMask.kept(m.weight().getArray().toFloatArray()));
    }

    /** The channels kept in a space when every mask keeps what {@code group} gives it (indices into its group). */
    int[] kept(Space space, Function<ChannelMask, int[]> group) {
        if (space instanceof Base b) {
            ChannelMask m = masks.get(b.root());
            return m == null ? IntStream.range(0, b.size()).toArray() : group.apply(m);
        }
        if (space instanceof Repeat r) {
            return IntStream.of(kept(r.source(), group)).flatMap(i -> IntStream.range(i * r.times(), (i + 1) * r.times())).toArray();
        }
        List<Integer> all = new ArrayList<>();
        int offset = 0;
        for (Space part : ((Concat) space).parts()) {
            for (int i : kept(part, group)) {
                all.add(offset + i);
            }
            offset += part.size();
        }
        return all.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return supernet.forward(ps, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return supernet.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        supernet.initialize(manager, dataType, inputShapes);
        for (Block child : children.values()) {
            if (child != supernet) {
                child.initialize(manager, dataType, new Shape(1));
            }
        }
    }
}
