package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rtseg.core.Engines;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rtseg export}: a trained model directory into its deploy form (chosen paths only, BatchNorm
 * folded into the convolutions, no dropout, no aux heads), checked against the eval graph before
 * anything is written.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Exports a trained model to a standalone deploy model: the chosen path of each mixed block only, BatchNorm folded"
                + " into the preceding convolutions, no dropout, no aux heads. Loads with the library and through the DJL translator.",
            "The deploy logits are checked against the eval graph's on a random image before the model is written."})
final class ExportCommand implements Callable<Integer> {

    /** The largest accepted difference between deploy and eval logits. */
    static final double TOLERANCE = 1e-4;

    @Option(names = "--model", required = true, description = "the trained model directory")
    Path modelDir;

    @Option(names = "--out", required = true, description = "the deploy model directory to write")
    Path out;

    @Option(names = "--check-size", defaultValue = "128x256", converter = InputSize.Converter.class,
            description = "size of the random image the export is checked on (default ${DEFAULT-VALUE})")
    InputSize checkSize;

    @Override
    public Integer call() throws Exception {
        Engines.pytorch();
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

    /** The largest difference between the two networks' logits on one random image, and the largest |logit|. */
    static double[] compare(Model trained, Model deploy, Shape input) {
        try (NDManager scope = trained.getNDManager().newSubManager()) {
            NDArray x = scope.randomNormal(input);
            NDArray eval = trained.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false).singletonOrThrow();
            NDArray folded = deploy.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false).singletonOrThrow();
            return new double[] {eval.sub(folded).abs().max().getFloat(), eval.abs().max().getFloat()};
        }
    }
}
