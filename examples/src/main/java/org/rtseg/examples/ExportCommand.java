package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rtseg.core.Engines;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.onnx.OnnxExport;
import org.rtseg.core.onnx.OnnxGraph;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.augment.Normalization;
import org.rtseg.inference.OnnxRuntimeModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rtseg export}: a model directory into its deploy form (chosen paths only, BatchNorm folded into
 * the convolutions, no dropout, no aux heads), as a deploy model directory or, with {@code --format
 * onnx}, as an ONNX model — checked against the eval graph before anything is written.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Exports a trained model to a standalone deploy model: the chosen path of each mixed block only, BatchNorm folded"
                + " into the preceding convolutions, no dropout, no aux heads. Loads with the library and through the DJL translator.",
            "--format onnx writes that graph as an ONNX model (opset " + OnnxGraph.OPSET + ") for ONNX Runtime, TensorRT, OpenVINO or"
                + " ONNX Runtime Mobile, with the class names and the input normalisation in its metadata.",
            "The exported logits are checked against the eval graph's on a random image before anything is written"
                + " (the ONNX model in ONNX Runtime)."})
final class ExportCommand implements Callable<Integer> {

    /** The largest accepted difference between exported and eval logits. */
    static final double TOLERANCE = 1e-4;

    /** What {@code --format} writes. */
    enum Format {
        /** a deploy model directory (DJL) */
        deploy,
        /** an ONNX model file */
        onnx
    }

    @Option(names = "--model", required = true, description = "the model directory (for --format onnx a deploy model directory too)")
    Path modelDir;

    @Option(names = "--out", required = true, description = "the deploy model directory, or the .onnx file, to write")
    Path out;

    @Option(names = "--format", defaultValue = "deploy", description = "deploy or onnx (default ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--input-size", converter = InputSize.Converter.class,
            description = "onnx: fix the input to 1x3xHxW (default: symbolic batch, height and width; any size runs)")
    InputSize inputSize;

    @Option(names = "--dataset", description = "onnx: the dataset whose class names go into the metadata (default: the official"
            + " dataset of the model's class count, else the synthetic scenes'), as rtseg infer")
    String dataset;

    @Option(names = "--root", description = "onnx: the dataset root, for a dataset that describes its classes in its files")
    Path root;

    @Option(names = "--check-size", defaultValue = "128x256", converter = InputSize.Converter.class,
            description = "size of the random image the export is checked on (default ${DEFAULT-VALUE}; onnx with --input-size: that size)")
    InputSize checkSize;

    @Override
    public Integer call() throws Exception {
        Engines.pytorch();
        if (format == Format.onnx) {
            return exportOnnx();
        }
        if (DeployGraph.isDeploy(modelDir)) {
            throw new IOException(modelDir + ": already a deploy model; export the trained model directory instead");
        }
        try (Model trained = ModelDirectory.load(modelDir, Device.cpu());
                Model deploy = DeployGraph.export(trained, Device.cpu())) {
            double[] check = compare(trained, deploy, checkSize.batch(1));
            double diff = check[0];
            if (!(diff <= TOLERANCE)) {
                throw new IllegalStateException(modelDir + ": deploy logits differ from the eval graph's by " + diff + " > " + TOLERANCE
                        + " (logits up to " + check[1] + "); nothing written (check the BatchNorm statistics for NaN or tiny variances)");
            }
            ModelDirectory.save(deploy, out);
            Shape size = new Shape(1, 3, 512, 1024);
            Complexity.Report before = Complexity.of(ModelDirectory.network(trained), size, Complexity.Options.EVAL);
            Complexity.Report after = Complexity.of(ModelDirectory.network(deploy), size, Complexity.Options.EVAL);
            System.out.printf(Locale.ROOT, "exported %s to %s (%s): %,d → %,d parameters, %.3f GMACs at 512x1024%n", modelDir, out,
                    ModelDirectory.network(deploy).config().name(), before.params(), after.params(), after.macs() / 1e9);
            System.out.printf(Locale.ROOT, "deploy vs eval logits on a random 1x3x%s image: max |Δ| = %.2e (≤ %.0e)%n",
                    checkSize, diff, TOLERANCE);
        }
        return 0;
    }

    /**
     * Writes the ONNX model to a temporary file beside {@code --out}, runs it in ONNX Runtime against the
     * eval graph, and only then moves it into place.
     */
    private int exportOnnx() throws IOException {
        if (Files.isDirectory(out)) {
            throw new IOException(out + ": a folder; --format onnx writes one file, e.g. --out model.onnx");
        }
        try (Model model = DeployGraph.loadForInference(modelDir, Device.cpu())) {
            Supernet net = ModelDirectory.network(model);
            LabelFormat labels = InferCommand.format(dataset, root, net.config().numClasses());
            OnnxExport.Options.Builder options = OnnxExport.Options.builder().classNames(labels.classNames())
                    .normalization(Normalization.IMAGENET.mean(), Normalization.IMAGENET.std());
            InputSize check = checkSize;
            if (inputSize != null) {
                options.fixedInput(1, inputSize.height(), inputSize.width());
                check = inputSize;
            }
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp");
            try {
                OnnxExport.write(model, options.build(), tmp);
                double[] diff = compareOnnx(model, tmp, check.batch(1));
                if (!(diff[0] <= TOLERANCE)) {
                    throw new IllegalStateException(modelDir + ": ONNX Runtime's logits differ from the eval graph's by " + diff[0] + " > "
                            + TOLERANCE + " (logits up to " + diff[1] + "); nothing written");
                }
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                System.out.printf(Locale.ROOT, "exported %s to %s: ONNX opset %d, %s input, %.1f MB, classes of %s%n", modelDir, out,
                        OnnxGraph.OPSET, inputSize == null ? "symbolic Nx3xHxW" : "1x3x" + inputSize, Files.size(out) / 1e6, labels.name());
                System.out.printf(Locale.ROOT, "ONNX Runtime vs eval logits on a random 1x3x%s image: max |Δ| = %.2e (≤ %.0e)%n",
                        check, diff[0], TOLERANCE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return 0;
    }

    /** The largest difference between the two networks' logits on one random image, and the largest |logit|. */
    static double[] compare(Model trained, Model deploy, Shape input) {
        try (NDManager scope = trained.getNDManager().newSubManager()) {
            NDArray x = scope.randomNormal(input);
            NDArray folded = deploy.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false).singletonOrThrow();
            return difference(trained, x, folded);
        }
    }

    /** As {@link #compare}, for the ONNX model in ONNX Runtime. */
    private static double[] compareOnnx(Model model, Path onnx, Shape input) throws IOException {
        try (OnnxRuntimeModel runtime = OnnxRuntimeModel.open(onnx, Engines.threads());
                NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.randomNormal(input);
            return difference(model, x, runtime.predict(x));
        }
    }

    private static double[] difference(Model model, NDArray x, NDArray logits) {
        NDArray eval = model.getBlock().forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow();
        return new double[] {eval.sub(logits).abs().max().getFloat(), eval.abs().max().getFloat()};
    }
}
