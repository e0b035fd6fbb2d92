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

    /** The PyTorch engine, loaded on first use. */
    public static Engine pytorch() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        return Engine.getEngine(PYTORCH);
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
