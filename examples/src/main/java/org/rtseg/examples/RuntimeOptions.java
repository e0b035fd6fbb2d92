package org.rtseg.examples;

import ai.djl.Device;
import java.util.List;
import org.rtseg.core.Engines;
import picocli.CommandLine.Option;

/** Where and on how many threads a command runs (a picocli mixin). */
final class RuntimeOptions {

    @Option(names = "--threads", description = "libtorch intra-op threads (default: all cores; one per free core)")
    Integer threads;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu, gpu(1) or auto (default: ${DEFAULT-VALUE})")
    String device;

    /** Fixes the thread count before the engine loads; returns it. */
    int configureThreads() {
        return Threads.configure(threads);
    }

    /** The device named by {@code --device}. */
    Device device() {
        return Engines.device(device);
    }

    /**
     * The devices training runs on: for {@code auto} every GPU DJL sees (data-parallel; the CPU when
     * there is none), else the one named.
     */
    List<Device> trainingDevices() {
        return "auto".equals(device) ? List.of(Engines.pytorch().getDevices()) : List.of(device());
    }
}
