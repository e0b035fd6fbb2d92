package org.rtseg.latency;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.nn.FusedOps;

/**
 * Times one unit alone on a DJL device: the block is built and initialised (random weights), its
 * input is created on the device once, then eval-mode forward passes run — a warm-up, then timed
 * repetitions until the median is stable (relative IQR below {@link Options#targetSpread}) or the
 * repetition or time budget is spent. This is one trial; a unit's latency is the median over
 * {@link Options#trials} trials, each with a freshly built block, because on a CPU the same unit
 * measured twice differs by more than one trial's spread (where its buffers land, page faults of
 * large outputs; one convolution gave 91, 77, 78, 77, 92 and 78 ms in six trials on the 2-core
 * development VM). The first measurement of a JVM is preceded by an untimed engine warm-up.
 * Every repetition's intermediates live in a scope closed after it. The thread count is libtorch's,
 * fixed before the engine loads ({@link Engines#setThreads}).
 *
 * <p>A meter times units in one {@link Form}: as the eval graph trains and evaluates them, or as
 * {@code rtseg export} deploys them, so that a latency-constrained search can target what ships.
 */
public final class DjlLatencyMeter implements LatencyMeter {

    /**
     * How long to measure.
     *
     * @param warmup untimed runs first
     * @param minRepetitions timed runs at least
     * @param maxRepetitions timed runs at most
     * @param targetSpread stop once IQR / median is below this (after {@code minRepetitions})
     * @param maxSeconds stop timing a trial after this long (after {@code minRepetitions})
     * @param trials independent trials per unit (fresh block and input each), median of their medians
     */
    public record Options(int warmup, int minRepetitions, int maxRepetitions, double targetSpread, double maxSeconds, int trials) {
        /** Defaults for collection: 3 trials of 2 warm-up and 5–30 runs, 5 % spread, 2 s. */
        public static final Options DEFAULT = new Options(2, 5, 30, 0.05, 2.0, 3);

        /**
         * Checks the options.
         *
         * @param warmup untimed runs first, at least 0
         * @param minRepetitions timed runs at least, at least 1
         * @param maxRepetitions timed runs at most, at least {@code minRepetitions}
         * @param targetSpread stop once IQR / median is below this, positive
         * @param maxSeconds stop timing a trial after this long, positive
         * @param trials independent trials per unit, at least 1
         * @throws IllegalArgumentException if an option is out of range
         */
        public Options {
            if (warmup < 0 || minRepetitions < 1 || maxRepetitions < minRepetitions || targetSpread <= 0 || maxSeconds <= 0 || trials < 1) {
                throw new IllegalArgumentException(
                        "measurement options need warmup ≥ 0, 1 ≤ min ≤ max repetitions, spread > 0, time > 0 and ≥ 1 trial");
            }
        }
    }

    /** The form of the network a meter times. */
    public enum Form {
        /** The eval graph: what training runs forward and evaluation runs, BatchNorm after each convolution. */
        EVAL,
        /**
         * The deploy graph ({@code DeployGraph}): each convolution's BatchNorm folded into it, ReLU in
         * place, feature maps channels-last.
         */
        DEPLOY;

