package org.rtseg.core;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;

/**
 * The deep-learning engine rtseg runs on: DJL's PyTorch engine with libtorch from the {@code
 * pytorch-native-cpu} jar on the classpath, so nothing is downloaded at run time.
 *
 * <p>What makes it work offline: the three artifacts {@code pytorch-engine}, {@code pytorch-jni}
 * ({@code 2.7.1-0.36.0}) and {@code pytorch-native-cpu} ({@code 2.7.1}, classifier {@code
 * linux-x86_64}) on the classpath; none of the overrides {@code PYTORCH_VERSION}, {@code
 * PYTORCH_FLAVOR} or {@code PYTORCH_LIBRARY_PATH} set (each sends DJL to a download or another
 * library); and {@code ai.djl.offline=true}, which turns any attempted download into an error
 * instead of a network call. libtorch is then extracted once from the jar into {@code
 * ENGINE_CACHE_DIR} (default {@code ~/.djl.ai/pytorch}).
 *
 * <p><b>Threads.</b> libtorch fixes its intra-op thread count when the engine loads, which is the
 * first time anything uses it ({@link #pytorch()}, {@code ModelDirectory}, DJL's {@code
 * Model.newInstance}). Call {@link #setThreads(int)} before that, e.g. first thing in {@code
 * main}, or start the JVM with {@code -Dai.djl.pytorch.num_threads=N}, which is what it sets.
 * libtorch's OpenMP threads spin-wait: on cores shared with other busy processes, use one thread
 * per free core (on 2 shared cores, 2 threads ran ~60× slower than 1 in our runs).
 *
 * <p><b>Seeds.</b> {@link #seed(long)} seeds the engine's generators, which DJL's initialisers,
 * dropout and random arrays draw from. rtseg's own randomness is seeded where it is used: a
 * network's initial weights by {@code ModelDirectory.create(config, device, seed)}, and every
 * training step — data order, augmentation, path sampling, Gumbel noise, dropout — by (seed, step)
 * in {@code SegmentationTrainer}. One seed then gives one run, bit for bit, at a given thread count
 * on a given machine (parallel reductions may sum in another order on another count).
 *
 * <p><b>Memory.</b> The first call of {@link #pytorch()} also sets the C heap to keep freed tensor
 * memory for reuse ({@link TensorMemory}): load the engine through it, or call {@link
 * TensorMemory#apply()} yourself.
 */
public final class Engines {

    /** DJL's name of the PyTorch engine. */
    public static final String PYTORCH = "PyTorch";

    /** The system property DJL reads libtorch's intra-op thread count from when the engine loads. */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    /** The system property DJL reads libtorch's inter-op thread count from when the engine loads. */
    public static final String INTEROP_THREADS_PROPERTY = "ai.djl.pytorch.num_interop_threads";

    private Engines() {}

    /** Whether the kernels of this JVM's engine were checked ({@link KernelCheck}), or are being checked. */
    private static boolean checked;

    /** Whether {@link #pytorch()} has loaded the engine. */
    private static boolean loaded;

    /** The count {@link #setThreads} asked for before the engine loaded; 0 when none. */
    private static int requestedThreads;

    /**
     * The PyTorch engine, loaded on first use. The first call checks that its convolutions compute
     * correctly on this CPU ({@link KernelCheck}), and that the thread count {@link #setThreads}
     * asked for is in force.
     *
     * @throws KernelCheck.WrongKernelsException when they do not, with the environment setting that fixes it
     * @throws IllegalStateException when something loaded the engine before {@link #setThreads}
     *     with another thread count
     * @return the PyTorch engine, loaded
     */
    public static Engine pytorch() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        TensorMemory.apply();
        Engine engine = Engine.getEngine(PYTORCH);
        onFirstLoad();
        checkOnce(engine);
        return engine;
    }

    private static synchronized void onFirstLoad() {
        if (!loaded) {
            loaded = true;
            if (requestedThreads > 0) {
                requireThreads(requestedThreads);
            }
        }
    }

    private static synchronized void checkOnce(Engine engine) {
        if (checked) {
            return; // done, or in progress further up this thread's stack (the check itself uses the engine)
        }
        checked = true;
        try {
            KernelCheck.verify(engine);
        } catch (RuntimeException e) {
            checked = false;
            throw e;
        }
    }

    /**
     * Fixes libtorch's intra-op thread count (and one inter-op thread, unless {@value
     * #INTEROP_THREADS_PROPERTY} is set: rtseg runs no inter-op parallel work). libtorch reads it
     * once, when the engine loads, so call this before anything uses the engine; afterwards it only
     * accepts the count already in force.
     *
     * @param threads the count, at least 1
     * @throws IllegalArgumentException when {@code threads} is below 1
     * @throws IllegalStateException when the engine already runs with another count
     */
    public static synchronized void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        if (loaded) {
            requireThreads(threads);
            return;
        }
        System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
        if (System.getProperty(INTEROP_THREADS_PROPERTY) == null) {
            System.setProperty(INTEROP_THREADS_PROPERTY, "1");
        }
        requestedThreads = threads;
    }

    /**
     * The intra-op thread count libtorch runs with (loads the engine, which fixes it).
     *
     * @return the count in force
     */
    public static int threads() {
        pytorch();
        return JniUtils.getNumThreads();
    }

    private static void requireThreads(int wanted) {
        int inForce = JniUtils.getNumThreads();
        if (inForce != wanted) {
            throw new IllegalStateException(String.format(Locale.ROOT, "libtorch already runs with %d intra-op threads, not %d: "
                    + "the count is fixed when the engine loads. Call Engines.setThreads(%d) before anything uses the engine "
                    + "(Engines.pytorch(), ModelDirectory, Model.newInstance), or start the JVM with -D%s=%d",
                    inForce, wanted, wanted, THREADS_PROPERTY, wanted));
        }
    }

    /**
     * Seeds the engine's random generators: libtorch's, which weight initialisers, dropout and
     * random arrays draw from, and DJL's own. The generators are shared by the whole JVM: draws on
     * other threads in between change what follows.
     *
     * @param seed any value; libtorch takes 32 bits of it
     */
    public static void seed(long seed) {
        pytorch().setRandomSeed(Long.hashCode(seed));
    }

    /**
     * The device to run on: the first GPU when DJL sees one, else the CPU.
     *
     * @return the device
     */
    public static Device defaultDevice() {
        return pytorch().defaultDevice();
    }

    /**
     * Parses a device name as DJL writes it ({@code cpu}, {@code gpu}, {@code gpu(1)}), or {@code
     * auto} for {@link #defaultDevice()}.
     *
     * @param name the device's name
     * @return the device
     * @throws IllegalArgumentException when DJL knows no such device
     */
    public static Device device(String name) {
        return "auto".equals(name) ? defaultDevice() : Device.fromName(name, pytorch());
    }
}
