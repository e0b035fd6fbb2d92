package org.rtseg.search;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.core.io.ModelDirectory;

/**
 * A searched state on disk: the supernet's {@code config.json}, and {@code search.params} with its
 * weights, channel-mask weights and path logits, so that a search can be extracted later.
 */
public final class SearchState {

    /** The parameter file of the search space. */
    public static final String PARAMS = "search.params";

    private SearchState() {}

    /**
     * Writes the state into {@code dir}.
     *
     * @param space the search space, with its supernet
     * @param dir the folder to write {@code search.params} and {@code config.json} into, created if missing
     * @throws IOException when a file cannot be written
     */
    public static void save(SearchSpace space, Path dir) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(PARAMS), out -> space.saveParameters(new DataOutputStream(out)));
        space.supernet().config().save(dir.resolve(ModelDirectory.CONFIG));
    }

    /**
     * Loads a state: a model holding the search space (its block) on a device.
     *
     * @param dir a directory written by {@link #save}
     * @param device the device the model's arrays go to
     * @param seed the Gumbel seed (irrelevant for extraction)
     * @return a new model whose block is the {@link SearchSpace}, with the saved parameters
     * @throws IOException when {@code search.params} is missing ({@link NoSuchFileException}), the config
     *     cannot be read, or the parameters do not fit the config
     */
    public static Model load(Path dir, Device device, long seed) throws IOException {
        if (!Files.isRegularFile(dir.resolve(PARAMS))) {
            throw new NoSuchFileException(dir.resolve(PARAMS).toString(), null,
                    "not a search state; run 'rtseg search' with this --work directory first");
        }
        Model model = ModelDirectory.create(SupernetConfig.load(dir.resolve(ModelDirectory.CONFIG)), device);
        SearchSpace space = new SearchSpace(ModelDirectory.network(model), seed);
        space.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(2, 3, 64, 64));
        try (InputStream in = Files.newInputStream(dir.resolve(PARAMS))) {
            space.loadParameters(model.getNDManager(), new DataInputStream(new BufferedInputStream(in)));
        } catch (MalformedModelException e) {
            model.close();
            throw new IOException(dir.resolve(PARAMS) + " does not fit " + dir.resolve(ModelDirectory.CONFIG) + ": " + e.getMessage(), e);
        }
        model.setBlock(space);
        return model;
    }
}
