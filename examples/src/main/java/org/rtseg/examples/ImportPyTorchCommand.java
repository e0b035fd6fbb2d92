package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rtseg.core.Engines;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.io.Npy;
import org.rtseg.core.io.PyTorchImporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rtseg import-pytorch}: a PyTorch BiSeNetV2 state_dict (npz) into a model directory. */
@Command(name = "import-pytorch", mixinStandardHelpOptions = true,
        description = {"Imports a PyTorch BiSeNetV2 state_dict saved as npz (CoinCheung/BiSeNet names) into a model directory.",
            "In Python: numpy.savez('weights.npz', **{k: v.cpu().numpy() for k, v in model.state_dict().items()})"})
final class ImportPyTorchCommand implements Callable<Integer> {

    @Mixin NetworkOptions network;

    @Option(names = "--weights", required = true, description = "the npz state_dict")
    Path weights;

    @Option(names = "--out", required = true, description = "the model directory to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        Engines.pytorch();
        SupernetConfig config = network.config().withNumClasses(classesOf(weights));
        try (Model model = ModelDirectory.create(config, Device.cpu())) {
            int copied = PyTorchImporter.load(ModelDirectory.network(model), weights);
            ModelDirectory.save(model, out);
            System.out.printf("imported %d tensors (%d classes) from %s into %s%n", copied, config.numClasses(), weights, out);
        }
        return 0;
    }

    /** The class count of the state_dict, read from the main classifier's bias. */
    private static int classesOf(Path weights) throws java.io.IOException {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            for (NDArray t : Npy.read(m, weights)) {
                if ("head.conv_out.1.bias".equals(t.getName())) {
                    return Math.toIntExact(t.getShape().get(0));
                }
            }
        }
        throw new java.io.IOException(weights + ": no head.conv_out.1.bias; is it a BiSeNetV2 state_dict of CoinCheung/BiSeNet?");
    }
}
