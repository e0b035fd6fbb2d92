package org.rtseg.core.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Tensors;

/**
 * The paper's multi-head self-attention path (§Supernet design, eq. 1–2): the feature map is cut
 * into P×P patches, (B,C,H,W) → (B,N,P²C) with N = HW/P² (P = 1 gives per-pixel tokens); a pre-norm
 * transformer layer runs on the tokens,
 *
 * <pre>
 *   t ← t + W_o · concat_h softmax(Q_h K_hᵀ / √d) V_h      (Q,K,V = LN(t) W_{q,k,v}, eq. 1–2)
 *   t ← t + W_2 · GELU(W_1 · LN(t))                          (MLP, ratio r)
 * </pre>
 *
 * and the tokens are folded back to NCHW. Both sub-layers are residual, so the path keeps the
 * shape; it captures the global context that convolutions at 1/16 and 1/32 miss.
 */
public final class MultiHeadSelfAttention extends RtsegBlock implements ChannelTraceable {

    /** Type {@code mhsa}: parameters {@code heads} (4), {@code patch} (2), {@code mlpRatio} (2). */
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
                    long dim = (long) patch * patch * args.inChannels();
                    if (dim % heads != 0) {
                        throw new IllegalArgumentException(
                                "token width P²C = " + dim + " is not divisible by heads = " + heads);
                    }
                    if (args.param("mlpRatio") * dim < 1) {
                        throw new IllegalArgumentException("mlpRatio must be positive");
                    }
                }

                @Override
                public RtsegBlock build(BlockArgs args) {
                    return new MultiHeadSelfAttention(args);
                }
            };

    private final int channels;
    private final int patch;
    private final int heads;
    private final int dim;
    private final int hidden;
    private final LayerNorm norm1;
    private final Linear qkv;
    private final Linear proj;
    private final LayerNorm norm2;
    private final Linear fc1;
    private final Linear fc2;

    private MultiHeadSelfAttention(BlockArgs args) {
        args.widthOverrides("mhsa").requireAllUsed();
        channels = args.inChannels();
        patch = args.intParam("patch");
        heads = args.intParam("heads");
        dim = patch * patch * channels;
        hidden = (int) Math.round(args.param("mlpRatio") * dim);
        Shape tokens = new Shape(1, dim);
        norm1 = child("norm1", LayerNorm.builder().build(), tokens);
        qkv = child("qkv", Linear.builder().setUnits(3L * dim).build(), tokens);
        proj = child("proj", Linear.builder().setUnits(dim).build(), tokens);
        norm2 = child("norm2", LayerNorm.builder().build(), tokens);
        fc1 = child("fc1", Linear.builder().setUnits(hidden).build(), tokens);
        fc2 = child("fc2", Linear.builder().setUnits(dim).build(), new Shape(1, hidden));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        checkDivisible(s);
        NDArray t = patchify(x);
        t = t.add(attention(ps, apply(norm1, ps, t, training), training));
        NDArray h = Activation.gelu(apply(fc1, ps, apply(norm2, ps, t, training), training));
        t = t.add(apply(fc2, ps, h, training));
        return new NDList(unpatchify(t, s));
    }

    /** Eq. 1–2: scaled dot-product attention per head, heads concatenated, output projection. */
    private NDArray attention(ParameterStore ps, NDArray t, boolean training) {
        long b = t.getShape().get(0);
        long n = t.getShape().get(1);
        int d = dim / heads;
        NDArray qkvHeads = apply(qkv, ps, t, training).reshape(b, n, 3, heads, d).transpose(2, 0, 3, 1, 4);
        NDArray q = qkvHeads.get(0).mul(Tensors.scalar(qkvHeads, 1.0 / Math.sqrt(d)));
        NDArray k = qkvHeads.get(1);
        NDArray v = qkvHeads.get(2);
        NDArray weights = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
        NDArray out = weights.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, dim);
        return apply(proj, ps, out, training);
    }

    /** (B,C,H,W) → (B, HW/P², P·P·C), each token one patch, channels fastest. */
    private NDArray patchify(NDArray x) {
        Shape s = x.getShape();
        long b = s.get(0);
        long gh = s.get(2) / patch;
        long gw = s.get(3) / patch;
        return x.reshape(b, channels, gh, patch, gw, patch)
                .transpose(0, 2, 4, 3, 5, 1)
                .reshape(b, gh * gw, dim);
    }

    private NDArray unpatchify(NDArray t, Shape s) {
        long gh = s.get(2) / patch;
        long gw = s.get(3) / patch;
        return t.reshape(s.get(0), gh, gw, patch, patch, channels)
                .transpose(0, 5, 1, 3, 2, 4)
                .reshape(s);
    }

    private void checkDivisible(Shape s) {
        if (s.get(2) % patch != 0 || s.get(3) % patch != 0) {
            throw new IllegalArgumentException(
                    "MHSA patch " + patch + " does not divide the feature map " + s.get(2) + "×" + s.get(3)
                            + "; use an input size whose 1/32 is a multiple of the patch size");
        }
    }

    /**
     * Tokens mix the channels of a patch and are layer-normalised over all of them: a masked
     * channel would still shift the statistics, so removing it would change the output. The
     * input's channels are kept.
     */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        graph.fix(input);
        return input;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        checkDivisible(input);
        long n = input.get(2) * input.get(3) / ((long) patch * patch);
        tally.parameters(4L * dim);
        tally.linear(dim, 3L * dim, n, true);
        tally.macs(2 * n * n * dim);
        tally.linear(dim, dim, n, true);
        tally.linear(dim, hidden, n, true);
        tally.linear(hidden, dim, n, true);
        return input;
    }
}
