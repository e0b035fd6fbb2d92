package org.rtseg.core;

import ai.djl.Device;
import ai.djl.engine.Engine;

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
 */
public final class Engines {

    /** DJL's name of the PyTorch engine. */
    public static final String PYTORCH = "PyTorch";

    private Engines() {}

    /** Whether the kernels of this JVM's engine were checked ({@link KernelCheck}), or are being checked. */
    private static boolean checked;

    /**
     * The PyTorch engine, loaded on first use. The first call checks that its convolutions compute
     * correctly on this CPU ({@link KernelCheck}).
     *
     * @throws KernelCheck.WrongKernelsException when they do not, with the environment setting that fixes it
     */
    public static Engine pytorch() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        Engine engine = Engine.getEngine(PYTORCH);
        checkOnce(engine);
        return engine;
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

    /** The device to run on: the first GPU when DJL sees one, else the CPU. */
    public static Device defaultDevice() {
        return pytorch().defaultDevice();
    }

    /**
     * Parses a device name as DJL writes it ({@code cpu}, {@code gpu}, {@code gpu(1)}), or {@code
     * auto} for {@link #defaultDevice()}.
     */
    public static Device device(String name) {
        return "auto".equals(name) ? defaultDevice() : Device.fromName(name, pytorch());
    }
}
