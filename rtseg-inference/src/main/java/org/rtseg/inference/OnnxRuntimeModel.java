package org.rtseg.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.rtseg.core.onnx.OnnxExport;

/**
 * An exported rtseg model ({@link OnnxExport}) running in ONNX Runtime on the CPU, to check an export
 * against the network it came from and to time it beside rtseg's own graphs.
 *
 * <p>ONNX Runtime ({@code com.microsoft.onnxruntime:onnxruntime}) is an optional dependency of
 * rtseg-inference: add it to use this class. The session uses ONNX Runtime's full graph
 * optimisation, {@code threads} intra-op threads and one inter-op thread, as rtseg runs libtorch.
 */
public final class OnnxRuntimeModel implements AutoCloseable {

    private final OrtEnvironment environment;
    private final OrtSession session;

    private OnnxRuntimeModel(OrtEnvironment environment, OrtSession session) {
        this.environment = environment;
        this.session = session;
    }

    /**
     * Opens an exported model.
     *
     * @param file the {@code .onnx} file
     * @param threads intra-op threads, positive
     * @return the model; the caller closes it
     * @throws IOException if the file is missing or ONNX Runtime cannot load it (the message names
     *     the file)
     * @throws IllegalArgumentException if {@code threads} is not positive
     */
    public static OnnxRuntimeModel open(Path file, int threads) throws IOException {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, was " + threads);
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no ONNX model there; write one with 'rtseg export --format onnx'");
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return new OnnxRuntimeModel(environment, environment.createSession(file.toString(), options));
        } catch (OrtException e) {
            throw new IOException(file + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        }
    }

    /**
     * The model's metadata, e.g. {@link OnnxExport#CLASSES_KEY}.
     *
     * @return key → value
     * @throws IOException if ONNX Runtime cannot read it
     */
    public Map<String, String> metadata() throws IOException {
        try {
            return session.getMetadata().getCustomMetadata();
        } catch (OrtException e) {
            throw new IOException("cannot read the ONNX model's metadata: " + e.getMessage(), e);
        }
    }

    /**
     * Runs the model.
     *
     * @param image an N×3×H×W float32 batch, normalised as the model was trained
     * @return the N×classes×H×W logits, in {@code image}'s manager
     * @throws IllegalStateException if ONNX Runtime fails (e.g. an input size a fixed-size model does
     *     not take)
     */
    public NDArray predict(NDArray image) {
        long[] shape = image.getShape().getShape();
        try (OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(image.toFloatArray()), shape);
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            OnnxTensor logits = (OnnxTensor) result.get(0);
            FloatBuffer values = logits.getFloatBuffer();
            float[] out = new float[values.remaining()];
            values.get(out);
            NDManager manager = image.getManager();
            return manager.create(out, new Shape(logits.getInfo().getShape()));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a " + image.getShape() + " input: " + e.getMessage(), e);
        }
    }

    /**
     * The ONNX Runtime session, for callers that feed it {@link OnnxTensor}s directly, e.g. to time
     * inference without {@link #predict}'s copies between DJL and ONNX Runtime.
     *
     * @return the session; it closes with this model
     */
    public OrtSession session() {
        return session;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