        /**
         * The form's name in dataset metadata and on the command line.
         *
         * @return {@code eval} or {@code deploy}
         */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * The form of a label.
         *
         * @param label {@code eval} or {@code deploy}
         * @return the form
         * @throws IllegalArgumentException for any other label
         */
        public static Form of(String label) {
            for (Form f : values()) {
                if (f.label().equals(label)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("latency form " + label + ": expected eval or deploy");
        }
    }

    /** The unit run untimed before a JVM's first measurement: a mid-sized 3×3 convolution. */
    private static final BlockSpec WARM_UP = new BlockSpec("conv", new BlockArgs(64, 64, 1, Map.of("kernel", 3.0), Map.of()), 64, 128);

    private static final AtomicBoolean WARM = new AtomicBoolean();

    private final Device device;
    private final Options options;
    private final Form form;

    /**
     * A meter on a device.
     *
     * @param device where the units run
     * @param options how long to measure
     * @param form the form units and networks are timed in
     */
    public DjlLatencyMeter(Device device, Options options, Form form) {
        this.device = device;
        this.options = options;
        this.form = form;
    }

    /**
     * The form this meter times units and networks in.
     *
     * @return the form
     */
    public Form form() {
        return form;
    }

    @Override
    public String device() {
        return device.toString();
    }

    /**
     * The intra-op threads libtorch runs with in this JVM ({@link Engines#threads()}: loads the engine).
     *
     * @return the count in force
     */
    public static int threads() {
        return Engines.threads();
    }

    /**
     * The engine name and version, e.g. {@code PyTorch 2.7.1}.
     *
     * @return the name and version, separated by a space (loads the engine if needed)
     */
    public static String engine() {
        Engine e = Engines.pytorch();
        return e.getEngineName() + " " + e.getVersion();
    }

    @Override
    public Measurement measure(BlockSpec spec) {
        if (WARM.compareAndSet(false, true)) {
            long until = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < until) {
                trial(WARM_UP);
            }
        }
        Measurement[] trials = new Measurement[options.trials()];
        for (int t = 0; t < trials.length; t++) {
            trials[t] = trial(spec);
        }
        return Measurement.ofTrials(trials);
    }

    private Measurement trial(BlockSpec spec) {
        Units.Built built = build(spec);
        try (NDManager manager = Engines.pytorch().newBaseManager(device)) {
            built.block().initialize(manager, DataType.FLOAT32, built.inputs().toArray(new Shape[0]));
            NDList inputs = new NDList();
            for (Shape s : built.inputs()) {
                NDArray x = manager.randomNormal(0, 1, s, DataType.FLOAT32, device);
                inputs.add(form == Form.DEPLOY && s.dimension() == 4 ? FusedOps.channelsLast(x) : x);
            }
            return time(built.block(), inputs, manager);
        }
    }

    /** A spec's unit in this meter's form, not yet initialised. */
    Units.Built build(BlockSpec spec) {
        Units.Built built = Units.build(spec);
        if (form == Form.DEPLOY) {
            // A unit's weights are random, so there are no folded values to compute.
            DeployGraph.removeNorms(built.block());
        }
        return built;
    }

    /**
     * Times eval forwards of an initialised block (e.g. a whole extracted network) on inputs that live
     * on this meter's device: one trial.
     *
     * @param block the initialised block, run in eval mode
     * @param inputs its inputs, on this meter's device
     * @param manager the manager under which each run's scope is opened
     * @return the median and IQR of the timed runs
     */
    public Measurement time(Block block, NDList inputs, NDManager manager) {
        ParameterStore ps = new ParameterStore(manager, false);
        boolean sync = !Device.Type.CPU.equals(device.getDeviceType());
        for (int i = 0; i < options.warmup(); i++) {
            run(block, ps, inputs, manager, sync);
        }
        double[] ms = new double[options.maxRepetitions()];
        long start = System.nanoTime();
        int n = 0;
        while (n < options.maxRepetitions()) {
            ms[n++] = run(block, ps, inputs, manager, sync);
            if (n >= options.minRepetitions()) {
                Measurement m = Measurement.of(ms, n);
                if (m.relativeSpread() <= options.targetSpread() || (System.nanoTime() - start) / 1e9 > options.maxSeconds()) {
                    return m;
                }
            }
        }
        return Measurement.of(ms, n);
    }

    private static double run(Block block, ParameterStore ps, NDList inputs, NDManager manager, boolean sync) {
        // Results of an op belong to its first operand's manager: lend the inputs to a scope that
        // is closed after the run, so intermediates never pile up.
        try (NDManager scope = manager.newSubManager()) {
            inputs.tempAttach(scope);
            long t0 = System.nanoTime();
            NDList out = block.forward(ps, inputs, false);
            if (sync) {
                NDArray first = out.get(0);
                first.get(0).toType(DataType.FLOAT32, false).sum().getFloat();
            }
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** Shapes of a spec's inputs, for messages. */
    static List<Shape> inputs(BlockSpec spec) {
        return Units.build(spec).inputs();
    }
}
