package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;

/**
 * The segment branch's stem (BiSeNetV2's stem block): reaches 1/4 fast with few channels. {@code
 * conv} 3×3/2 → two ways: {@code left0} 1×1 to C/2 → {@code left1} 3×3/2, and a 3×3/2 max pool;
 * concatenated (left first) → {@code fuse} 3×3.
 */
public final class StemBlock extends RtsegBlock {

    private final ConvBnAct conv;
    private final ConvBnAct left0;
    private final ConvBnAct left1;
    private final ConvBnAct fuse;

    public StemBlock(int in, int out) {
        conv = child("conv", ConvBnAct.builder(in, out).stride(2).build(), in);
        left0 = child("left0", ConvBnAct.builder(out, out / 2).kernel(1).build(), out);
        left1 = child("left1", ConvBnAct.builder(out / 2, out).stride(2).build(), out / 2);
        fuse = child("fuse", ConvBnAct.builder(2 * out, out).build(), 2 * out);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = apply(conv, ps, inputs.singletonOrThrow(), training);
        NDArray left = apply(left1, ps, apply(left0, ps, x, training), training);
        NDArray right = Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        return new NDList(apply(fuse, ps, NDArrays.concat(new NDList(left, right), 1), training));
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        Shape x = conv.count(input, tally);
        Shape left = left1.count(left0.count(x, tally), tally);
        return fuse.count(new Shape(left.get(0), 2 * left.get(1), left.get(2), left.get(3)), tally);
    }
}
