package org.rtseg.examples;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.data.DatasetTypes;

/**
 * The jars of a plugin folder ({@code rtseg --plugins DIR …}): their block types and dataset types,
 * found by {@link java.util.ServiceLoader}, are registered before the command runs, so a user's
 * types work from every command without rebuilding the CLI.
 */
final class Plugins {

    private Plugins() {}

    /**
     * Loads every {@code .jar} of {@code dir} and registers what it provides.
     *
     * @return the block and dataset types registered
     * @throws IllegalArgumentException saying what is wrong with the folder and how to fix it
     */
    static List<String> load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--plugins " + dir + ": not a folder; give the folder that holds your plugin jars");
        }
        URL[] jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(f -> f.toString().endsWith(".jar")).sorted().map(Plugins::url).toArray(URL[]::new);
        } catch (IOException e) {
            throw new IllegalArgumentException("--plugins " + dir + ": " + e.getMessage(), e);
        }
        if (jars.length == 0) {
            throw new IllegalArgumentException("--plugins " + dir + ": no .jar files there; put your plugin jars in it");
        }
        // Kept open for the life of the JVM: the registered types' classes come from it.
        URLClassLoader loader = new URLClassLoader(jars, Plugins.class.getClassLoader());
        List<String> types = new ArrayList<>(BlockTypes.loadFrom(loader));
        types.addAll(DatasetTypes.loadFrom(loader));
        if (types.isEmpty()) {
            throw new IllegalArgumentException("--plugins " + dir + ": its jars provide no block or dataset type; list your classes in"
                    + " META-INF/services/org.rtseg.core.blocks.BlockType or META-INF/services/org.rtseg.data.DatasetType"
                    + " (docs/extending.md, docs/data.md)");
        }
        return types;
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("--plugins: cannot read " + jar, e);
        }
    }
}
