package org.rtseg.core.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An ONNX graph (opset {@value #OPSET}) being written by the blocks of a network ({@link
 * OnnxExportable}): the operators rtseg's blocks compute, each with the semantics of the eager
 * DJL/PyTorch call it mirrors, and the block's parameters as initializers named after their path.
 *
 * <p>Values are named {@code path/Op} (unique within the graph, suffixed when repeated), where the
 * path is the dotted chain of child names that {@link #block} entered, e.g. {@code
 * segment.stage1.mixed0.lir.conv1/Relu}. Operators the methods here do not cover can be added with
 * {@link #node}.
 */
public final class OnnxGraph {

    /** The ONNX opset every exported graph declares: the first with LayerNormalization. */
    public static final int OPSET = 17;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Deque<String> path = new ArrayDeque<>();
    private final Map<String, Integer> names = new HashMap<>();
    private final Map<Parameter, String> initialized = new IdentityHashMap<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    GraphProto.Builder proto() {
        return graph;
    }

    /** Gives a value the exact name a graph output has. */
    void output(String value, String name) {
        graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName(name).addInput(value).addOutput(name));
    }

    /**
     * Exports a child block in its own scope: its nodes and parameters are named under {@code name}.
     *
     * @param name the child's name (the path element)
     * @param child the child block
     * @param input the child's input value
     * @return the child's output value
     * @throws IllegalArgumentException if the child does not implement {@link OnnxExportable}; the
     *     message names the block's path and class
     */
    public String block(String name, Block child, String input) {
        return block(name, null, child, input);
    }

    /**
     * As {@link #block(String, Block, String)} for a block of a registered block type (a stage's
     * downsample block, a mixed block's path), which an error message then names.
     *
     * @param name the child's name (the path element)
     * @param type the block type's name in configs, e.g. {@code "lir"}
     * @param child the child block
     * @param input the child's input value
     * @return the child's output value
     * @throws IllegalArgumentException if the child does not implement {@link OnnxExportable}
     */
    public String block(String name, String type, Block child, String input) {
        return within(name, () -> {
            if (!(child instanceof OnnxExportable exportable)) {
                throw new IllegalArgumentException((type == null ? "block " : "block type '" + type + "' at ") + String.join(".", path)
                        + " (" + child.getClass().getName() + ") cannot be exported to ONNX: it does not implement "
                        + OnnxExportable.class.getName() + "; implement exportOnnx with the operators of OnnxGraph (docs/deploy.md)");
            }
            return exportable.exportOnnx(this, input);
        });
    }

    /**
     * Writes nodes in the scope of a child, for a block that is not a single-input {@link
     * OnnxExportable} (e.g. one of two inputs).
     *
     * @param name the child's name (the path element)
     * @param body writes the child's nodes
     * @return what {@code body} returns
     */
    public String within(String name, Supplier<String> body) {
        path.addLast(name);
        try {
            return body.get();
        } finally {
            path.removeLast();
        }
    }

    /**
     * Adds a node of one output.
     *
     * @param op the ONNX operator type, e.g. {@code "Erf"}
     * @param inputs its input values in order ({@code ""} for an omitted optional input)
     * @param attributes its attributes (see {@link #attribute})
     * @return the node's output value
     */
    public String node(String op, List<String> inputs, AttributeProto... attributes) {
        String output = unique(scoped(op));
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output)
                .addAllAttribute(List.of(attributes)));
        return output;
    }

    /**
     * A block parameter as an initializer, written once however often it is used.
     *
     * @param block the block that owns the parameter directly
     * @param name the parameter's name in the block, e.g. {@code "weight"}
     * @return the initializer's value name
     * @throws IllegalArgumentException if the block has no such parameter
     */
    public String parameter(Block block, String name) {
        Parameter p = block.getDirectParameters().get(name);
        if (p == null) {
            throw new IllegalArgumentException(block.getClass().getSimpleName() + " at " + String.join(".", path)
                    + " has no parameter '" + name + "'");
        }
        return initialized.computeIfAbsent(p, q -> floats(name, q.getArray()));
    }

    /**
     * A float32 initializer with an array's values and shape.
     *
     * @param hint the name within the current scope
     * @param values the values
     * @return the initializer's value name
     */
    public String floats(String hint, NDArray values) {
        return floats(hint, values.getShape().getShape(), values.toFloatArray());
    }

    /**
     * A float32 initializer.
     *
     * @param hint the name within the current scope
     * @param shape its dimensions ({@code new long[0]} for a scalar)
     * @param values the values, row-major
     * @return the initializer's value name
     */
    public String floats(String hint, long[] shape, float... values) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return initializer(hint, TensorProto.DataType.FLOAT, shape, bytes);
    }

    /**
     * A 1-D int64 initializer, e.g. a shape, axes or indices.
     *
     * @param hint the name within the current scope
     * @param values the values
     * @return the initializer's value name
     */
    public String ints(String hint, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return initializer(hint, TensorProto.DataType.INT64, new long[] {values.length}, bytes);
    }

    private String initializer(String hint, TensorProto.DataType type, long[] shape, ByteBuffer bytes) {
        String name = unique(scoped(hint));
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .addAllDims(Arrays.stream(shape).boxed().toList()).setRawData(ByteString.copyFrom(bytes.array())));
        return name;
    }

    /**
     * A 2-D convolution with padding {@code padding} on every side, as DJL's {@code Conv2d}.
     *
     * @param conv a block with a {@code weight} (O×I/g×k×k) and optionally a {@code bias} parameter
     * @param x the input
     * @param stride the stride on both axes
     * @param padding the zero padding on each side
     * @param groups the groups
     * @return the output
     */
    public String convolution(Block conv, String x, int stride, int padding, int groups) {
        long[] w = conv.getDirectParameters().get("weight").getArray().getShape().getShape();
        Parameter bias = conv.getDirectParameters().get("bias");
        List<String> inputs = bias == null ? List.of(x, parameter(conv, "weight"))
                : List.of(x, parameter(conv, "weight"), parameter(conv, "bias"));
        return node("Conv", inputs, attribute("kernel_shape", w[2], w[3]), attribute("strides", stride, stride),
                attribute("pads", padding, padding, padding, padding), attribute("group", groups));
    }

    /**
     * Eval-mode BatchNorm with running statistics, as DJL's {@code BatchNorm} over axis 1.
     *
     * @param bn a block with {@code gamma}, {@code beta}, {@code runningMean} and {@code runningVar}
     * @param x the input
     * @param epsilon the variance's epsilon
     * @return the normalised input
     */
    public String batchNorm(Block bn, String x, float epsilon) {
        return node("BatchNormalization", List.of(x, parameter(bn, "gamma"), parameter(bn, "beta"),
                parameter(bn, "runningMean"), parameter(bn, "runningVar")), attribute("epsilon", epsilon));
    }

    /**
     * LayerNorm over the channel axis of an N×C×H×W map (channels moved last and back).
     *
     * @param x the input
     * @param gamma the scale (C values)
     * @param beta the shift (C values)
     * @param epsilon the variance's epsilon
     * @return the normalised input
     */
    public String channelLayerNorm(String x, String gamma, String beta, float epsilon) {
        String last = transpose(x, 0, 2, 3, 1);
        String normed = node("LayerNormalization", List.of(last, gamma, beta), attribute("axis", -1), attribute("epsilon", epsilon));
        return transpose(normed, 0, 3, 1, 2);
    }

    /**
     * ReLU.
     *
     * @param x the input
     * @return max(x, 0)
     */
    public String relu(String x) {
        return node("Relu", List.of(x));
    }

    /**
     * The logistic sigmoid.
     *
     * @param x the input
     * @return 1 / (1 + e^−x)
     */
    public String sigmoid(String x) {
        return node("Sigmoid", List.of(x));
    }

    /**
     * The exact (erf) GELU, PyTorch's default, as ONNX opset 17 has no Gelu operator.
     *
     * @param x the input
     * @return x·½·(1 + erf(x/√2))
     */
    public String gelu(String x) {
        String erf = node("Erf", List.of(mul(x, scalar("inv_sqrt2", (float) (1 / Math.sqrt(2))))));
        String half = mul(x, scalar("half", 0.5f));
        return mul(half, add(erf, scalar("one", 1f)));
    }

    /**
     * Elementwise sum, broadcasting as NumPy.
     *
     * @param a the first summand
     * @param b the second summand
     * @return a + b
     */
    public String add(String a, String b) {
        return node("Add", List.of(a, b));
    }

    /**
     * Elementwise product, broadcasting as NumPy.
     *
     * @param a the first factor
     * @param b the second factor
     * @return a · b
     */
    public String mul(String a, String b) {
        return node("Mul", List.of(a, b));
    }

    /**
     * A float scalar constant.
     *
     * @param hint the name within the current scope
     * @param value the value
     * @return the constant's value name
     */
    public String scalar(String hint, float value) {
        return floats(hint, new long[0], value);
    }

    /**
     * Concatenation.
     *
     * @param axis the axis
     * @param inputs the values to join, in order
     * @return the joined value
     */
    public String concat(int axis, String... inputs) {
        return node("Concat", List.of(inputs), attribute("axis", axis));
    }

    /**
     * Max pooling, padded with −∞, floor mode.
     *
     * @param x the input
     * @param kernel the window size
     * @param stride the stride
     * @param padding the padding on each side
     * @return the pooled map
     */
    public String maxPool(String x, int kernel, int stride, int padding) {
        return node("MaxPool", List.of(x), attribute("kernel_shape", kernel, kernel), attribute("strides", stride, stride),
                attribute("pads", padding, padding, padding, padding));
    }

    /**
     * Average pooling that counts padded zeros (PyTorch's {@code count_include_pad=True}), floor mode.
     *
     * @param x the input
     * @param kernel the window size
     * @param stride the stride
     * @param padding the padding on each side
     * @return the pooled map
     */
    public String averagePool(String x, int kernel, int stride, int padding) {
        return node("AveragePool", List.of(x), attribute("kernel_shape", kernel, kernel), attribute("strides", stride, stride),
                attribute("pads", padding, padding, padding, padding), attribute("count_include_pad", 1));
    }

    /**
     * The mean over the spatial axes, kept as 1×1.
     *
     * @param x an N×C×H×W map
     * @return its N×C×1×1 mean
     */
    public String globalAveragePool(String x) {
        return node("GlobalAveragePool", List.of(x));
    }

    /**
     * Upsampling by an integer factor as PyTorch's {@code F.interpolate} (align_corners=False, no
     * antialiasing): nearest reads source pixel ⌊d/f⌋, bilinear the half-pixel position (d+½)/f − ½
     * clamped to the border.
     *
     * @param x an N×C×H×W map
     * @param factor the scale factor on both spatial axes
     * @param bilinear bilinear, else nearest-neighbour
     * @return the N×C×fH×fW map
     */
    public String upsample(String x, int factor, boolean bilinear) {
        return resize(x, List.of(x, "", floats("scales", new long[] {4}, 1, 1, factor, factor)), bilinear);
    }

    /**
     * Resizing to the spatial size of another map, as {@link #upsample}.
     *
     * @param x an N×C×h×w map
     * @param like an N'×C'×H×W map whose H×W is the target size
     * @param bilinear bilinear, else nearest-neighbour
     * @return the N×C×H×W map
     */
    public String resizeLike(String x, String like, boolean bilinear) {
        String sizes = concat(0, slice(shape(x), 0, 2), slice(shape(like), 2, 4));
        return resize(x, List.of(x, "", "", sizes), bilinear);
    }

    private String resize(String x, List<String> inputs, boolean bilinear) {
        return bilinear
                ? node("Resize", inputs, attribute("mode", "linear"), attribute("coordinate_transformation_mode", "half_pixel"))
                : node("Resize", inputs, attribute("mode", "nearest"), attribute("coordinate_transformation_mode", "asymmetric"),
                        attribute("nearest_mode", "floor"));
    }

    /**
     * Zero padding at the bottom and right up to the next multiple of {@code multiple}, whatever
     * the input's size (computed in the graph, so that a symbolic size works).
     *
     * @param x an N×C×H×W map
     * @param multiple the multiple H and W are padded to
     * @return the padded map
     */
    public String padToMultiple(String x, long multiple) {
        String m = ints("multiple", multiple);
        String size = slice(shape(x), 2, 4);
        String missing = node("Mod", List.of(node("Sub", List.of(m, node("Mod", List.of(size, m)))), m));
        return node("Pad", List.of(x, concat(0, ints("no_padding", 0, 0, 0, 0, 0, 0), missing)));
    }

    /**
     * The top-left H×W of a map, where H×W is the spatial size of another.
     *
     * @param x an N×C×H'×W' map with H' ≥ H and W' ≥ W
     * @param like a map of the target spatial size
     * @return the cropped map
     */
    public String cropLike(String x, String like) {
        return node("Slice", List.of(x, ints("origin", 0, 0), slice(shape(like), 2, 4), ints("spatial", 2, 3)));
    }

    /**
     * A value's shape, as a 1-D int64 value.
     *
     * @param x the value
     * @return its shape
     */
    public String shape(String x) {
        return node("Shape", List.of(x));
    }

    /**
     * Elements {@code [from, to)} of a 1-D value, e.g. some dimensions of a {@link #shape}.
     *
     * @param x a 1-D value
     * @param from the first index
     * @param to one past the last index
     * @return the slice
     */
    public String slice(String x, long from, long to) {
        return node("Slice", List.of(x, ints("from", from), ints("to", to), ints("axes", 0)));
    }

    /**
     * Reshaping, as DJL's {@code reshape}: 0 copies the input's dimension, −1 is inferred.
     *
     * @param x the value
     * @param shape the target shape, a 1-D int64 value
     * @return the reshaped value
     */
    public String reshape(String x, String shape) {
        return node("Reshape", List.of(x, shape));
    }

    /**
     * Axis permutation.
     *
     * @param x the value
     * @param perm the input axis of each output axis
     * @return the permuted value
     */
    public String transpose(String x, long... perm) {
        return node("Transpose", List.of(x), attribute("perm", perm));
    }

    /**
     * An attribute of one int.
     *
     * @param name the attribute's name
     * @param value its value
     * @return the attribute
     */
    public static AttributeProto attribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /**
     * An attribute of several ints (e.g. {@code pads}).
     *
     * @param name the attribute's name
     * @param values its values
     * @return the attribute
     */
    public static AttributeProto attribute(String name, long... values) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
                .addAllInts(Arrays.stream(values).boxed().toList()).build();
    }

    /**
     * An attribute of one float.
     *
     * @param name the attribute's name
     * @param value its value
     * @return the attribute
     */
    public static AttributeProto attribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /**
     * An attribute of one string.
     *
     * @param name the attribute's name
     * @param value its value
     * @return the attribute
     */
    public static AttributeProto attribute(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    private String scoped(String name) {
        return path.isEmpty() ? name : String.join(".", path) + "/" + name;
    }

    private String unique(String name) {
        int seen = names.merge(name, 1, Integer::sum);
        return seen == 1 ? name : name + "_" + seen;
    }
}
