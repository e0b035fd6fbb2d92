package org.rtseg.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.ParameterList;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;

/**
 * The convolution unit every branch is made of: a k×k convolution with padding k/2, optionally
 * followed by BatchNorm (eps 1e-5, PyTorch momentum 0.1) and ReLU. BiSeNetV2's {@code ConvBNReLU}
 * is the default; {@link Builder#noActivation()} and {@link Builder#noNorm()} give the other
 * variants of the reference.
 *
 * <p>Children: {@code conv} and, with normalisation, {@code bn}.
 */
public final class ConvBnAct extends RtsegBlock implements ChannelTraceable, Masked, OnnxExportable {

    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int groups;
    private final boolean relu;
    private final String widthKey;
    private boolean bias;
    private boolean folded;
    private Conv2d conv;
    private BatchNorm norm;
    private final MaskPoint mask = new MaskPoint();

    /** BatchNorm's epsilon (PyTorch's default), which folding the BatchNorm into the weights needs. */
    public static final float NORM_EPSILON = 1e-5f;

    private ConvBnAct(Builder b) {
        if (b.in <= 0 || b.out <= 0 || b.kernel <= 0 || b.stride <= 0) {
            throw new IllegalArgumentException(
                    "ConvBnAct needs positive sizes, got in=" + b.in + " out=" + b.out
                            + " kernel=" + b.kernel + " stride=" + b.stride);
        }
        if (b.in % b.groups != 0 || b.out % b.groups != 0) {
            throw new IllegalArgumentException(
                    "groups=" + b.groups + " must divide in=" + b.in + " and out=" + b.out);
        }
        inChannels = b.in;
        outChannels = b.out;
        kernel = b.kernel;
        stride = b.stride;
        groups = b.groups;
        bias = b.bias;
        relu = b.relu;
        widthKey = b.widthKey;
        conv = child("conv", convolution(), inChannels);
        norm =
                b.norm
                        ? child(
                                "bn",
                                BatchNorm.builder().optEpsilon(NORM_EPSILON).optMomentum(0.9f).build(),
                                outChannels)
                        : null;
    }

