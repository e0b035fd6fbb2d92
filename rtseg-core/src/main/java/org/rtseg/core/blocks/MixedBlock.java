package org.rtseg.core.blocks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.RtsegBlock;

/**
 * A mixed block of the supernet (paper §Supernet design, Fig. 2): candidate paths of the same shape
 * (skip, GE, LIR, MHSA, user types) and the path currently chosen. Only the chosen path runs, in
 * training and in eval; block search (eq. 7) changes the choice at every step.
 *
 * <p>Candidates are children named after their type ({@code lir}, {@code mhsa}…; a repeated type
 * gets its index appended).
 */
public final class MixedBlock extends RtsegBlock implements ChannelTraceable {

    /** One candidate: its child name, registered type and resolved arguments. */
    public record Candidate(String name, String type, BlockArgs args, RtsegBlock block) {}

    private final List<Candidate> candidates = new ArrayList<>();
    private int choice;
    private PathGate pathGate;

    /**
     * A factor on the chosen path's output, computed in the forward pass: block search's
     * straight-through Gumbel-softmax sample (paper eq. 7) enters here, value 1 with a gradient.
     */
    @FunctionalInterface
    public interface PathGate {
        /** The factor for the chosen path, a scalar NDArray, or null for none (e.g. in eval). */
        ai.djl.ndarray.NDArray weight(ParameterStore ps, int choice, boolean training);
    }

    private MixedBlock(Builder builder) {
        if (builder.candidates.isEmpty()) {
            throw new IllegalArgumentException("a mixed block needs at least one candidate path");
        }
        for (Candidate c : builder.candidates) {
            candidates.add(c);
            child(c.name(), c.block(), c.args().inChannels());
        }
        choose(builder.choice);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The candidate paths in order. */
    public List<Candidate> candidates() {
        return Collections.unmodifiableList(candidates);
    }

    /** The index of the chosen path. */
    public int choice() {
        return choice;
    }

    /** The chosen path. */
    public Candidate chosen() {
        return candidates.get(choice);
    }

    /** Chooses the path that runs from now on. */
    public void choose(int index) {
        if (index < 0 || index >= candidates.size()) {
            throw new IllegalArgumentException(
                    "choice " + index + " out of range: this mixed block has " + candidates.size() + " candidates");
        }
        choice = index;
    }

    /** The latency key of the chosen path at the given input. */
    public BlockSpec spec(Shape input) {
        Candidate c = chosen();
        return new BlockSpec(c.type(), c.args(), input.get(2), input.get(3));
    }

    /** Sets the gate on the chosen path's output; {@code null} removes it. */
    public void setPathGate(PathGate gate) {
        this.pathGate = gate;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList out = chosen().block().forward(ps, inputs, training);
        ai.djl.ndarray.NDArray weight = pathGate == null ? null : pathGate.weight(ps, choice, training);
        return weight == null ? out : new NDList(out.singletonOrThrow().mul(weight));
    }

    /** Every path runs on the input and may replace it: all outputs share the input's space. */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        for (Candidate c : candidates) {
            graph.tie(input, ChannelTraceable.trace(c.block(), input, c.args().outChannels(), graph));
        }
        return input;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        tally.observe(this, input);
        if (tally.options().allCandidates()) {
            for (Candidate c : candidates) {
                count(c.name(), c.block(), input, tally);
            }
            return input;
        }
        return count(chosen().name(), chosen().block(), input, tally);
    }

    /**
     * The child name of a candidate of {@code type} added after candidates of the given types: the
     * type, with the count of earlier candidates of that type appended when there are any.
     */
    public static String candidateName(java.util.List<String> earlierTypes, String type) {
        long same = earlierTypes.stream().filter(type::equals).count();
        return same == 0 ? type : type + same;
    }

    /** Builder: candidates in order, then the initial choice (default 0). */
    public static final class Builder {
        private final List<Candidate> candidates = new ArrayList<>();
        private int choice;

        /** Adds a candidate path of a registered type, keeping the block's channels. */
        public Builder add(String type, BlockArgs args) {
            if (!args.preservesShape()) {
                throw new IllegalArgumentException(
                        "candidate paths keep the shape; '" + type + "' got " + args);
            }
            String name = candidateName(candidates.stream().map(Candidate::type).toList(), type);
            candidates.add(new Candidate(name, type, args, BlockTypes.get(type).build(args)));
            return this;
        }

        public Builder choice(int choice) {
            this.choice = choice;
            return this;
        }

        public MixedBlock build() {
            return new MixedBlock(this);
        }
    }
}
