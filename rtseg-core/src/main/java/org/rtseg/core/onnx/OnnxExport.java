package org.rtseg.core.onnx;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

/**
 * Export of a network's deploy graph ({@link DeployGraph}: chosen paths only, BatchNorm folded, no
 * aux heads) as an ONNX model, opset {@value OnnxGraph#OPSET}, for ONNX Runtime and the compilers
 * that read ONNX (TensorRT, OpenVINO, ONNX Runtime Mobile).
 *
 * <p>The model has one input, {@value #INPUT} (N×3×H×W float32, normalised RGB), and one output,
 * {@value #OUTPUT} (N×classes×H×W float32), of fixed or symbolic size ({@link Options}). Like the
 * eager network, the graph pads H and W to a multiple of {@value Supernet#STRIDE} and crops the
 * logits back, so a dynamic model takes any size. Each block writes its own nodes ({@link
 * OnnxExportable}); the model's metadata carries the deploy config ({@value #CONFIG_KEY}) and, when
 * given, the class names ({@value #CLASSES_KEY}) and the input normalisation ({@value #MEAN_KEY},
 * {@value #STD_KEY}).
 */
public final class OnnxExport {

    /** The name of the model's input. */
    public static final String INPUT = "image";
    /** The name of the model's output. */
    public static final String OUTPUT = "logits";
    /** Metadata key of the deploy config (JSON). */
    public static final String CONFIG_KEY = "rtseg.config";
    /** Metadata key of the class names (a JSON array, in class-id order). */
    public static final String CLASSES_KEY = "rtseg.classes";
    /** Metadata key of the per-channel mean subtracted from RGB values in [0, 1] (a JSON array). */
    public static final String MEAN_KEY = "rtseg.mean";
    /** Metadata key of the per-channel standard deviation the input is divided by (a JSON array). */
    public static final String STD_KEY = "rtseg.std";

    /** ONNX IR version 8, the one that goes with opset 17. */
    private static final long IR_VERSION = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private OnnxExport() {}

    /**
     * What the exported model fixes and says about itself.
     *
     * @param inputSize the fixed input N×3×H×W, or null for symbolic {@code batch}, {@code height}
     *     and {@code width}
     * @param classNames the class names in class-id order, one per class; empty to leave them out
     * @param mean the per-channel mean of the input normalisation (3 values); empty to leave it out
     * @param std the per-channel standard deviation (3 values, positive); empty when {@code mean} is
     */
    public record Options(Shape inputSize, List<String> classNames, List<Double> mean, List<Double> std) {

        /**
         * Checks the options.
         *
         * @param inputSize the fixed input N×3×H×W, or null for a symbolic size
         * @param classNames the class names, or empty
         * @param mean the per-channel mean, or empty
         * @param std the per-channel standard deviation, or empty
         * @throws IllegalArgumentException if the input size is not N×3×H×W with positive sizes, or
         *     the normalisation is not 3 means and 3 positive deviations
         */
        public Options {
            if (inputSize != null && (inputSize.dimension() != 4 || inputSize.get(1) != 3 || inputSize.get(0) <= 0
                    || inputSize.get(2) <= 0 || inputSize.get(3) <= 0)) {
                throw new IllegalArgumentException("the ONNX input must be N×3×H×W with positive sizes, got " + inputSize);
            }
            classNames = List.copyOf(classNames);
            mean = List.copyOf(mean);
            std = List.copyOf(std);
            if (mean.size() != std.size() || !(mean.isEmpty() || mean.size() == 3) || std.stream().anyMatch(s -> !(s > 0))) {
                throw new IllegalArgumentException("the normalisation needs 3 means and 3 positive standard deviations, got mean "
                        + mean + " and std " + std);
            }
        }

        /**
         * A builder: symbolic input size, no class names, no normalisation.
         *
         * @return a new builder
         */
        public static Builder builder() {
            return new Builder();
        }

        /** Builder of {@link Options}. */
        public static final class Builder {
            private Shape inputSize;
            private List<String> classNames = List.of();
            private List<Double> mean = List.of();
            private List<Double> std = List.of();

            private Builder() {}

            /**
             * Fixes the input size (default: symbolic batch, height and width).
             *
             * @param batch images per run
             * @param height image height in pixels
             * @param width image width in pixels
             * @return this builder
             */
            public Builder fixedInput(long batch, long height, long width) {
                inputSize = new Shape(batch, 3, height, width);
                return this;
            }

