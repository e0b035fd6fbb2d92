package org.rtseg.core.supernet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.Resize;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * A segmentation head, main or auxiliary (paper §Boosters; BiSeNetV2's SegmentHead): {@code conv}
 * 3×3 CBR → dropout → [aux: nearest ×2 → {@code upconv} 3×3 CBR to f² channels] → {@code
 * classifier} 1×1 with bias → bilinear upsampling to the input resolution (factor f, or f/2 after
 * the aux head's first doubling).
 */
public final class SegmentHead extends RtsegBlock implements ChannelTraceable, OnnxExportable {

    private final ConvBnAct conv;
    private final Dropout dropout;
    private final Resize upsample;
    private final ConvBnAct upconv;
    private final ConvBnAct classifier;
    private final Resize toInput;
    private final int factor;

    /**
     * @param in input channels
     * @param mid hidden channels
     * @param classes output classes
     * @param factor total upsampling factor (the input's stride)
     * @param aux whether this is an auxiliary head (an extra ×2 stage)
     * @param dropRate dropout probability
     * @param widths overrides of {@code conv} and, for aux heads, {@code upconv}
     */
    public SegmentHead(int in, int mid, int classes, int factor, boolean aux, double dropRate, Widths widths) {
        this.factor = factor;
        mid = widths.get("conv", mid);
        conv = child("conv", ConvBnAct.builder(in, mid).widthKey("conv").build(), in);
        dropout = child("dropout", Dropout.builder().optRate((float) dropRate).build(), mid);
        int classifierIn = mid;
        if (aux) {
            upsample = child("upsample", new Resize(Resize.Mode.NEAREST, 2), mid);
            classifierIn = widths.get("upconv", factor * factor);
            upconv = child("upconv", ConvBnAct.builder(mid, classifierIn).widthKey("upconv").build(), mid);
        } else {
            upsample = null;
            upconv = null;
        }
        classifier = child("classifier", ConvBnAct.builder(classifierIn, classes).kernel(1).bias().noNorm().noActivation().build(), classifierIn);
        toInput = child("to_input", new Resize(Resize.Mode.BILINEAR, aux ? factor / 2 : factor), classes);
    }

    /** Dropout is the identity in eval mode: it has no node. */
    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        String x = exportChild(graph, conv, input);
        if (upconv != null) {
            x = exportChild(graph, upconv, exportChild(graph, upsample, x));
        }
        return exportChild(graph, toInput, exportChild(graph, classifier, x));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = apply(dropout, ps, apply(conv, ps, inputs.singletonOrThrow(), training), training);
        if (upconv != null) {
            x = apply(upconv, ps, apply(upsample, ps, x, training), training);
        }
        return new NDList(apply(toInput, ps, apply(classifier, ps, x, training), training));
    }

    /** The classes are never pruned. */
    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        ChannelGraph.Space x = conv.trace(input, graph);
        if (upconv != null) {
            x = upconv.trace(x, graph);
        }
        ChannelGraph.Space classes = classifier.trace(x, graph);
        graph.fix(classes);
        return classes;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        Shape x = conv.count(input, tally);
        if (upconv != null) {
            x = upconv.count(new Shape(x.get(0), x.get(1), x.get(2) * 2, x.get(3) * 2), tally);
        }
        x = classifier.count(x, tally);
        return new Shape(x.get(0), x.get(1), input.get(2) * factor, input.get(3) * factor);
    }
}
