package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SegmentBranchConfig;
import org.rtseg.core.config.StageConfig;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The segment branch (paper §Supernet design, Fig. 1): {@code stem} to 1/4, {@code stage1..3} to
 * 1/8, 1/16, 1/32, and the {@code ce} context embedding. Its forward returns every feature the heads
 * use: stem, each stage, then the context embedding.
 */
public final class SegmentBranch extends RtsegBlock implements OnnxExportable {

    private final StemBlock stem;
    private final List<SegmentStage> stages = new ArrayList<>();
    private final ContextEmbedding ce;

    /**
     * @param config the branch
     * @param inChannels image channels
     * @param widths the network's width overrides
     */
    public SegmentBranch(SegmentBranchConfig config, int inChannels, Widths.Table widths) {
        stem = child("stem", new StemBlock(inChannels, config.stemChannels(), widths.scope("segment.stem")), inChannels);
        int in = stem.outChannels();
        for (StageConfig stage : config.stages()) {
            String name = "stage" + (stages.size() + 1);
            stages.add(child(name, new SegmentStage(stage, in, widths, "segment." + name), in));
            in = stage.channels();
        }
        ce = child("ce", new ContextEmbedding(in, widths.scope("segment.ce")), in);
    }

    /**
     * Output channels (the context embedding's).
     *
     * @return the channels of the branch's last feature
     */
    public int outChannels() {
        return ce.outChannels();
    }

    /**
     * Channels of each feature the forward returns: stem, stages, context embedding.
     *
     * @return a new list of channel counts, in forward order
     */
    public List<Integer> featureChannels() {
        List<Integer> c = new ArrayList<>();
        c.add(stem.outChannels());
        stages.forEach(s -> c.add(s.outChannels()));
        c.add(ce.outChannels());
        return c;
    }

    /**
     * Every mixed block of the branch, stage by stage.
     *
     * @return an unmodifiable list of the mixed blocks, in forward order
     */
    public List<MixedBlock> mixedBlocks() {
        List<MixedBlock> all = new ArrayList<>();
        stages.forEach(s -> all.addAll(s.mixedBlocks()));
        return Collections.unmodifiableList(all);
    }

    /** The context embedding's output: the features the aux heads read are not part of the deploy graph. */
    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String x = exportChild(graph, stem, input);
        for (SegmentStage stage : stages) {
            x = exportChild(graph, stage, x);
        }
        return exportChild(graph, ce, x);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList features = new NDList();
        NDArray x = apply(stem, ps, inputs.singletonOrThrow(), training);
        features.add(x);
        for (SegmentStage stage : stages) {
            x = apply(stage, ps, x, training);
            features.add(x);
        }
        features.add(apply(ce, ps, x, training));
        return features;
    }

    /**
     * The spaces of the stem, stage and context features.
     *
     * <p>Each stage's space is labelled {@code segment.stageN} in the graph.
     *
     * @param input the space of the image
     * @param graph the graph being traced
     * @return the features' spaces, in the order the forward returns the features
     */
    public List<ChannelGraph.Space> traceFeatures(ChannelGraph.Space input, ChannelGraph graph) {
        List<ChannelGraph.Space> spaces = new ArrayList<>();
        ChannelGraph.Space x = stem.trace(input, graph);
        spaces.add(x);
        for (int i = 0; i < stages.size(); i++) {
            x = stages.get(i).trace(x, graph);
            graph.label("segment.stage" + (i + 1), x);
            spaces.add(x);
        }
        spaces.add(ce.trace(x, graph));
        return spaces;
    }

    /**
     * The stages, in order.
     *
     * @return an unmodifiable list of {@code stage1..3}
     */
    public List<SegmentStage> stages() {
        return Collections.unmodifiableList(stages);
    }

    /**
     * The context embedding.
     *
     * @return the {@code ce} child
     */
    public ContextEmbedding contextEmbedding() {
        return ce;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        List<Shape> shapes = featureShapes(inputShapes[0], Tally.discarding());
        return shapes.toArray(new Shape[0]);
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        List<Shape> shapes = featureShapes(input, tally);
        return shapes.get(shapes.size() - 1);
    }

    /** The shapes of the stem, stage and context features, counting on the way. */
    List<Shape> featureShapes(Shape input, Tally tally) {
        List<Shape> shapes = new ArrayList<>();
        Shape x = count("stem", stem, input, tally);
        shapes.add(x);
        for (int i = 0; i < stages.size(); i++) {
            x = count("stage" + (i + 1), stages.get(i), x, tally);
            shapes.add(x);
        }
        shapes.add(count("ce", ce, x, tally));
        return shapes;
    }
}
