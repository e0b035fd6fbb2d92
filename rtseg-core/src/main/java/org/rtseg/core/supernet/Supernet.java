package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.FusedOps;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The RTSeg network (paper Fig. 1): {@code detail} and {@code segment} branches fused by {@code
 * bga}, the main {@code head} and, for training, {@code aux0..aux3} on the stem and each stage.
 * With one candidate per mixed block it is a plain network (the BiSeNetV2 preset, a searched
 * subnet); with several it is the search space.
 *
 * <p>Forward input: an NCHW image batch. Eval mode returns the main logits at input resolution;
 * training mode returns the main logits followed by the aux logits. Inputs whose sides are not
 * multiples of 32 (the segment branch's stride) are zero-padded at the bottom and right, which is
 * the normalised mean colour, and the logits are cropped back.
 */
public final class Supernet extends RtsegBlock implements OnnxExportable {

    /** The segment branch's total stride. */
    public static final int STRIDE = 32;

    private final SupernetConfig config;
    private final DetailBranch detail;
    private final SegmentBranch segment;
    private final BilateralGuidedAggregation bga;
    private final SegmentHead head;
    private final List<SegmentHead> auxHeads = new ArrayList<>();
    private boolean channelsLast;

    private Supernet(SupernetConfig config) {
        this.config = config;
        int in = 3;
        int classes = config.numClasses();
        Widths.Table widths = new Widths.Table(config.widths());
        detail = child("detail", new DetailBranch(config.detail(), in, widths.scope("detail")), in);
        segment = child("segment", new SegmentBranch(config.segment(), in, widths), in);
        bga = child("bga", new BilateralGuidedAggregation(detail.outChannels(), segment.outChannels(), widths.scope("bga")),
                detail.outChannels());
        int c = bga.outChannels();
        head = child("head", new SegmentHead(c, config.head().channels(), classes, 8, false, config.head().dropout(),
                widths.scope("head")), c);
        if (config.aux().enabled()) {
            List<Integer> features = segment.featureChannels();
            for (int i = 0; i < features.size() - 1; i++) {
                int factor = 4 << i;
                auxHeads.add(child("aux" + i, new SegmentHead(features.get(i), config.aux().channels(), classes, factor, true,
                        config.aux().dropout(), widths.scope("aux" + i)), features.get(i)));
            }
        }
        widths.requireAllUsed();
        // Kaiming-normal (fan-in) weights keep activations at unit scale through the deep narrow
        // segment branch, so training starts with logits of order one.
        setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2),
                Parameter.Type.WEIGHT);
    }

    /**
     * Runs eval-mode forward passes in the channels-last memory format ({@link FusedOps}): the
     * padded image is converted once and every layer keeps that layout. Values are unchanged; the
     * deploy graph sets it, because oneDNN then convolves without reordering each input and output.
     *
     * @param on true for channels-last eval passes, false for the default NCHW layout
     */
    public void useChannelsLast(boolean on) {
        channelsLast = on;
    }

    /**
     * Builds the network a config describes.
     *
     * @param config the network's config
     * @return a new, uninitialised network
     * @throws org.rtseg.core.config.ConfigException if a width override names no module or width
     */
    public static Supernet of(SupernetConfig config) {
        return new Supernet(config);
    }

    /**
     * The config this network was built from.
     *
     * @return the config
     */
    public SupernetConfig config() {
        return config;
    }

    /**
     * The detail branch (child {@code detail}).
     *
     * @return the detail branch
     */
    public DetailBranch detail() {
        return detail;
    }

    /**
     * The segment branch (child {@code segment}).
     *
     * @return the segment branch
     */
    public SegmentBranch segment() {
        return segment;
    }

    /**
     * The bilateral guided aggregation that fuses the branches (child {@code bga}).
     *
     * @return the aggregation layer
     */
    public BilateralGuidedAggregation bga() {
        return bga;
    }

    /**
     * The main segmentation head (child {@code head}).
     *
     * @return the main head
     */
    public SegmentHead head() {
        return head;
    }

    /**
     * The aux heads (empty when disabled): stem, then each stage.
     *
     * @return an unmodifiable list of the aux heads
     */
    public List<SegmentHead> auxHeads() {
        return Collections.unmodifiableList(auxHeads);
    }

    /**
     * The channel graph of the whole network, aux heads included: which channels width search may
     * prune and which are tied (the image and the classes are fixed).
     *
     * @return a new graph traced from the network's current structure
     */
    public ChannelGraph channelGraph() {
        ChannelGraph graph = new ChannelGraph();
        ChannelGraph.Space image = graph.fixedInput(3);
        ChannelGraph.Space d = detail.trace(image, graph);
        List<ChannelGraph.Space> features = segment.traceFeatures(image, graph);
        head.trace(bga.trace(d, features.get(features.size() - 1), graph), graph);
        for (int i = 0; i < auxHeads.size(); i++) {
            // Aux heads are a booster of training, not part of the network searched for: pruning
            // them saves nothing at inference and only weakens their supervision.
            ChannelGraph.Space feature = features.get(i);
            SegmentHead aux = auxHeads.get(i);
            graph.whole(() -> aux.trace(feature, graph));
        }
        return graph;
    }

    /**
     * Every mixed block, in forward order.
     *
     * @return the mixed blocks of the segment branch's stages
     */
    public List<MixedBlock> mixedBlocks() {
        return segment.mixedBlocks();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return logits(ps, inputs.singletonOrThrow(), training, training);
    }

    /**
     * The main logits and, when asked, the aux logits, at input resolution.
     *
     * @param ps the parameter store
     * @param image an N×3×H×W batch
     * @param training BatchNorm batch statistics and dropout
     * @param withAux append the aux heads' logits (stem first), e.g. to inspect them in eval mode
     * @return main logits, then aux logits
     * @throws IllegalArgumentException if {@code image} is not N×3×H×W, or training with fewer than
     *     2 images
     */
    public NDList logits(ParameterStore ps, NDArray image, boolean training, boolean withAux) {
        Shape s = image.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new IllegalArgumentException("expected an N×3×H×W image batch, got " + s);
        }
        if (training && s.get(0) < 2) {
            // The context embedding normalises globally pooled features: one value per channel.
            throw new IllegalArgumentException("training needs a batch of at least 2 images (BatchNorm after global pooling), got " + s.get(0));
        }
        NDArray x = padToStride(image);
        if (channelsLast && !training) {
            x = FusedOps.channelsLast(x);
        }
        NDList features = run(segment, ps, new NDList(x), training);
        NDArray d = apply(detail, ps, x, training);
        NDArray fused = run(bga, ps, new NDList(d, features.get(features.size() - 1)), training).singletonOrThrow();
        NDList out = new NDList(crop(apply(head, ps, fused, training), s));
        if (withAux) {
            for (int i = 0; i < auxHeads.size(); i++) {
                out.add(crop(apply(auxHeads.get(i), ps, features.get(i), training), s));
            }
        }
        return out;
    }

    /**
     * The main logits of {@link #logits} in ONNX operators: padding to the stride and cropping back
     * are nodes of the graph, so that its input size may be symbolic.
     *
     * @throws IllegalStateException if a mixed block averages its paths or is under block search
     */
    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String x = graph.padToMultiple(input, STRIDE);
        String semantic = exportChild(graph, segment, x);
        String d = exportChild(graph, detail, x);
        String fused = graph.within("bga", () -> bga.exportOnnx(graph, d, semantic));
        return graph.cropLike(exportChild(graph, head, fused), input);
    }

    private static NDArray padToStride(NDArray x) {
        Shape s = x.getShape();
        long h = ceilToStride(s.get(2));
        long w = ceilToStride(s.get(3));
        if (h == s.get(2) && w == s.get(3)) {
            return x;
        }
        NDArray padded = x.getManager().zeros(new Shape(s.get(0), s.get(1), h, w), x.getDataType(), x.getDevice());
        padded.set(new NDIndex(":, :, :{}, :{}", s.get(2), s.get(3)), x);
        return padded;
    }

    private static NDArray crop(NDArray logits, Shape input) {
        Shape s = logits.getShape();
        if (s.get(2) == input.get(2) && s.get(3) == input.get(3)) {
            return logits;
        }
        return logits.get(new NDIndex(":, :, :{}, :{}", input.get(2), input.get(3)));
    }

    private static long ceilToStride(long size) {
        return (size + STRIDE - 1) / STRIDE * STRIDE;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        Shape logits = new Shape(s.get(0), config.numClasses(), s.get(2), s.get(3));
        return new Shape[] {logits};
    }

    /** Counts the network on the padded input; aux heads only when the tally's options say so. */
    @Override
    public Shape count(Shape input, Tally tally) {
        Shape x = new Shape(input.get(0), input.get(1), ceilToStride(input.get(2)), ceilToStride(input.get(3)));
        Shape d = count("detail", detail, x, tally);
        List<Shape> features = segment.featureShapes(x, tally.scope("segment"));
        Shape fused = count("bga", bga, d, tally);
        count("head", head, fused, tally);
        if (tally.options().aux()) {
            for (int i = 0; i < auxHeads.size(); i++) {
                count("aux" + i, auxHeads.get(i), features.get(i), tally);
            }
        }
        return new Shape(input.get(0), config.numClasses(), input.get(2), input.get(3));
    }
}
