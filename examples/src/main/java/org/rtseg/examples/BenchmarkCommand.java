package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rtseg.core.TensorMemory;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.onnx.OnnxExport;
import org.rtseg.inference.OnnxRuntimeModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg benchmark}: eval-forward latency of a network on a device, in its training graph, in
 * its deploy form ({@link DeployGraph}) and, on the CPU, as its ONNX export in ONNX Runtime, timed
 * alternately in one process.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Times eval-mode forward passes of the eval graph and of the deploy graph (BatchNorm folded, in-place ReLU,"
                + " channels-last; random weights and input) and, on the CPU, of its ONNX export in ONNX Runtime (same threads),"
                + " alternately, and prints median/min/max ms of each, the deploy speed-up, the ONNX Runtime ratio, threads and GMACs/s.")
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

    @Option(names = "--eval-only", description = "time the eval graph alone, as examples/bench/bisenetv2_eager.py times PyTorch eager")
    boolean evalOnly;

    @Override
    public Integer call() throws IOException, OrtException {
        if (runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("--runs must be ≥ 1 and --warmup ≥ 0");
        }
        int used = runtime.configureThreads();
        try (Model model = ModelDirectory.create(network.config(), runtime.device());
                Model deploy = evalOnly ? null : DeployGraph.export(model, model.getNDManager().getDevice());
                OnnxRun onnx = evalOnly ? null : OnnxRun.of(deploy, size, used)) {
            NDManager manager = model.getNDManager();
            long macs = Complexity.of(ModelDirectory.network(model), size.batch(1), Complexity.Options.EVAL).macs();
            double[] eval = new double[runs];
            double[] folded = new double[runs];
            double[] ort = new double[runs];
            // Alternating the graphs exposes each to the same machine load.
            for (int i = -warmup; i < runs; i++) {
                double e = time(model);
                double d = deploy == null ? 0 : time(deploy);
                double o = onnx == null ? 0 : onnx.time();
                if (i >= 0) {
                    eval[i] = e;
                    folded[i] = d;
                    ort[i] = o;
                }
            }
            double evalMedian = median(eval);
            System.out.printf(Locale.ROOT, "%s 1x3x%s on %s, %d threads, engine %s %s%n", network.config().name(), size,
                    manager.getDevice(), used, manager.getEngine().getEngineName(), manager.getEngine().getVersion());
            System.out.println("C heap: " + (TensorMemory.applied() ? "freed tensor memory kept for reuse (TensorMemory)"
                    : "the C library's defaults"));
            print("eval", eval);
            if (deploy != null) {
                print("deploy", folded);
                System.out.printf(Locale.ROOT, "deploy graph (chosen paths only, BatchNorm folded, in-place ReLU, channels-last): %.1f %% faster than the eval graph%n",
                        100 * (1 - median(folded) / evalMedian));
            }
            if (onnx != null) {
                print("onnxruntime " + onnx.version(), ort);
                System.out.printf(Locale.ROOT, "deploy graph / ONNX Runtime (same network, threads and input): %.2f×%n", median(folded) / median(ort));
            }
            System.out.printf(Locale.ROOT, "%.2f GMACs per image, %.1f GMACs/s at the eval median%n", macs / 1e9, macs / 1e9 / (evalMedian / 1e3));
        }
        return 0;
    }

    private void print(String graph, double[] ms) {
        System.out.printf(Locale.ROOT, "%s forward over %d runs (after %d warm-up): median %.1f ms, min %.1f ms, max %.1f ms%n",
                graph, runs, warmup, median(ms), ms[0], ms[runs - 1]);
    }

    /** The deploy graph's ONNX export in an ONNX Runtime CPU session, fed one random input that stays in ONNX Runtime. */
    private static final class OnnxRun implements AutoCloseable {
        private final Path file;
        private final OnnxRuntimeModel model;
        private final OnnxTensor input;

        private OnnxRun(Path file, OnnxRuntimeModel model, OnnxTensor input) {
            this.file = file;
            this.model = model;
            this.input = input;
        }

        /** The run, or null off the CPU (ONNX Runtime's CUDA provider is not in the jar). */
        static OnnxRun of(Model deploy, InputSize size, int threads) throws IOException, OrtException {
            if (!Device.Type.CPU.equals(deploy.getNDManager().getDevice().getDeviceType())) {
                return null;
            }
            Path file = Files.createTempFile("rtseg-benchmark", ".onnx");
            try {
                OnnxExport.write(deploy, OnnxExport.Options.builder().fixedInput(1, size.height(), size.width()).build(), file);
                OnnxRuntimeModel model = OnnxRuntimeModel.open(file, threads);
                float[] pixels = new float[Math.toIntExact(size.batch(1).size())];
                SplittableRandom random = new SplittableRandom(0);
                for (int i = 0; i < pixels.length; i++) {
                    pixels[i] = (float) random.nextGaussian();
                }
                return new OnnxRun(file, model, OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(pixels),
                        size.batch(1).getShape()));
            } catch (IOException | OrtException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            }
        }

        /** One run, in ms; the logits stay in ONNX Runtime, as the other graphs' stay in libtorch. */
        double time() throws OrtException {
            long t0 = System.nanoTime();
            try (OrtSession.Result logits = model.session().run(Map.of(OnnxExport.INPUT, input))) {
                return (System.nanoTime() - t0) / 1e6;
            }
        }

        String version() {
            return OrtEnvironment.getEnvironment().getVersion();
        }

        @Override
        public void close() throws IOException {
            input.close();
            model.close();
            Files.deleteIfExists(file);
        }
    }

    /** One eval-mode forward pass on a random image, in ms. */
    private double time(Model model) {
        return ForwardTiming.once(model.getBlock(), model.getNDManager(), size.batch(1));
    }

    /** Sorts the times and returns their median. */
    private static double median(double[] ms) {
        Arrays.sort(ms);
        return ForwardTiming.median(ms);
    }
}
