package org.rtseg.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** libtorch comes from the Maven artifacts: the engine loads with downloads forbidden. */
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
}
