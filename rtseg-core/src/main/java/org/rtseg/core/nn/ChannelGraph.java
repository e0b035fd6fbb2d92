package org.rtseg.core.nn;

import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which channels of a network can be pruned, and which must be pruned together (paper eq. 5):
 * derived from the network's own structure by {@link ChannelTraceable#trace}, not listed by hand.
 *
 * <p>Every feature map has a channel {@link Space}. A convolution creates a new space, or writes
 * into an existing one (a projection back onto a residual stream); a depthwise convolution keeps
 * its input's; a grouped expansion or a space-to-depth rearrangement repeats it; a concat joins
 * spaces; a residual add or an elementwise product ties two spaces into one group. A group is
 * pruned by one mask. Spaces that must keep every channel (the image, the classes, the heads of
 * attention) are fixed.
 *
 * <p>Besides the convolutions' outputs, a block may declare {@link #mask mask points} (where an
 * operation would turn a pruned channel into a non-zero value or let it shift the kept ones) and
 * {@link #indexParameters parameters indexed by a space} (a normalisation's per-channel terms),
 * so that searching and extracting need not know the block.
 */
public final class ChannelGraph {

    /** A channel space: a base space (one group after ties), a concat, or a repeat of a space. */
    public abstract static sealed class Space permits Base, Concat, Repeat {
        /**
         * Number of channels.
         *
         * @return the number of channels in this space, before any pruning
         */
        public abstract int size();

        /**
         * Whether width search may remove any of its channels.
         *
         * @return true if at least one channel of this space may be pruned
         */
        public abstract boolean prunable();
    }

    /** A space created by a convolution or an input: the unit of pruning decisions. */
    public static final class Base extends Space {
        private final int size;
        private Base parent = this;
        private boolean fixed;

        private Base(int size, boolean fixed) {
            this.size = size;
            this.fixed = fixed;
        }

        @Override
        public int size() {
            return size;
        }

        /**
         * The representative of this space's group.
         *
         * @return the base space that stands for this one and every space tied to it (possibly this one)
         */
        public Base root() {
            Base r = this;
            while (r.parent != r) {
                r = r.parent;
            }
            return r;
        }

        /** Whether the group may be pruned. */
        @Override
        public boolean prunable() {
            return !root().fixed;
        }
    }

    /** Channels of several spaces side by side (a channel concat). */
    public static final class Concat extends Space {
        private final List<Space> parts;

        private Concat(List<Space> parts) {
            this.parts = List.copyOf(parts);
        }

        /**
         * The concatenated spaces.
         *
         * @return the parts, in channel order; unmodifiable
         */
        public List<Space> parts() {
            return parts;
        }

        @Override
        public int size() {
            return parts.stream().mapToInt(Space::size).sum();
        }

        @Override
        public boolean prunable() {
            return parts.stream().anyMatch(Space::prunable);
        }
    }

    /**
     * Each channel of a space repeated {@code times} times in a row: a grouped expansion, or the
     * P² positions of a patch after a channel-major space-to-depth.
     */
    public static final class Repeat extends Space {
        private final Space source;
        private final int times;

        private Repeat(Space source, int times) {
            this.source = source;
            this.times = times;
        }

        /**
         * The repeated space.
         *
         * @return the space whose channels are repeated
         */
        public Space source() {
            return source;
        }

        /**
         * How many times each channel is repeated.
         *
         * @return the repeat count, at least 1
         */
        public int times() {
            return times;
        }

        @Override
        public int size() {
            return source.size() * times;
        }

        @Override
        public boolean prunable() {
            return source.prunable();
        }
    }

    private final Map<ConvBnAct, Space> inputs = new LinkedHashMap<>();
    private final Map<ConvBnAct, Space> outputs = new LinkedHashMap<>();
    private final Map<Masked, Space> maskPoints = new IdentityHashMap<>();
    private final Map<Block, Space> indexedParameters = new IdentityHashMap<>();
    private final List<Base> bases = new ArrayList<>();
    private final Map<String, Space> labels = new LinkedHashMap<>();

    /**
     * A fixed space, such as the image.
     *
     * @param channels number of channels of the space
     * @return a new space that width search never prunes
     */
    public Space fixedInput(int channels) {
        Base b = new Base(channels, true);
        bases.add(b);
        return b;
    }

    /**
     * Records a convolution reading {@code input} and returns the space of its output.
     *
     * <p>Dense convolutions create a prunable space; depthwise ones keep the input's; a grouped
     * expansion (one group per input channel) repeats it. Other groupings fix both sides.
     *
     * @param conv the convolution being traced
     * @param input the space of the convolution's input
     * @return the space of the convolution's output
     */
    public Space convolution(ConvBnAct conv, Space input) {
        Space out;
        int in = conv.inChannels();
        if (conv.groups() == 1) {
            out = newBase(conv.outChannels());
        } else if (conv.groups() == in && conv.outChannels() == in) {
            out = input;
        } else if (conv.groups() == in) {
            out = new Repeat(input, conv.outChannels() / in);
        } else {
            fix(input);
            out = fixedInput(conv.outChannels());
        }
        inputs.put(conv, input);
        outputs.put(conv, out);
        return out;
    }

    /**
     * Records a dense convolution reading {@code input} that writes into an existing space (e.g. an
     * attention projection back onto the tokens it is added to): no new space, the output is
     * pruned with {@code output}.
     *
     * @param conv the convolution being traced; must be dense, with {@code output.size()} outputs
     * @param input the space of the convolution's input
     * @param output the existing space the convolution writes into
     * @return {@code output}
     * @throws IllegalArgumentException if {@code conv} is grouped or its output count differs from
     *     {@code output}'s size
     */
    public Space convolution(ConvBnAct conv, Space input, Space output) {
        if (conv.groups() != 1 || conv.outChannels() != output.size()) {
            throw new IllegalArgumentException("only a dense convolution with " + output.size()
                    + " outputs writes into that space, got groups " + conv.groups() + " and " + conv.outChannels() + " outputs");
        }
        inputs.put(conv, input);
        outputs.put(conv, output);
        return output;
    }

    /**
     * Each channel of {@code source} {@code times} times in a row (see {@link Repeat}).
     *
     * @param source the space to repeat
     * @param times how many times each channel is repeated, at least 1
     * @return the repeated space, or {@code source} itself when {@code times} is 1
     */
    public Space repeat(Space source, int times) {
        return times == 1 ? source : new Repeat(source, times);
    }

    /**
     * Channels side by side.
     *
     * @param first the space whose channels come first
     * @param second the space whose channels follow
     * @return the concatenated space
     */
    public Space concat(Space first, Space second) {
        return new Concat(List.of(first, second));
    }

    /**
     * Ties two spaces of a residual add or an elementwise product: they are pruned together.
     *
     * <p>Composite spaces (concats, repeats) are not tied but fixed.
     *
     * @param a one operand's space
     * @param b the other operand's space, of the same size
     * @throws IllegalStateException if the two spaces differ in size
     */
    public void tie(Space a, Space b) {
        if (a == b) {
            return;
        }
        if (a.size() != b.size()) {
            throw new IllegalStateException("cannot tie spaces of " + a.size() + " and " + b.size() + " channels");
        }
        if (a instanceof Base x && b instanceof Base y) {
            Base rx = x.root();
            Base ry = y.root();
            if (rx != ry) {
                ry.parent = rx;
                rx.fixed |= ry.fixed;
            }
        } else {
            // Ties between composite spaces are never needed by the built-in blocks; keeping every
            // channel is always valid.
            fix(a);
            fix(b);
        }
    }

    /**
     * Traces a part of the network whose own channels stay whole: every space created while {@code
     * trace} runs is fixed (the spaces it reads are not). For the aux heads, which only train.
     *
     * @param trace traces the part of the network and returns the space of its output
     * @return the space {@code trace} returned
     */
    public Space whole(java.util.function.Supplier<Space> trace) {
        int before = bases.size();
        Space out = trace.get();
        for (Base b : List.copyOf(bases.subList(before, bases.size()))) {
            fix(b);
        }
        return out;
    }

    /**
     * Marks a space as unprunable (with everything it is made of or tied to).
     *
     * @param s the space to fix
     */
    public void fix(Space s) {
        if (s instanceof Base b) {
            b.root().fixed = true;
        } else if (s instanceof Concat c) {
            c.parts().forEach(this::fix);
        } else if (s instanceof Repeat r) {
            fix(r.source());
        }
    }

    /**
     * Records a point other than a convolution's output that needs the mask of a space: an
     * operation there turns a pruned channel's zeros into non-zeros (a BatchNorm shift) or lets it
     * change the kept channels (the statistics of a LayerNorm over channels).
     *
     * @param point the block that applies the mask
     * @param s the space whose mask it applies
     */
    public void mask(Masked point, Space s) {
        maskPoints.put(point, s);
    }

    /**
     * Records that every direct parameter of {@code block} has one entry per channel of a space on
     * axis 0 (a normalisation's scale and shift), so extraction keeps the entries of kept channels.
     *
     * @param block the block whose direct parameters are indexed
     * @param s the space that indexes axis 0 of those parameters
     */
    public void indexParameters(Block block, Space s) {
        indexedParameters.put(block, s);
    }

    /**
     * Names a space, e.g. a stage's width, for those who rebuild the network.
     *
     * @param name the label; a later call with the same name replaces the space
     * @param space the space to name
     */
    public void label(String name, Space space) {
        labels.put(name, space);
    }

    /**
     * A named space ({@link #label}), or null.
     *
     * @param name the label
     * @return the space with that label, or null if none was labelled so
     */
    public Space labeled(String name) {
        return labels.get(name);
    }

    /**
     * A block that does not trace itself: its input and output keep every channel.
     *
     * @param input the space the block reads; it is fixed
     * @param outChannels number of channels the block outputs
     * @return a new fixed space for the block's output
     */
    public Space opaque(Space input, int outChannels) {
        fix(input);
        return fixedInput(outChannels);
    }

    private Base newBase(int size) {
        Base b = new Base(size, false);
        bases.add(b);
        return b;
    }

    /**
     * Every convolution with the space it reads, in trace order.
     *
     * @return an unmodifiable view from convolution to its input's space
     */
    public Map<ConvBnAct, Space> convolutionInputs() {
        return Collections.unmodifiableMap(inputs);
    }

    /**
     * Every convolution with the space it writes, in trace order.
     *
     * @return an unmodifiable view from convolution to its output's space
     */
    public Map<ConvBnAct, Space> convolutionOutputs() {
        return Collections.unmodifiableMap(outputs);
    }

    /**
     * The mask points besides the convolutions' outputs ({@link #mask}).
     *
     * @return an unmodifiable view from mask point to the space whose mask it applies
     */
    public Map<Masked, Space> maskPoints() {
        return Collections.unmodifiableMap(maskPoints);
    }

    /**
     * Blocks whose direct parameters are indexed by a space ({@link #indexParameters}).
     *
     * @return an unmodifiable view from block to the space indexing its parameters
     */
    public Map<Block, Space> indexedParameters() {
        return Collections.unmodifiableMap(indexedParameters);
    }

    /**
     * The prunable groups: one representative per group, in trace order.
     *
     * @return a new list of the root of every group that is not fixed
     */
    public List<Base> prunableGroups() {
        List<Base> groups = new ArrayList<>();
        for (Base b : bases) {
            if (b.root() == b && !b.fixed) {
                groups.add(b);
            }
        }
        return groups;
    }
}
