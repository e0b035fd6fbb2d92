package org.rtseg.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.rtseg.core.io.ModelDirectory;

/** libtorch comes from the Maven artifacts: the engine loads with downloads forbidden; threads and seeds. */
class EnginesTest {

    @Test
    void pytorchLoadsOffline() throws IOException {
        assertEquals("true", System.getProperty("ai.djl.offline"), "the build runs tests with ai.djl.offline=true");
        for (String override : new String[] {"PYTORCH_VERSION", "PYTORCH_FLAVOR", "PYTORCH_LIBRARY_PATH"}) {
            assertNull(System.getenv(override), override + " would redirect DJL to a download");
        }
        Engine engine = Engines.pytorch();
        assertEquals("PyTorch", engine.getEngineName());
        assertTrue(engine.getVersion().startsWith("2.7.1"), "libtorch " + engine.getVersion());
        assertEquals("PyTorch", Engine.getDefaultEngineName());
        Path cache = Path.of(System.getProperty("ENGINE_CACHE_DIR"), "pytorch");
        try (Stream<Path> dirs = Files.list(cache)) {
            assertTrue(dirs.anyMatch(d -> d.getFileName().toString().matches("2\\.7\\.1-.*cpu-linux-x86_64")
                            && Files.exists(d.resolve("libtorch_cpu.so")) && Files.exists(d.resolve("0.36.0-libdjl_torch.so"))),
                    "libtorch and the JNI library were extracted from the Maven jars into " + cache);
        }
    }

    /** Once loaded, the engine keeps its thread count: asking for it again is fine, another count is refused with the fix. */
    @Test
    void threadsAreFixedOnceTheEngineHasLoaded() {
        int inForce = Engines.threads();
        assertEquals(Integer.getInteger(Engines.THREADS_PROPERTY), inForce, "the build runs tests at -D" + Engines.THREADS_PROPERTY);
        Engines.setThreads(inForce);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Engines.setThreads(inForce + 1));
        assertTrue(e.getMessage().contains("already runs with " + inForce) && e.getMessage().contains("before anything uses the engine")
                && e.getMessage().contains("-D" + Engines.THREADS_PROPERTY + "=" + (inForce + 1)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Engines.setThreads(0));
    }

    /** In a fresh JVM, a count set before the engine loads is the one libtorch runs with. */
    @Test
    void threadsSetBeforeTheEngineLoadsAreInForce() throws Exception {
        int wanted = Integer.getInteger(Engines.THREADS_PROPERTY) + 2;
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
        for (String property : new String[] {"ai.djl.offline", "ENGINE_CACHE_DIR"}) {
            command.add("-D" + property + "=" + System.getProperty(property));
        }
        command.addAll(List.of(ThreadsProbe.class.getName(), Integer.toString(wanted)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(2, TimeUnit.MINUTES), output);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("threads " + wanted), output);
    }

    /** Prints the thread count in force after {@link Engines#setThreads} with the count in {@code args[0]}. */
    static final class ThreadsProbe {
        public static void main(String[] args) {
            Engines.setThreads(Integer.parseInt(args[0]));
            System.out.println("threads " + Engines.threads());
        }
    }

    /** A seed gives the same initial weights whatever was drawn before; another seed gives others. */
    @Test
    void aSeedGivesTheSameInitialWeights() {
        float[] first = initialWeights(3);
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            m.randomNormal(new ai.djl.ndarray.types.Shape(1000)); // moves the engine's generator on
        }
        assertArrayEquals(first, initialWeights(3));
        assertFalse(java.util.Arrays.equals(first, initialWeights(4)), "another seed, other weights");
    }

    private static float[] initialWeights(long seed) {
        try (Model model = ModelDirectory.create(TinyConfigs.tinySupernet(4), Device.cpu(), seed)) {
            List<Float> all = new ArrayList<>();
            model.getBlock().getParameters().forEach(p -> {
                for (float v : p.getValue().getArray().toFloatArray()) {
                    all.add(v);
                }
            });
            float[] values = new float[all.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = all.get(i);
            }
            return values;
        }
    }
}
