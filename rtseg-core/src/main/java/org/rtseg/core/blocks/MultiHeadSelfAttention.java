package org.rtseg.core.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Map;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.MaskedLayerNorm;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Tensors;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The paper's multi-head self-attention path (§Supernet design, eq. 1–2): the feature map is cut
 * into P×P patches and each patch of C channels is one token of width T = P²C (P = 1 gives
 * per-pixel tokens); a pre-norm transformer layer runs on the tokens,
 *
 * <pre>
 *   t ← t + W_o · concat_h softmax(Q_h K_hᵀ / √d) V_h      (Q,K,V = LN(t) W_{q,k,v}, eq. 1–2)
 *   t ← t + W_2 · GELU(W_1 · LN(t))                          (MLP, ratio r)
 * </pre>
 *
 * and the tokens are folded back. Both sub-layers are residual, so the path keeps the shape; it
 * captures the global context that convolutions at 1/16 and 1/32 miss.
 *
 * <p>The tokens are kept as a feature map (B, T, H/P, W/P), made by a channel-major space-to-depth
 * (token channel c·P² + py·P + px, PyTorch's {@code pixel_unshuffle} order), and every linear layer
 * is a 1×1 {@link ConvBnAct} with bias over that map: {@code query}, {@code key}, {@code value} (T
 * → A, the attention width, width key {@code attn}, default T), {@code proj} (A → T), {@code fc1} (T → H,
 * width key {@code mlp}, default round(r·T)) and {@code fc2} (H → T). So width search treats them
 * as any convolution: in the channel graph the tokens are the stage's channels repeated P² times,
 * which prunes the stage width through the attention path, and the MLP's hidden width is a space of
 * its own. The LayerNorms ({@link MaskedLayerNorm}) are masked while searching. The heads are
 * kept whole: A is fixed, because a head's softmax couples all its d = A/heads channels and its
 * scale 1/√d would change with them.
 */
public final class MultiHeadSelfAttention extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    /**
     * Type {@code mhsa}: parameters {@code heads} (4), {@code patch} (2), {@code mlpRatio} (2);
     * widths {@code attn} and {@code mlp}.
     */
    public static final BlockType TYPE =
            new BlockType() {
                @Override
                public String name() {
                    return "mhsa";
                }

                @Override
                public Map<String, Double> defaults() {
                    return Map.of("heads", 4.0, "patch", 2.0, "mlpRatio", 2.0);
                }

                @Override
                public void validate(BlockArgs args) {
                    if (!args.preservesShape()) {
                        throw new IllegalArgumentException(
                                "MHSA keeps the shape: it cannot go from " + args.inChannels() + " to "
                                        + args.outChannels() + " channels with stride " + args.stride());
                    }
                    int patch = args.intParam("patch");
                    int heads = args.intParam("heads");
                    long tokens = (long) patch * patch * args.inChannels();
                    Integer attn = args.widths().get("attn");
                    long width = attn == null ? tokens : attn;
                    if (width % heads != 0) {
                        throw new IllegalArgumentException(
                                (attn == null ? "token width P²C = " : "attention width attn = ") + width
                                        + " is not divisible by heads = " + heads);
                    }
                    if (args.param("mlpRatio") * tokens < 1) {
                        throw new IllegalArgumentException("mlpRatio must be positive");
                    }
                }

                @Override
                public RtsegBlock build(BlockArgs args) {
                    return new MultiHeadSelfAttention(args);
                }
            };

    private final int patch;
    private final int heads;
    private final int tokens;
    private final MaskedLayerNorm norm1;
    private final ConvBnAct query;
    private final ConvBnAct key;
    private final ConvBnAct value;
    private final ConvBnAct proj;
    private final MaskedLayerNorm norm2;
    private final ConvBnAct fc1;
    private final ConvBnAct fc2;

    private MultiHeadSelfAttention(BlockArgs args) {
        Widths widths = args.widthOverrides("mhsa");
        patch = args.intParam("patch");
        heads = args.intParam("heads");
        tokens = patch * patch * args.inChannels();
        int attn = widths.get("attn", tokens);
        int hidden = widths.get("mlp", (int) Math.round(args.param("mlpRatio") * tokens));
        widths.requireAllUsed();
        norm1 = child("norm1", new MaskedLayerNorm(tokens), tokens);
        query = child("query", linear(tokens, attn, "attn"), tokens);
        key = child("key", linear(tokens, attn, "attn"), tokens);
        value = child("value", linear(tokens, attn, "attn"), tokens);
        proj = child("proj", linear(attn, tokens, null), attn);
        norm2 = child("norm2", new MaskedLayerNorm(tokens), tokens);
        fc1 = child("fc1", linear(tokens, hidden, "mlp"), tokens);
        fc2 = child("fc2", linear(hidden, tokens, null), hidden);
    }

    /** A token-wise linear layer: 1×1 convolution with bias, no norm, no activation. */
    private static ConvBnAct linear(int in, int out, String widthKey) {
        return ConvBnAct.builder(in, out).kernel(1).bias().noNorm().noActivation().widthKey(widthKey).build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        checkDivisible(s);
        NDArray t = spaceToDepth(x);
        t = t.add(attention(ps, apply(norm1, ps, t, training), training));
        NDArray h = Activation.gelu(apply(fc1, ps, apply(norm2, ps, t, training), training));
        t = t.add(apply(fc2, ps, h, training));
        return new NDList(depthToSpace(t, s));
    }

    /** Eq. 1–2: scaled dot-product attention per head over the N = hw tokens, heads concatenated, output projection. */
    private NDArray attention(ParameterStore ps, NDArray t, boolean training) {
        Shape s = t.getShape();
        long b = s.get(0);
        long n = s.get(2) * s.get(3);
        long width = query.outChannels();
        long d = width / heads;
        NDArray q = apply(query, ps, t, training);
        q = q.mul(Tensors.scalar(q, 1.0 / Math.sqrt(d))).reshape(b, heads, d, n).transpose(0, 1, 3, 2);
        NDArray k = apply(key, ps, t, training).reshape(b, heads, d, n);
        NDArray weights = q.matMul(k).softmax(-1); // (B, heads, query, key)
        NDArray v = apply(value, ps, t, training).reshape(b, heads, d, n);
        // V·Wᵀ is each head's output with the channels first, as the token map wants them.
        NDArray out = v.matMul(weights.transpose(0, 1, 3, 2)).reshape(b, width, s.get(2), s.get(3));
        return apply(proj, ps, out, training);
    }

    /**
     * The same layer in ONNX operators. ONNX's SpaceToDepth orders a token's channels pixel-major,
     * (py·P + px)·C + c, so a Gather reorders them channel-major; DepthToSpace in CRD mode is exactly
     * {@link #depthToSpace}.
     */
    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String t = input;
        if (patch > 1) {
            long channels = tokens / (patch * patch);
            long[] order = new long[tokens];
            for (int i = 0; i < tokens; i++) {
                order[i] = i % (patch * patch) * channels + i / (patch * patch);
            }
            String pixelMajor = graph.node("SpaceToDepth", List.of(input), OnnxGraph.attribute("blocksize", patch));
            t = graph.node("Gather", List.of(pixelMajor, graph.ints("channel_major", order)), OnnxGraph.attribute("axis", 1));
        }
        t = graph.add(t, exportAttention(graph, exportChild(graph, norm1, t)));
        String h = graph.gelu(exportChild(graph, fc1, exportChild(graph, norm2, t)));
        t = graph.add(t, exportChild(graph, fc2, h));
        return patch == 1 ? t
                : graph.node("DepthToSpace", List.of(t), OnnxGraph.attribute("blocksize", patch), OnnxGraph.attribute("mode", "CRD"));
    }

    /** {@link #attention} in ONNX operators; the heads' outputs take the shape of the queries' map. */
    private String exportAttention(OnnxGraph graph, String t) {
        long d = query.outChannels() / heads;
        String perHead = graph.ints("per_head", 0, heads, d, -1);
        String queries = exportChild(graph, query, t);
        String q = graph.mul(queries, graph.scalar("scale", (float) (1.0 / Math.sqrt(d))));
        q = graph.transpose(graph.reshape(q, perHead), 0, 1, 3, 2);
        String k = graph.reshape(exportChild(graph, key, t), perHead);
        String weights = graph.node("Softmax", List.of(graph.node("MatMul", List.of(q, k))), OnnxGraph.attribute("axis", -1));
        String v = graph.reshape(exportChild(graph, value, t), perHead);
        String out = graph.node("MatMul", List.of(v, graph.transpose(weights, 0, 1, 3, 2)));
        return exportChild(graph, proj, graph.reshape(out, graph.shape(queries)));
    }

    /** (B,C,H,W) → (B, C·P², H/P, W/P), token channel c·P² + py·P + px. */
    private NDArray spaceToDepth(NDArray x) {
        if (patch == 1) {
            return x;
        }
        Shape s = x.getShape();
        long gh = s.get(2) / patch;
        long gw = s.get(3) / patch;
        return x.reshape(s.get(0), s.get(1), gh, patch, gw, patch)
                .transpose(0, 1, 3, 5, 2, 4)
                .reshape(s.get(0), tokens, gh, gw);
    }

    /** The inverse of {@link #spaceToDepth}, back to {@code shape}. */
    private NDArray depthToSpace(NDArray t, Shape shape) {
        if (patch == 1) {
            return t;
        }
        Shape s = t.getShape();
        return t.reshape(s.get(0), shape.get(1), patch, patch, s.get(2), s.get(3))
                .transpose(0, 1, 4, 2, 5, 3)
                .reshape(shape);
    }

    private void checkDivisible(Shape s) {
        if (s.get(2) % patch != 0 || s.get(3) % patch != 0) {
            throw new IllegalArgumentException(
                    "MHSA patch " + patch + " does not divide the feature map " + s.get(2) + "×" + s.get(3)
                            + "; use an input size whose 1/32 is a multiple of the patch size");
        }
    }

    /**
     * The tokens are the input's channels repeated P² times (channel-major space-to-depth), so
     * pruning a stage channel removes its P² token channels; {@code proj} and {@code fc2} write
     * back into that space, whose mask also reaches the LayerNorms. The MLP's hidden width is a new
     * prunable space; the attention width is fixed (heads stay whole).
     */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        ChannelGraph.Space t = graph.repeat(input, patch * patch);
        ChannelGraph.Space normed = norm1.trace(t, graph);
        ChannelGraph.Space attended = null;
        for (ConvBnAct c : List.of(query, key, value)) {
            attended = c.trace(normed, graph);
            graph.fix(attended);
        }
        graph.convolution(proj, attended, t);
        ChannelGraph.Space hidden = fc1.trace(norm2.trace(t, graph), graph);
        graph.convolution(fc2, hidden, t);
        return input;
    }

    /**
     * The path keeps its input's shape. Answered without counting, because DJL asks for output
     * shapes at the 1×1 shape a child is initialised with (e.g. to print a block), which a patch
     * does not divide.
     */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        checkDivisible(input);
        Shape t = new Shape(input.get(0), tokens, input.get(2) / patch, input.get(3) / patch);
        long n = t.get(2) * t.get(3);
        norm1.count(t, tally);
        query.count(t, tally);
        key.count(t, tally);
        Shape attended = value.count(t, tally);
        tally.macs(2 * n * n * query.outChannels());
        proj.count(attended, tally);
        fc2.count(fc1.count(norm2.count(t, tally), tally), tally);
        return input;
    }
}
