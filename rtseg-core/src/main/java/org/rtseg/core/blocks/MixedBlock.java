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
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * A mixed block of the supernet (paper §Supernet design, Fig. 2): candidate paths of the same shape
 * (skip, GE, LIR, MHSA, user types) and the path currently chosen. Only the chosen path runs, in
 * training and in eval; block search (eq. 7) changes the choice at every step.
 *
 * <p>Candidates are children named after their type ({@code lir}, {@code mhsa}…; a repeated type
 * gets its index appended).
 *
 * <p>The choice {@link #AVERAGE} runs every path but the skip and averages their outputs: eq. 7
 * with the path weights h spread evenly over the candidates, i.e. the supernet as a whole — the
 * "strong supernet" that self-distillation (§Boosters) learns from.
 */
public final class MixedBlock extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    /**
     * One candidate: its child name, registered type and resolved arguments.
     *
     * @param name the child name (see {@link #candidateName})
     * @param type the registered block type name
     * @param args the resolved arguments the block was built from
     * @param block the candidate path's block
     */
    public record Candidate(String name, String type, BlockArgs args, RtsegBlock block) {}

    /** The choice that averages every candidate path except the skip (the supernet as a whole). */
    public static final int AVERAGE = -1;

    private final List<Candidate> candidates = new ArrayList<>();
    private int choice;
    private PathGate pathGate;

    /**
     * A factor on the chosen path's output, computed in the forward pass: block search's
     * straight-through Gumbel-softmax sample (paper eq. 7) enters here, value 1 with a gradient.
     */
    @FunctionalInterface
    public interface PathGate {
        /**
         * The factor for the chosen path, a scalar NDArray, or null for none (e.g. in eval).
         *
         * @param ps the forward pass's parameter store
         * @param choice the index of the chosen path
         * @param training whether the forward pass trains
         * @return the scalar factor, or null to leave the path's output as it is
         */
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

    /**
     * A builder with no candidates.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The candidate paths in order.
     *
     * @return an unmodifiable view of the candidates
     */
    public List<Candidate> candidates() {
        return Collections.unmodifiableList(candidates);
    }

    /**
     * The index of the chosen path, or {@link #AVERAGE}.
     *
     * @return an index into {@link #candidates()}, or {@link #AVERAGE}
     */
    public int choice() {
        return choice;
    }

    /**
     * Whether this block averages its paths ({@link #AVERAGE}) rather than running one.
     *
     * @return true if the choice is {@link #AVERAGE}
     */
    public boolean averaged() {
        return choice == AVERAGE;
    }

    /**
     * The chosen path; a block that averages its paths has none.
     *
     * @return the chosen candidate
     * @throws IllegalStateException if the block averages its paths
     */
    public Candidate chosen() {
        if (averaged()) {
            throw new IllegalStateException("this mixed block averages its paths (a supernet teacher): it has no single chosen path");
        }
        return candidates.get(choice);
    }

    /**
     * The paths that run: the chosen one, or every path but the skip when averaging.
     *
     * @return the running candidates, in order
     */
    public List<Candidate> running() {
        return averaged() ? candidates.stream().filter(c -> !c.type().equals("skip")).toList() : List.of(candidates.get(choice));
    }

    /**
     * Chooses the path that runs from now on, or {@link #AVERAGE}.
     *
     * @param index an index into {@link #candidates()}, or {@link #AVERAGE}
     * @throws IllegalArgumentException if the index is out of range, or it is {@link #AVERAGE} and
     *     every candidate is a skip
     */
    public void choose(int index) {
        if (index == AVERAGE ? candidates.stream().allMatch(c -> c.type().equals("skip")) : index < 0 || index >= candidates.size()) {
            throw new IllegalArgumentException("choice " + index + " out of range: this mixed block has " + candidates.size()
                    + " candidates" + (index == AVERAGE ? ", none but skip to average" : ""));
        }
        choice = index;
    }

    /**
     * The latency key of the chosen path at the given input.
     *
     * @param input the block's input shape (N, C, H, W)
     * @return the chosen path's type and arguments at that feature size
     * @throws IllegalStateException if the block averages its paths
     */
    public BlockSpec spec(Shape input) {
        Candidate c = chosen();
        return new BlockSpec(c.type(), c.args(), input.get(2), input.get(3));
    }

    /**
     * Sets the gate on the chosen path's output; {@code null} removes it.
     *
     * @param gate the gate, or null
     */
    public void setPathGate(PathGate gate) {
        this.pathGate = gate;
    }

    /**
     * The chosen path, named after its type.
     *
     * @throws IllegalStateException if the block averages its paths (a supernet teacher) or a path
     *     gate weights it (block search): export the extracted subnet
     */
    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        if (averaged() || pathGate != null) {
            throw new IllegalStateException("a mixed block under block search cannot be exported; extract the subnet first");
        }
        return graph.block(chosen().name(), chosen().type(), chosen().block(), input);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (averaged()) {
            return new NDList(average(ps, inputs, training));
        }
        NDList out = run(chosen().block(), ps, inputs, training);
        ai.djl.ndarray.NDArray weight = pathGate == null ? null : pathGate.weight(ps, choice, training);
        return weight == null ? out : new NDList(out.singletonOrThrow().mul(weight));
    }

    private ai.djl.ndarray.NDArray average(ParameterStore ps, NDList inputs, boolean training) {
        List<Candidate> paths = running();
        ai.djl.ndarray.NDArray sum = null;
        for (Candidate c : paths) {
            ai.djl.ndarray.NDArray y = run(c.block(), ps, inputs, training).singletonOrThrow();
            sum = sum == null ? y : sum.add(y);
        }
        return sum.div(org.rtseg.core.nn.Tensors.scalar(sum, paths.size()));
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
        for (Candidate c : tally.options().allCandidates() ? candidates : running()) {
            count(c.name(), c.block(), input, tally);
        }
        return input;
    }

    /**
     * The child name of a candidate of {@code type} added after candidates of the given types: the
     * type, with the count of earlier candidates of that type appended when there are any.
     *
     * @param earlierTypes the types of the candidates already added, in order
     * @param type the new candidate's type
     * @return the child name, e.g. {@code lir} or {@code lir1}
     */
    public static String candidateName(java.util.List<String> earlierTypes, String type) {
        long same = earlierTypes.stream().filter(type::equals).count();
        return same == 0 ? type : type + same;
    }

    /** Builder: candidates in order, then the initial choice (default 0). */
    public static final class Builder {
        private final List<Candidate> candidates = new ArrayList<>();
        private int choice;

        /**
         * Adds a candidate path of a registered type, keeping the block's channels.
         *
         * @param type the registered block type name
         * @param args resolved arguments; stride 1 and as many output channels as input channels
         * @return this builder
         * @throws IllegalArgumentException if the arguments change the shape or the type is unknown
         */
        public Builder add(String type, BlockArgs args) {
            if (!args.preservesShape()) {
                throw new IllegalArgumentException(
                        "candidate paths keep the shape; '" + type + "' got " + args);
            }
            String name = candidateName(candidates.stream().map(Candidate::type).toList(), type);
            candidates.add(new Candidate(name, type, args, BlockTypes.get(type).build(args)));
            return this;
        }

        /**
         * Sets the initial choice.
         *
         * @param choice an index into the candidates, or {@link #AVERAGE} (default 0)
         * @return this builder
         */
        public Builder choice(int choice) {
            this.choice = choice;
            return this;
        }

        /**
         * Builds the mixed block.
         *
         * @return a new, uninitialised mixed block
         * @throws IllegalArgumentException if there is no candidate or the choice is out of range
         */
        public MixedBlock build() {
            return new MixedBlock(this);
        }
    }
}
