package org.rtseg.core;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the C heap that libtorch's CPU tensors come from treats freed memory: glibc's malloc set to
 * keep it for the next tensor rather than return it to the kernel.
 *
 * <p>Why: with glibc's defaults, a block of 32 MB or more (at 512×1024, every 64-channel map at
 * 1/2 resolution) is a fresh {@code mmap} on each allocation and an {@code munmap} when freed, and
 * smaller blocks in a thread's arena are handed back once the arena's top is free. Each forward
 * pass then page-faults its feature maps in anew: BiSeNetV2's eval forward at 512×1024 took about
 * 140 000 minor faults per pass, and 575–600 ms at 2 threads on the development CPU. With the
 * settings below it takes about 1 000 faults and 360–370 ms (docs/deploy.md, "Memory"). PyTorch's
 * own guide recommends replacing the allocator for CPU work; these are the glibc settings that do
 * it inside the process, so the same setting holds wherever rtseg runs: training, evaluation,
 * benchmarks, and latency collection, whose labels must be measured the way networks deploy.
 *
 * <p>The settings ({@code mallopt(3)}): no {@code mmap} for large blocks ({@code M_MMAP_MAX} 0;
 * glibc caps the threshold at 32 MB, so this is the only way to keep such blocks in the heap),
 * no trimming ({@code M_TRIM_THRESHOLD} −1), and heaps grown 1 GB of address space at a time
 * ({@code M_TOP_PAD}), which also keeps a thread arena's emptied heaps from being unmapped. The cost
 * is that the process keeps its peak heap until it exits. Blocks above 64 MB still come from {@code
 * mmap} in threads other than the process's first, which glibc allows no other way.
 *
 * <p>{@link #apply()} is called by {@link Engines#pytorch()} before the engine loads. Start the JVM
 * with {@code -D}{@value #PROPERTY}{@code =system} to keep glibc's defaults. Elsewhere than
 * Linux with glibc, nothing changes.
 */
public final class TensorMemory {

    /** The system property that, set to {@code system}, keeps the C library's own settings. */
    public static final String PROPERTY = "rtseg.malloc";

    private static final Logger LOG = LoggerFactory.getLogger(TensorMemory.class);

    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_MAX = -4;
    private static final int TOP_PAD_BYTES = 1 << 30;

    private static Boolean applied;

    private TensorMemory() {}

    /** glibc's {@code mallopt}. */
    interface C extends Library {
        int mallopt(int param, int value);
    }

    /**
     * Sets glibc's malloc to keep freed memory for reuse, once per JVM.
     *
     * @return whether the settings are in force: false off Linux, without glibc, or when {@value
     *     #PROPERTY} is {@code system}
     */
    public static synchronized boolean apply() {
        if (applied == null) {
            applied = wanted(System.getProperty(PROPERTY, "reuse")) && Platform.isLinux() && setGlibc();
        }
        return applied;
    }

    /**
     * Whether {@link #apply()} has set the allocator in this JVM.
     *
     * @return true once the settings are in force
     */
    public static synchronized boolean applied() {
        return Boolean.TRUE.equals(applied);
    }

    /** Whether a value of {@value #PROPERTY} asks for the reuse settings; anything but its two values is an error. */
    static boolean wanted(String setting) {
        if (!setting.equals("reuse") && !setting.equals("system")) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + setting + ": expected reuse (the default) or system");
        }
        return setting.equals("reuse");
    }

    private static boolean setGlibc() {
        boolean ok;
        try {
            C c = Native.load("c", C.class);
            // mallopt returns 1 on success, 0 on an unknown or invalid setting.
            ok = c.mallopt(M_MMAP_MAX, 0) == 1 & c.mallopt(M_TRIM_THRESHOLD, -1) == 1 & c.mallopt(M_TOP_PAD, TOP_PAD_BYTES) == 1;
        } catch (UnsatisfiedLinkError e) {
            LOG.debug("no mallopt in this C library, allocator left as it is: {}", e.getMessage());
            return false;
        }
        if (!ok) {
            LOG.warn("glibc refused a malloc setting; tensor memory may be returned to the kernel and faulted in again");
        }
        return ok;
    }
}
