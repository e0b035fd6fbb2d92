package org.rtseg.examples;

import ai.djl.Device;
import java.util.List;
import org.rtseg.core.Engines;
import org.rtseg.core.distributed.OpenMpi;
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
     * there is none) — under mpirun, this rank's equal share of the machine's GPUs — else the one
     * named.
     */
    List<Device> trainingDevices() {
        return "auto".equals(device) ? localShare(List.of(Engines.pytorch().getDevices()), OpenMpi.localRank(), OpenMpi.localSize())
                : List.of(device());
    }

    /** Rank {@code local} of {@code ranks} on a machine takes the {@code local}-th equal share of its GPUs. */
    static List<Device> localShare(List<Device> devices, int local, int ranks) {
        if (ranks == 1 || !devices.get(0).isGpu()) {
            return devices;
        }
        if (devices.size() % ranks != 0) {
            throw new IllegalArgumentException(devices.size() + " GPUs do not split evenly over the " + ranks
                    + " ranks mpirun started on this machine; start as many ranks per machine as divides the GPUs, or pass --device");
        }
        int share = devices.size() / ranks;
        return devices.subList(local * share, (local + 1) * share);
    }
}
