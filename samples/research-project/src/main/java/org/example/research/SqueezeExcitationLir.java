package org.example.research;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

// [doc:block]
/**
 * A lightweight inverted residual with squeeze-and-excitation (Hu et al.): 1×1 expand → 3×3
 * depthwise → channel gates from the pooled features → 1×1 project, plus the input. The expansion
 * is searchable: width search may prune it, and the block reads its pruned width back. It exports
 * to ONNX by writing the same computation with {@link OnnxGraph}'s operators.
 */
public final class SqueezeExcitationLir extends RtsegBlock implements ChannelTraceable, OnnxExportable {
    private final ConvBnAct expand;
    private final ConvBnAct depthwise;
    private final ConvBnAct squeeze;
    private final ConvBnAct excite;
    private final ConvBnAct project;

    SqueezeExcitationLir(BlockArgs args) {
        int c = args.inChannels();
        Widths widths = args.widthOverrides(Type.NAME);
        int mid = widths.get("expand", c * args.intParam("expansion"));
        int reduced = args.intParam("reduced");
        expand = child("expand", ConvBnAct.builder(c, mid).kernel(1).widthKey("expand").build(), c);
        depthwise = child("dw", ConvBnAct.builder(mid, mid).kernel(3).depthwise().build(), mid);
        squeeze = child("squeeze", ConvBnAct.builder(mid, reduced).kernel(1).bias().noNorm().build(), mid);
        excite = child("excite", ConvBnAct.builder(reduced, mid).kernel(1).bias().noNorm().noActivation().build(), reduced);
        project = child("project", ConvBnAct.builder(mid, c).kernel(1).noActivation().build(), mid);
        widths.requireAllUsed();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
        NDArray x = in.singletonOrThrow();
        NDArray features = apply(depthwise, ps, apply(expand, ps, x, training), training);
        // DJL's mean reduces one axis per call on this engine: pool height, then width.
        NDArray pooled = features.mean(new int[] {2}, true).mean(new int[] {3}, true);
        NDArray gates = Activation.sigmoid(apply(excite, ps, apply(squeeze, ps, pooled, training), training));
        return new NDList(Activation.relu(apply(project, ps, features.mul(gates), training).add(x)));
    }

    /**
     * The eval-mode forward pass in ONNX operators, step for step. Each child is exported under the
     * name it was registered with, so its weights keep their path; one GlobalAveragePool is the
     * height-then-width mean above.
     */
    @Override
    public String exportOnnx(OnnxGraph graph, String x) {
        String features = exportChild(graph, depthwise, exportChild(graph, expand, x));
        String pooled = graph.globalAveragePool(features);
        String gates = graph.sigmoid(exportChild(graph, excite, exportChild(graph, squeeze, pooled)));
        return graph.relu(graph.add(exportChild(graph, project, graph.mul(features, gates)), x));
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        Shape features = depthwise.count(expand.count(input, tally), tally);
        excite.count(squeeze.count(new Shape(features.get(0), features.get(1), 1, 1), tally), tally);
        return project.count(features, tally);
    }

    /** The expansion is one prunable space; the gates multiply it, so they are that space too; the squeeze stays. */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        ChannelGraph.Space features = depthwise.trace(expand.trace(input, graph), graph);
        ChannelGraph.Space reduced = squeeze.trace(features, graph);
        graph.fix(reduced);
        graph.tie(excite.trace(reduced, graph), features);
        ChannelGraph.Space out = project.trace(features, graph);
        graph.tie(out, input);
        return out;
    }
// [/doc:block]

    // [doc:type]
    /** The block type, found by ServiceLoader through META-INF/services/org.rtseg.core.blocks.BlockType. */
    public static final class Type implements BlockType {
        static final String NAME = "se-lir";

        /** ServiceLoader's constructor. */
        public Type() {}

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Map<String, Double> defaults() {
            return Map.of("expansion", 2.0, "reduced", 4.0);
        }

        @Override
        public void validate(BlockArgs args) {
            args.intParam("expansion");
            args.intParam("reduced");
            if (!args.preservesShape()) {
                throw new IllegalArgumentException(NAME + " keeps its input's shape (a residual), got " + args);
            }
        }

        @Override
        public RtsegBlock build(BlockArgs args) {
            return new SqueezeExcitationLir(args);
        }
    }
    // [/doc:type]
}
