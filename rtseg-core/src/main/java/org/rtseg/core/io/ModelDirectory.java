package org.rtseg.core.io;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.rtseg.core.Engines;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.supernet.Supernet;

/**
 * A model on disk: {@code config.json} (the {@link SupernetConfig}) beside DJL's {@code
 * rtseg-0000.params}. The folder is written whole or not at all.
 */
public final class ModelDirectory {

    /** The DJL model name, hence the params file prefix. */
    public static final String MODEL_NAME = "rtseg";

    /** The config file inside a model directory. */
    public static final String CONFIG = "config.json";

    private ModelDirectory() {}

    /**
     * A new DJL model holding a freshly initialised network, its weights drawn from the engine's
     * generators as they stand (for weights that will be overwritten, e.g. by loading; see {@link
     * #create(SupernetConfig, Device, long)} for a reproducible start).
     *
     * @param config the network's config
     * @param device where the model lives
     * @return a new PyTorch-engine model whose block is the {@link Supernet}; the caller closes it
     */
    public static Model create(SupernetConfig config, Device device) {
        return create(config, device, () -> {});
    }

    /**
     * A new DJL model holding a network initialised from {@code seed}: the same config and seed give
     * the same weights, whatever the engine's generators did before.
     *
     * @param config the network's config
     * @param device where the model lives
     * @param seed the seed of the initial weights, e.g. the training recipe's
     * @return a new PyTorch-engine model whose block is the {@link Supernet}; the caller closes it
     */
    public static Model create(SupernetConfig config, Device device, long seed) {
        // The weights' own stream of the seed, so that it is not the one a training step seeded by
        // (seed, step) draws its dropout from.
        return create(config, device, () -> Engines.seed(new SplittableRandom(seed).nextLong()));
    }

    private static Model create(SupernetConfig config, Device device, Runnable beforeInitialisation) {
        Engines.pytorch();
        Model model = Model.newInstance(MODEL_NAME, device, Engines.PYTORCH);
        Supernet net = Supernet.of(config);
        model.setBlock(net);
        beforeInitialisation.run();
        net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, Supernet.STRIDE, Supernet.STRIDE));
        return model;
    }

    /**
     * The network of a model made by this class.
     *
     * @param model a model from {@link #create}, {@link #load} or a deploy export
     * @return the model's block, as a {@link Supernet}
     * @throws ClassCastException if the model's block is not a {@link Supernet}
     */
    public static Supernet network(Model model) {
        return (Supernet) model.getBlock();
    }

    /**
     * Saves config and parameters into {@code dir}, replacing what was there only once complete.
     *
     * @param model a model whose block is a {@link Supernet}
     * @param dir the model directory; its parent is created if missing
     * @throws IOException if writing or moving the files fails
     */
    public static void save(Model model, Path dir) throws IOException {
        Path target = dir.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".");
        try {
            network(model).config().save(tmp.resolve(CONFIG));
            model.save(tmp, MODEL_NAME);
            if (Files.exists(target)) {
                Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old.");
                Files.move(target, old.resolve("m"), StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            deleteTree(tmp);
        }
    }

    /**
     * Loads a model directory onto a device.
     *
     * <p>Trainable parameters require gradients again ({@link #trainable}).
     *
     * @param dir the model directory
     * @param device where the model lives
     * @return the loaded model; the caller closes it
     * @throws IOException if there is no config, or the parameters cannot be read or do not match it
     */
    public static Model load(Path dir, Device device) throws IOException {
        Path config = dir.resolve(CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new NoSuchFileException(config.toString(), null,
                    "not a model directory (no " + CONFIG + "); make one with 'rtseg import-pytorch' or a trainer");
        }
        Model model = create(SupernetConfig.load(config), device);
        try {
            model.load(dir, MODEL_NAME);
        } catch (MalformedModelException | IllegalArgumentException e) {
            model.close();
            throw new IOException(dir + ": parameters do not match " + CONFIG + " (" + e.getMessage()
                    + "); a deploy model from 'rtseg export' loads with DeployGraph.loadForInference", e);
        } catch (IOException e) {
            model.close();
            throw new IOException(dir + ": cannot read the parameters " + MODEL_NAME + "-0000.params: " + e.getMessage(), e);
        }
        trainable(model.getBlock());
        return model;
    }

    /**
     * Marks the arrays of trainable parameters as requiring gradients again: DJL's parameter loading
     * replaces the arrays without that flag, and a loaded model is often trained further.
     *
     * @param block the block whose parameters (all of them, recursively) are marked
     */
    public static void trainable(ai.djl.nn.Block block) {
        for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                p.getValue().getArray().setRequiresGradient(true);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
