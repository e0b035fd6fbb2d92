package org.rtseg.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg benchmark}: eval-forward latency of a network on a device, in its training graph and in
 * its deploy form ({@link DeployGraph}), timed alternately in one process.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Times eval-mode forward passes of the eval graph and of the deploy graph (BatchNorm folded, in-place ReLU,"
                + " channels-last; random weights and input),"
                + " alternately, and prints median/min/max ms of each, the deploy speed-up, threads and GMACs/s.")
final class BenchmarkCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    @Mixin NetworkOptions network;

    @Option(names = "--size", defaultValue = "512x1024", converter = InputSize.Converter.class,
            description = "input size HxW (default ${DEFAULT-VALUE})")
    InputSize size;

    @Option(names = "--runs", defaultValue = "10", description = "timed runs (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed runs first (default ${DEFAULT-VALUE})")
    int warmup;

    @Override
    public Integer call() {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be ≥ 1 and --warmup ≥ 0");
        }
        int used = runtime.configureThreads();
        try (Model model = ModelDirectory.create(network.config(), runtime.device());
                Model deploy = DeployGraph.export(model, model.getNDManager().getDevice())) {
            NDManager manager = model.getNDManager();
            long macs = Complexity.of(ModelDirectory.network(model), size.batch(1), Complexity.Options.EVAL).macs();
            double[] eval = new double[runs];
            double[] folded = new double[runs];
            // Alternating the two graphs exposes both to the same machine load.
            for (int i = -warmup; i < runs; i++) {
                double e = time(model);
                double d = time(deploy);
                if (i >= 0) {
                    eval[i] = e;
                    folded[i] = d;
                }
            }
            double evalMedian = median(eval);
            double deployMedian = median(folded);
            System.out.printf(Locale.ROOT, "%s 1x3x%s on %s, %d threads, engine %s %s%n", network.config().name(), size,
                    manager.getDevice(), used, manager.getEngine().getEngineName(), manager.getEngine().getVersion());
            System.out.printf(Locale.ROOT, "eval forward over %d runs (after %d warm-up): median %.1f ms, min %.1f ms, max %.1f ms%n",
                    runs, warmup, evalMedian, eval[0], eval[runs - 1]);
            System.out.printf(Locale.ROOT, "deploy forward over %d runs (after %d warm-up): median %.1f ms, min %.1f ms, max %.1f ms%n",
                    runs, warmup, deployMedian, folded[0], folded[runs - 1]);
            System.out.printf(Locale.ROOT, "deploy graph (chosen paths only, BatchNorm folded, in-place ReLU, channels-last): %.1f %% faster than the eval graph%n",
                    100 * (1 - deployMedian / evalMedian));
            System.out.printf(Locale.ROOT, "%.2f GMACs per image, %.1f GMACs/s at the eval median%n", macs / 1e9, macs / 1e9 / (evalMedian / 1e3));
        }
        return 0;
    }

    /** One eval-mode forward pass on a random image, in ms. */
    private double time(Model model) {
        // Every array of a forward belongs to its input's manager: one scope per run.
        try (NDManager step = model.getNDManager().newSubManager()) {
            NDArray x = step.randomNormal(size.batch(1));
            long t0 = System.nanoTime();
            NDArray out = model.getBlock().forward(new ParameterStore(step, false), new NDList(x), false).singletonOrThrow();
            out.get(0, 0, 0, 0).getFloat(); // waits for asynchronous devices
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** Sorts the times and returns their median. */
    private static double median(double[] ms) {
        Arrays.sort(ms);
        int n = ms.length;
        return n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    }
}
