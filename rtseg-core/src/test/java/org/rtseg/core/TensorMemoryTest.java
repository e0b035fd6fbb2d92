package org.rtseg.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Loading the engine sets the C heap to keep freed tensor memory, so a tensor's pages are not faulted in anew each time. */
class TensorMemoryTest {

    private static final Path STAT = Path.of("/proc/self/stat");

    /** 48 MB: above glibc's 32 MB mmap threshold, whose blocks glibc's defaults map and unmap on every use. */
    private static final Shape LARGE = new Shape(12_000_000);

    private static final int WARM_PASSES = 8;

    private static final int PASSES = 4;

    /**
     * Three 48 MB maps per pass, each computed from the one before, which is then freed (a layer's
     * pattern): with glibc's defaults every map is faulted in anew, about 35 000 faults a pass.
     */
    @Test
    void freedLargeMapsAreReusedRatherThanFaultedInAnew() throws IOException {
        assumeTrue(Files.isReadable(STAT), "minor page faults are read from /proc/self/stat (Linux)");
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            assertTrue(TensorMemory.applied(), "Engines.pytorch() applies the settings on Linux with glibc");
            for (int i = 0; i < WARM_PASSES; i++) {
                pass(m);
            }
            long before = minorFaults();
            for (int i = 0; i < PASSES; i++) {
                pass(m);
            }
            long faults = minorFaults() - before;
            long pagesPerMap = LARGE.size() * Float.BYTES / 4096;
            assertTrue(faults < 2 * pagesPerMap * PASSES,
                    faults + " page faults in " + PASSES + " passes of three 48 MB maps (" + pagesPerMap + " pages each)");
        }
    }

    @Test
    void thePropertyTakesReuseOrSystem() {
        assertTrue(TensorMemory.wanted("reuse"));
        assertFalse(TensorMemory.wanted("system"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorMemory.wanted("jemalloc"));
        assertTrue(e.getMessage().contains("-Drtseg.malloc=jemalloc") && e.getMessage().contains("reuse"), e.getMessage());
    }

    /** Computes three maps in turn, freeing each input as its output exists. */
    private static void pass(NDManager m) {
        NDArray x = m.ones(LARGE);
        NDArray y = x.add(1);
        x.close();
        NDArray z = y.add(1);
        y.close();
        try (NDArray sum = z.sum()) {
            sum.getFloat();
        }
        z.close();
    }

    private static long minorFaults() throws IOException {
        String stat = Files.readString(STAT);
        // Fields after the parenthesised command name; minflt is the 10th field of the line.
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
    }
}
