package org.rtseg.core;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.rtseg.core.nn.FusedOps;

/**
 * Checks, once per JVM, that libtorch's float32 convolutions compute what its float64 ones do.
 *
 * <p>Why: on some CPUs libtorch 2.7.1's oneDNN kernels return wrong numbers without any error. On
 * the AMD EPYC (family 26, AVX-512) virtual machines this project is built on, about one random
 * convolution shape in six came out wrong — forward passes, input gradients, channels-last
 * depthwise expansions, off by up to 100 % of the output, sometimes NaN — with oneDNN's AVX-512,
 * AVX2 and AVX kernels alike, while its SSE4.1 kernels and PyTorch 1.13 were right on every shape
 * tried. Training on such kernels silently learns garbage, so the engine refuses to start and says
 * how to fix it: {@code ONEDNN_MAX_CPU_ISA=SSE41} in the environment before the JVM starts (oneDNN
 * reads it once, at its first use, so it cannot be set from Java).
 *
 * <p>The probes are shapes that failed there: dense 3×3 convolutions of 12 and 24 input channels
 * on batches of 2, the input gradient of a 3×3 convolution (the backward pass of training) and a depthwise
 * expansion in channels-last layout. float64 convolutions take libtorch's own kernels, not
 * oneDNN's, and serve as the reference. The check takes a few milliseconds.
 */
public final class KernelCheck {

    /** Environment variable that caps oneDNN's instruction set (read once by oneDNN). */
    public static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";

    /** The cap that computes correctly where the check was written. */
    public static final String SAFE_ISA = "SSE41";

    /** System property that turns the check off ({@code -Drtseg.kernelCheck=false}). */
    public static final String CHECK_PROPERTY = "rtseg.kernelCheck";

    /** Relative error (max |Δ| / max |reference|) above which a kernel is wrong; rounding is ~1e-6. */
    static final double TOLERANCE = 1e-3;

    /** Thrown when libtorch's convolutions give wrong results on this machine. */
    public static final class WrongKernelsException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        WrongKernelsException(String message) {
            super(message);
        }
    }

    private KernelCheck() {}

    /**
     * Runs the probes.
     *
     * @param engine the PyTorch engine
     * @return a description of each wrong probe; empty when all are right
     */
    public static List<String> failures(Engine engine) {
        List<String> failures = new ArrayList<>();
        try (NDManager m = engine.newBaseManager()) {
            engine.setRandomSeed(20260601);
            probe(failures, "3x3 convolution 12->8, batch 2", m, new Shape(2, 12, 16, 24), new Shape(8, 12, 3, 3), 1, false, false);
            probe(failures, "3x3 convolution 24->16, batch 2", m, new Shape(2, 24, 16, 24), new Shape(16, 24, 3, 3), 1, false, false);
            probe(failures, "input gradient of a 3x3 convolution 8->8", m, new Shape(2, 8, 16, 24), new Shape(8, 8, 3, 3), 1, true, false);
            probe(failures, "channels-last 3x3 depthwise expansion 12->24", m, new Shape(2, 12, 16, 24), new Shape(24, 1, 3, 3), 12,
                    false, true);
        }
        return failures;
    }

    /**
     * Throws {@link WrongKernelsException} when a probe fails, unless {@code -Drtseg.kernelCheck=false}.
     */
    static void verify(Engine engine) {
        if (!Boolean.parseBoolean(System.getProperty(CHECK_PROPERTY, "true"))) {
            return;
        }
        List<String> failures = failures(engine);
        if (!failures.isEmpty()) {
            throw new WrongKernelsException(message(failures, System.getenv(ISA_VARIABLE)));
        }
    }

    /** The error message: what was wrong, and the fix. */
    static String message(List<String> failures, String isa) {
        return "libtorch computes wrong convolutions on this CPU (" + String.join("; ", failures) + "; "
                + ISA_VARIABLE + (isa == null ? " unset" : "=" + isa) + "). Start the JVM with the environment variable "
                + ISA_VARIABLE + "=" + SAFE_ISA + " (oneDNN's SSE4.1 kernels, correct where this was seen), or set -D"
                + CHECK_PROPERTY + "=false to run anyway";
    }

    /** Relative error of {@code actual} against {@code expected}: max |Δ| / max |expected|; NaN counts as infinite. */
    static double relativeError(float[] actual, double[] expected) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(diff, d);
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / Math.max(scale, Double.MIN_NORMAL);
    }

    private static void probe(List<String> failures, String name, NDManager m, Shape input, Shape weight, int groups,
            boolean inputGradient, boolean channelsLast) {
        NDArray x = m.randomNormal(input);
        NDArray w = m.randomNormal(weight);
        NDArray x32 = channelsLast ? FusedOps.channelsLast(x) : x;
        float[] actual = run(x32, w, groups, inputGradient).toFloatArray();
        double[] expected = run(x.toType(DataType.FLOAT64, true), w.toType(DataType.FLOAT64, true), groups, inputGradient).toDoubleArray();
        double error = relativeError(actual, expected);
        if (!(error <= TOLERANCE)) {
            failures.add(String.format(Locale.ROOT, "%s off by %.0f %% of its largest value", name, 100 * Math.min(error, 9.99)));
        }
    }

    /** The convolution's output, or with {@code inputGradient} the gradient of Σ output·u (u fixed) by its input. */
    private static NDArray run(NDArray x, NDArray w, int groups, boolean inputGradient) {
        Shape one = new Shape(1, 1);
        if (!inputGradient) {
            return Conv2d.conv2d(x, w, null, one, one, one, groups).singletonOrThrow();
        }
        NDArray input = x.duplicate();
        input.setRequiresGradient(true);
        try (GradientCollector gc = x.getManager().getEngine().newGradientCollector()) {
            NDArray y = Conv2d.conv2d(input, w, null, one, one, one, groups).singletonOrThrow();
            NDArray u = x.getManager().arange((float) y.size()).reshape(y.getShape()).mod(7f).sub(3f).toType(y.getDataType(), false);
            gc.backward(y.mul(u).sum());
        }
        return input.getGradient();
    }
}