    private Conv2d convolution() {
        int pad = kernel / 2;
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(outChannels)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(pad, pad))
                .optGroups(groups)
                .optBias(bias)
                .build();
    }

    /**
     * Turns this unit into its deploy form: the BatchNorm is removed and the convolution gets a
     * bias, so that the BatchNorm folded into the weights ({@code org.rtseg.core.deploy}) costs no
     * pass over the feature map, and in eval mode the ReLU runs in place on the convolution's
     * output ({@link FusedOps}). Structure only: call it before initialisation, then set the
     * folded values. A unit without BatchNorm is left as it is.
     *
     * @throws IllegalStateException when the unit is already initialised
     */
    public void removeNormForFolding() {
        if (norm == null) {
            return;
        }
        if (isInitialized()) {
            throw new IllegalStateException("fold the BatchNorm of a ConvBnAct before initialising it");
        }
        children.remove("bn");
        children.remove("conv");
        norm = null;
        bias = true;
        folded = true;
        conv = child("conv", convolution(), inChannels);
    }

    /**
     * A builder for a unit with {@code in} input and {@code out} output channels.
     *
     * @param in input channels, positive
     * @param out output channels, positive
     * @return a builder with the defaults of {@link Builder}
     */
    public static Builder builder(int in, int out) {
        return new Builder(in, out);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (folded && relu && !mask.isSet() && !training) {
            return new NDList(fusedConvRelu(ps, inputs.singletonOrThrow()));
        }
        NDArray x = apply(conv, ps, inputs.singletonOrThrow(), training);
        if (norm != null && relu && !mask.isSet() && FusedOps.inference(training)) {
            return new NDList(normRelu(ps, x));
        }
        if (norm != null) {
            x = apply(norm, ps, x, training);
        }
        x = mask.apply(ps, x, training);
        return new NDList(relu ? Activation.relu(x) : x);
    }

    private NDArray normRelu(ParameterStore ps, NDArray x) {
        ParameterList p = norm.getParameters();
        Device device = x.getDevice();
        return FusedOps.batchNormRelu(x, ps.getValue(p.get("gamma"), device, false), ps.getValue(p.get("beta"), device, false),
                ps.getValue(p.get("runningMean"), device, false), ps.getValue(p.get("runningVar"), device, false), NORM_EPSILON);
    }

    private NDArray fusedConvRelu(ParameterStore ps, NDArray x) {
        ParameterList p = conv.getParameters();
        NDArray weight = ps.getValue(p.get("weight"), x.getDevice(), false);
        NDArray b = ps.getValue(p.get("bias"), x.getDevice(), false);
        return FusedOps.conv2dRelu(x, weight, b, stride, kernel / 2, groups);
    }

    /**
     * A Conv node with the folded BatchNorm's weights and bias, then Relu.
     *
     * @throws IllegalStateException if the BatchNorm is not folded (export the deploy graph) or
     *     width search masks the unit (export the extracted subnet)
     */
    @Override
    public String exportOnnx(OnnxGraph graph, String input) {
        if (norm != null || mask.isSet()) {
            throw new IllegalStateException("only a deploy graph's units export to ONNX (BatchNorm folded, no width-search mask);"
                    + " export with OnnxExport, which folds the network first");
        }
        String y = graph.convolution(conv, input, stride, kernel / 2, groups);
        return relu ? graph.relu(y) : y;
    }

    @Override
    public Shape count(Shape input, Tally tally) {
        tally.observe(this, input);
        long pad = kernel / 2;
        long h = (input.get(2) + 2 * pad - kernel) / stride + 1;
        long w = (input.get(3) + 2 * pad - kernel) / stride + 1;
        long weights = (long) outChannels * (inChannels / groups) * kernel * kernel;
        tally.convolution(weights, h * w, bias ? outChannels : 0);
        if (norm != null) {
            tally.parameters(2L * outChannels);
        }
        return new Shape(input.get(0), outChannels, h, w);
    }

    @Override
    public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
        return graph.convolution(this, input);
    }

    /**
     * Sets the mask applied to the normalised output before the activation, where width search
     * masks channels (ReLU keeps masked zeros at zero); {@code null} removes it.
     */
    @Override
    public void setMask(Source source) {
        mask.setMask(source);
    }

    /**
     * Input channels.
     *
     * @return the number of channels the convolution reads
     */
    public int inChannels() {
        return inChannels;
    }

    /**
     * Output channels.
     *
     * @return the number of channels the convolution writes
     */
    public int outChannels() {
        return outChannels;
    }

    /**
     * Kernel size.
     *
     * @return k of the k×k kernel
     */
    public int kernel() {
        return kernel;
    }

    /**
     * Spatial stride.
     *
     * @return the convolution's stride, the same on both axes
     */
    public int stride() {
        return stride;
    }

    /**
     * Convolution groups.
     *
     * @return the number of groups: 1 for a dense convolution, {@link #inChannels()} for a depthwise
     *     one or a grouped expansion
     */
    public int groups() {
        return groups;
    }

    /**
     * Whether the convolution has a bias.
     *
     * @return true if built with one, or once {@link #removeNormForFolding()} removed a BatchNorm
     */
    public boolean hasBias() {
        return bias;
    }

    /**
     * Whether a BatchNorm follows the convolution.
     *
     * @return true unless built with {@link Builder#noNorm()} or the BatchNorm was folded away
     */
    public boolean hasNorm() {
        return norm != null;
    }

    /**
     * Whether a ReLU ends the unit.
     *
     * @return false when built with {@link Builder#noActivation()}
     */
    public boolean hasActivation() {
        return relu;
    }

    /**
     * The key, relative to the enclosing module, of the width this unit's output channels were
     * read from ({@code null} when they follow from another width, e.g. a depthwise unit).
     *
     * @return the width key, or null
     */
    public String widthKey() {
        return widthKey;
    }

    /** Builder of {@link ConvBnAct}; defaults: 3×3, stride 1, no bias, BatchNorm, ReLU. */
    public static final class Builder {
        private final int in;
        private final int out;
        private int kernel = 3;
        private int stride = 1;
        private int groups = 1;
        private boolean bias;
        private boolean norm = true;
        private boolean relu = true;
        private String widthKey;

        private Builder(int in, int out) {
            this.in = in;
            this.out = out;
        }

        /**
         * Sets the kernel size; padding is {@code kernel / 2}.
         *
         * @param kernel k of the k×k kernel, positive (default 3)
         * @return this builder
         */
        public Builder kernel(int kernel) {
            this.kernel = kernel;
            return this;
        }

        /**
         * Sets the stride.
         *
         * @param stride the stride on both axes, positive (default 1)
         * @return this builder
         */
        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        /**
         * Sets the number of convolution groups.
         *
         * @param groups groups; must divide both channel counts (default 1)
         * @return this builder
         */
        public Builder groups(int groups) {
            this.groups = groups;
            return this;
        }

        /**
         * One group per input channel.
         *
         * @return this builder
         */
        public Builder depthwise() {
            return groups(in);
        }

        /**
         * Gives the convolution a bias (default none).
         *
         * @return this builder
         */
        public Builder bias() {
            this.bias = true;
            return this;
        }

        /**
         * Leaves out the BatchNorm.
         *
         * @return this builder
         */
        public Builder noNorm() {
            this.norm = false;
            return this;
        }

        /**
         * Leaves out the ReLU.
         *
         * @return this builder
         */
        public Builder noActivation() {
            this.relu = false;
            return this;
        }

        /**
         * Records which width key gave the output channels, for subnet extraction.
         *
         * @param key the width key relative to the enclosing module (see {@link ConvBnAct#widthKey()})
         * @return this builder
         */
        public Builder widthKey(String key) {
            this.widthKey = key;
            return this;
        }

        /**
         * Builds the unit.
         *
         * @return a new, uninitialised unit
         * @throws IllegalArgumentException if a size is not positive or the groups do not divide
         *     the channel counts
         */
        public ConvBnAct build() {
            return new ConvBnAct(this);
        }
    }
}
