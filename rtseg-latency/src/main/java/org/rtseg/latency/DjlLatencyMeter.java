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
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.BlockSpec;

/**
 * Times one unit alone on a DJL device: the block is built and initialised (random weights), its
 * input is created on the device once, then eval-mode forward passes run — a warm-up, then timed
 * repetitions until the median is stable (relative IQR below {@link Options#targetSpread}) or the
 * repetition or time budget is spent. Every repetition's intermediates live in a scope closed after
 * it. The thread count is libtorch's ({@code ai.djl.pytorch.num_threads}, fixed before the engine
 * loads).
 */
public final class DjlLatencyMeter implements LatencyMeter {

    /**
     * How long to measure.
     *
     * @param warmup untimed runs first
     * @param minRepetitions timed runs at least
     * @param maxRepetitions timed runs at most
     * @param targetSpread stop once IQR / median is below this (after {@code minRepetitions})
     * @param maxSeconds stop timing a unit after this long (after {@code minRepetitions})
     */
    public record Options(int warmup, int minRepetitions, int maxRepetitions, double targetSpread, double maxSeconds) {
        /** Defaults for collection: 3 warm-up, 7–50 runs, 5 % spread, 3 s. */
        public static final Options DEFAULT = new Options(3, 7, 50, 0.05, 3.0);

        public Options {
            if (warmup < 0 || minRepetitions < 1 || maxRepetitions < minRepetitions || targetSpread <= 0 || maxSeconds <= 0) {
                throw new IllegalArgumentException("measurement options need warmup ≥ 0, 1 ≤ min ≤ max repetitions, spread > 0 and time > 0");
            }
        }
    }

    private final Device device;
    private final Options options;

    public DjlLatencyMeter(Device device, Options options) {
        this.device = device;
        this.options = options;
    }

    @Override
    public String device() {
        return device.toString();
    }

    /** The intra-op threads libtorch runs with in this JVM. */
    public static int threads() {
        return Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
    }

    /** The engine name and version, e.g. {@code PyTorch 2.7.1}. */
    public static String engine() {
        Engine e = Engines.pytorch();
        return e.getEngineName() + " " + e.getVersion();
    }

    @Override
    public Measurement measure(BlockSpec spec) {
        Units.Built built = Units.build(spec);
        try (NDManager manager = Engines.pytorch().newBaseManager(device)) {
            built.block().initialize(manager, DataType.FLOAT32, built.inputs().toArray(new Shape[0]));
            NDList inputs = new NDList();
            for (Shape s : built.inputs()) {
                inputs.add(manager.randomNormal(0, 1, s, DataType.FLOAT32, device));
            }
            return time(built.block(), inputs, manager);
        }
    }

    /**
     * Times eval forwards of an initialised block (e.g. a whole extracted network) on inputs that live
     * on this meter's device.
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
