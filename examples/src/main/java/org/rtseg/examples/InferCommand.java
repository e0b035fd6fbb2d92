package org.rtseg.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rtseg.core.Engines;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.io.Npy;
import org.rtseg.core.supernet.Supernet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rtseg infer}: eval-mode logits of an NCHW tensor, as .npy in and out. */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = "Runs a model in eval mode on an N×3×H×W float32 .npy tensor (already normalised) and writes the logits as .npy.")
final class InferCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "a model directory (config.json + params)")
    Path modelDir;

    @Option(names = "--input", required = true, description = "input tensor .npy, N×3×H×W float32")
    Path input;

    @Option(names = "--logits", required = true, description = "output .npy for the main logits N×C×H×W")
    Path logits;

    @Option(names = "--aux", description = "also write the aux-head logits beside the main ones (<name>.aux0.npy …)")
    boolean aux;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu, gpu(1) or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() throws Exception {
        try (Model model = ModelDirectory.load(modelDir, Engines.device(device))) {
            Supernet net = ModelDirectory.network(model);
            NDArray x = Npy.readArray(model.getNDManager(), input);
            if (x.getDataType() != DataType.FLOAT32 || x.getShape().dimension() != 4 || x.getShape().get(1) != 3) {
                throw new IOException(input + ": expected a float32 N×3×H×W tensor, got " + x.getDataType() + " " + x.getShape());
            }
            x = x.toDevice(model.getNDManager().getDevice(), false);
            ParameterStore ps = new ParameterStore(model.getNDManager(), false);
            NDList out = net.logits(ps, x, false, aux);
            // Write the aux files first: the main logits appearing means the run completed.
            for (int i = 1; i < out.size(); i++) {
                Npy.write(out.get(i), sibling(logits, ".aux" + (i - 1)));
            }
            Npy.write(out.get(0), logits);
            System.out.printf("wrote %s%s%n", logits, out.size() > 1 ? " and " + (out.size() - 1) + " aux logits" : "");
        }
        return 0;
    }

    private static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        String stem = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return file.resolveSibling(stem + suffix + ".npy");
    }
}
