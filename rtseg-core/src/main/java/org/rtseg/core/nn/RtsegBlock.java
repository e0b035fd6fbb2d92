package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.IdentityHashMap;
import java.util.Map;
import org.rtseg.core.complexity.Countable;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * Base of every rtseg block: a DJL {@link AbstractBlock} whose structure is fully known from its
 * configuration.
 *
 * <p>Every channel count is fixed when a block is built, so children are initialised from the
 * input shape they declare at registration rather than from a shape walk; the only shape walk is
 * {@link #count}, which also yields {@link #getOutputShapes}. Children keep the exact names given
 * (no DJL numeric prefix), so parameter names read like the network: {@code
 * segment_stage1_down_conv1_conv_weight}.
 */
public abstract class RtsegBlock extends AbstractBlock implements Countable {

    private final Map<Block, Shape> declaredInputs = new IdentityHashMap<>();

    /**
     * Registers a child under its exact name.
     *
     * @param <B> the child's type
     * @param name the child's name, unique within this block
     * @param block the child
     * @param inputShape a shape whose channel axis (1 for NCHW, last for tokens) is what the child
     *     receives; only leaf DJL blocks read it
     * @return the child
     * @throws IllegalArgumentException if this block already has a child of that name
     */
    protected final <B extends Block> B child(String name, B block, Shape inputShape) {
        if (children.contains(name)) {
            throw new IllegalArgumentException("Duplicate child name " + name + " in " + this);
        }
        children.add(name, block);
        declaredInputs.put(block, inputShape);
        return block;
    }

    /**
     * Registers a child that receives {@code channels} channels of an NCHW map.
     *
     * @param <B> the child's type
     * @param name the child's name, unique within this block
     * @param block the child
     * @param channels the number of input channels the child receives
     * @return the child
     * @throws IllegalArgumentException if this block already has a child of that name
     */
    protected final <B extends Block> B child(String name, B block, long channels) {
        return child(name, block, new Shape(1, channels, 1, 1));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
        for (Block block : children.values()) {
            block.initialize(manager, dataType, declaredInputs.get(block));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {count(inputShapes[0], Tally.discarding())};
    }

    /**
     * Runs one single-input, single-output child.
     *
     * @param block the child to run
     * @param parameterStore the forward pass's parameter store
     * @param x the child's input
     * @param training whether the forward pass trains
     * @return the child's single output
     */
    protected static NDArray apply(
            Block block, ParameterStore parameterStore, NDArray x, boolean training) {
        return run(block, parameterStore, new NDList(x), training).singletonOrThrow();
    }

    /**
     * Runs a child. Outside training, the arrays the child creates and does not return are freed as
     * it returns, as PyTorch frees a tensor at its last use: otherwise every intermediate of a forward
     * pass stays allocated until its scope closes, so each layer writes into fresh memory (page
     * faults, cold caches) instead of reusing what the layer before it freed (docs/deploy.md,
     * "Memory"). In training the autograd graph holds what backward needs, and the trainer's step
     * scope frees the rest.
     *
     * @param block the child to run
     * @param parameterStore the forward pass's parameter store
     * @param inputs the child's inputs
     * @param training whether the forward pass trains
     * @return the child's outputs, owned by the caller's scope
     */
    protected static NDList run(Block block, ParameterStore parameterStore, NDList inputs, boolean training) {
        if (training) {
            return block.forward(parameterStore, inputs, true);
        }
        NDList out;
        try (NDScope scope = new NDScope()) {
            out = block.forward(parameterStore, inputs, false);
            NDScope.unregister(out);
        }
        for (NDArray y : out) {
            if (inputs.stream().noneMatch(in -> in == y)) {
                NDScope.register(y);
            }
        }
        return out;
    }

    /**
     * Exports one child into an ONNX graph under the name it was registered with.
     *
     * @param graph the graph being written
     * @param child a child of this block
     * @param input the child's input value
     * @return the child's output value
     * @throws IllegalArgumentException if {@code child} is not a child of this block, or cannot be exported
     */
    protected final String exportChild(OnnxGraph graph, Block child, String input) {
        for (Pair<String, Block> c : children) {
            if (c.getValue() == child) {
                return graph.block(c.getKey(), child, input);
            }
        }
        throw new IllegalArgumentException(child + " is not a child of " + getClass().getSimpleName());
    }

    /**
     * Counts a child that is itself countable, under its own scope.
     *
     * @param scope the child's name, appended to the tally's scope
     * @param block the child
     * @param input the child's input shape
     * @param tally receives the child's parameters and MACs
     * @return the child's output shape
     */
    protected static Shape count(String scope, Countable block, Shape input, Tally tally) {
        return block.count(input, tally.scope(scope));
    }
}