            /**
             * Records the class names in the metadata.
             *
             * @param names one per class, in class-id order
             * @return this builder
             */
            public Builder classNames(List<String> names) {
                classNames = names;
                return this;
            }

            /**
             * Records the input normalisation in the metadata: the model expects
             * {@code (rgb / 255 − mean) / std} per channel.
             *
             * @param mean the per-channel means (R, G, B)
             * @param std the per-channel standard deviations (R, G, B)
             * @return this builder
             */
            public Builder normalization(float[] mean, float[] std) {
                this.mean = doubles(mean);
                this.std = doubles(std);
                return this;
            }

            /**
             * Builds the options.
             *
             * @return the options
             * @throws IllegalArgumentException as {@link Options#Options} does
             */
            public Options build() {
                return new Options(inputSize, classNames, mean, std);
            }

            private static List<Double> doubles(float[] values) {
                List<Double> list = new ArrayList<>();
                for (float v : values) {
                    // The decimal the float was written as (0.406f, not 0.40599998831748962).
                    list.add(Double.parseDouble(Float.toString(v)));
                }
                return list;
            }
        }
    }

    /**
     * The ONNX model of a network's deploy graph.
     *
     * @param model a model made by {@link ModelDirectory} or {@link DeployGraph}, in either form; a
     *     trained model is exported to its deploy form first (and left unchanged)
     * @param options the input size and metadata
     * @return the ONNX model
     * @throws IllegalArgumentException if the class names do not match the class count, or a block
     *     of the network cannot be exported (the message names it)
     * @throws IllegalStateException if a mixed block averages its paths (a supernet teacher)
     */
    public static ModelProto toModel(Model model, Options options) {
        if (!DeployGraph.isDeploy(model)) {
            try (Model deploy = DeployGraph.export(model, Device.cpu())) {
                return toModel(deploy, options);
            }
        }
        Supernet net = ModelDirectory.network(model);
        int classes = net.config().numClasses();
        if (!options.classNames().isEmpty() && options.classNames().size() != classes) {
            throw new IllegalArgumentException(options.classNames().size() + " class names for a network of " + classes
                    + " classes; give one name per class");
        }
        OnnxGraph graph = new OnnxGraph(net.config().name());
        graph.output(net.exportOnnx(graph, INPUT), OUTPUT);
        graph.proto().addInput(value(INPUT, options.inputSize(), 3))
                .addOutput(value(OUTPUT, options.inputSize(), classes));
        ModelProto.Builder proto = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("rtseg")
                .setDocString("rtseg deploy graph of " + net.config().name() + ": normalised RGB image in, per-class logits out")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxGraph.OPSET))
                .setGraph(graph.proto());
        metadata(net, options).forEach((k, v) -> proto.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return proto.build();
    }

    /**
     * Writes the ONNX model of a network's deploy graph, whole or not at all.
     *
     * @param model the model, in either form (see {@link #toModel})
     * @param options the input size and metadata
     * @param file the {@code .onnx} file to write
     * @throws IOException if the file cannot be written; it is then left as it was
     * @throws IllegalArgumentException as {@link #toModel} does
     */
    public static void write(Model model, Options options, Path file) throws IOException {
        ModelProto proto = toModel(model, options);
        AtomicFiles.write(file, proto::writeTo);
    }

    /** A float32 graph input or output: fixed N×C×H×W, or symbolic batch, height and width. */
    private static ValueInfoProto value(String name, Shape size, long channels) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        String[] symbols = {"batch", null, "height", "width"};
        for (int axis = 0; axis < 4; axis++) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (axis == 1) {
                dim.setDimValue(channels);
            } else if (size == null) {
                dim.setDimParam(symbols[axis]);
            } else {
                dim.setDimValue(size.get(axis));
            }
            shape.addDim(dim);
        }
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }

    private static Map<String, String> metadata(Supernet net, Options options) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(CONFIG_KEY, net.config().toJson());
        try {
            if (!options.classNames().isEmpty()) {
                props.put(CLASSES_KEY, JSON.writeValueAsString(options.classNames()));
            }
            if (!options.mean().isEmpty()) {
                props.put(MEAN_KEY, JSON.writeValueAsString(options.mean()));
                props.put(STD_KEY, JSON.writeValueAsString(options.std()));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("lists of strings and numbers always serialise", e);
        }
        return props;
    }
}
