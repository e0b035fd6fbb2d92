package org.rtseg.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rtseg.core.Engines;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.io.ModelDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rtseg benchmark}: eval-forward latency of a network on a device. */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Times eval-mode forward passes (random weights and input) and prints median/min/max ms, threads and GMACs/s.")
final class BenchmarkCommand implements Callable<Integer> {

    @Mixin NetworkOptions network;

    @Option(names = "--size", defaultValue = "512x1024", converter = InputSize.Converter.class,
            description = "input size HxW (default ${DEFAULT-VALUE})")
    InputSize size;

    @Option(names = "--runs", defaultValue = "10", description = "timed runs (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed runs first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: all cores)")
    Integer threads;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu, gpu(1) or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be ≥ 1 and --warmup ≥ 0");
        }
        int used = Threads.configure(threads);
        try (Model model = ModelDirectory.create(network.config(), Engines.device(device))) {
            NDManager manager = model.getNDManager();
            long macs = Complexity.of(ModelDirectory.network(model), size.batch(1), Complexity.Options.EVAL).macs();
            ParameterStore ps = new ParameterStore(manager, false);
            double[] ms = new double[runs];
            for (int i = -warmup; i < runs; i++) {
                // Every array of a forward belongs to its input's manager: one scope per run.
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = step.randomNormal(size.batch(1));
                    long t0 = System.nanoTime();
                    NDArray out = model.getBlock().forward(ps, new NDList(x), false).singletonOrThrow();
                    out.get(0, 0, 0, 0).getFloat(); // waits for asynchronous devices
                    long t1 = System.nanoTime();
                    if (i >= 0) {
                        ms[i] = (t1 - t0) / 1e6;
                    }
                }
            }
            Arrays.sort(ms);
            double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
            System.out.printf(Locale.ROOT, "%s 1x3x%s on %s, %d threads, engine %s %s%n", network.config().name(), size,
                    manager.getDevice(), used, manager.getEngine().getEngineName(), manager.getEngine().getVersion());
            System.out.printf(Locale.ROOT, "eval forward over %d runs (after %d warm-up): median %.1f ms, min %.1f ms, max %.1f ms%n",
                    runs, warmup, median, ms[0], ms[runs - 1]);
            System.out.printf(Locale.ROOT, "%.2f GMACs per image, %.1f GMACs/s at the median%n", macs / 1e9, macs / 1e9 / (median / 1e3));
        }
        return 0;
    }
}
