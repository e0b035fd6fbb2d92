package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's block type, compiled into a jar outside the CLI's classpath, works from a command through --plugins. */
class PluginsTest {

    /** A block type the test JVM has never seen: its class exists only inside the jar written below. */
    private static final String SOURCE = """
            package com.example.plugin;

            import ai.djl.ndarray.NDList;
            import ai.djl.ndarray.types.Shape;
            import ai.djl.training.ParameterStore;
            import ai.djl.util.PairList;
            import java.util.Map;
            import org.rtseg.core.blocks.BlockArgs;
            import org.rtseg.core.blocks.BlockType;
            import org.rtseg.core.complexity.Tally;
            import org.rtseg.core.nn.ConvBnAct;
            import org.rtseg.core.nn.RtsegBlock;

            public final class PointwiseType implements BlockType {
                static final class Pointwise extends RtsegBlock {
                    private final ConvBnAct conv;

                    Pointwise(BlockArgs args) {
                        conv = child("pw", ConvBnAct.builder(args.inChannels(), args.outChannels()).kernel(1).build(), args.inChannels());
                    }

                    @Override
                    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
                        return new NDList(apply(conv, ps, in.singletonOrThrow(), training));
                    }

                    @Override
                    public Shape count(Shape input, Tally tally) {
                        return conv.count(input, tally);
                    }
                }

                @Override
                public String name() {
                    return "plugin-pointwise";
                }

                @Override
                public Map<String, Double> defaults() {
                    return Map.of();
                }

                @Override
                public void validate(BlockArgs args) {
                    if (!args.preservesShape()) {
                        throw new IllegalArgumentException("plugin-pointwise keeps the shape");
                    }
                }

                @Override
                public RtsegBlock build(BlockArgs args) {
                    return new Pointwise(args);
                }
            }
            """;

    private static final String CONFIG = """
            {"name": "with-plugin", "numClasses": 3,
             "detail": {"stages": [[8], [8], [16]]},
             "segment": {"stemChannels": 8, "stages": [
               {"channels": 8, "downsample": {"type": "lir", "params": {"expansion": 2}},
                "blocks": [{"candidates": [{"type": "plugin-pointwise"}]}]},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
               {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []}]},
             "head": {"channels": 16, "dropout": 0.0},
             "aux": {"enabled": false, "channels": 8, "dropout": 0.0}}
            """;

    @Test
    void aBlockTypeFromAPluginJarBuildsByName(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("with-plugin.json"), CONFIG);
        CoreCommandsTest.Run without = CoreCommandsTest.run("complexity", "--config", config.toString(), "--size", "64x64");
        assertEquals(1, without.code(), "the type is unknown before its plugin is loaded: " + without.out());
        assertTrue(without.err().contains("unknown block type 'plugin-pointwise'"), without.err());

        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        jar(compile(dir.resolve("classes")), plugins.resolve("pointwise.jar"));
        CoreCommandsTest.Run with = CoreCommandsTest.run("--plugins", plugins.toString(), "complexity", "--config", config.toString(),
                "--size", "64x64", "--depth", "4");
        assertEquals(0, with.code(), with.err());
        // 8→8 1×1 convolution (64 weights) and its BatchNorm (16): the plugin's own block, built by name.
        assertTrue(with.out().matches("(?s).*segment\\.stage1\\.mixed0\\.plugin-pointwise\\s+80\\s+64\\s.*"), with.out());
    }

    @Test
    void aFolderWithoutPluginsIsRefusedWithTheFix(@TempDir Path dir) {
        CoreCommandsTest.Run r = CoreCommandsTest.run("--plugins", dir.toString(), "complexity", "--preset", "tiny");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--plugins " + dir + ": no .jar files there; put your plugin jars in it"), r.err());
    }

    private static Path compile(Path classes) throws IOException {
        Path src = classes.getParent().resolve("src/com/example/plugin/PointwiseType.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, SOURCE);
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int code = javac.run(null, null, null, "-d", classes.toString(), "-cp", System.getProperty("java.class.path"), src.toString());
        assertEquals(0, code, "the plugin compiles against the library");
        Path services = classes.resolve("META-INF/services/org.rtseg.core.blocks.BlockType");
        Files.createDirectories(services.getParent());
        Files.writeString(services, "com.example.plugin.PointwiseType\n");
        return classes;
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
    }
}
