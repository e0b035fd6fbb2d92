package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.io.ModelDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg allreduce-bench}: times the one allreduce of a data-parallel step at a network's
 * gradient size, under mpirun (docs/distributed.md).
 */
@Command(name = "allreduce-bench", mixinStandardHelpOptions = true,
        description = "Times the allreduce of a network's whole gradient (float32) across the ranks of an mpirun: median ms, "
                + "algorithm and bus bandwidth. Run it as 'mpirun -np N java -jar rtseg.jar allreduce-bench --preset supernet'.")
final class AllreduceBenchmarkCommand implements Callable<Integer> {

    @Mixin NetworkOptions network;

    @Option(names = "--rounds", defaultValue = "30", description = "timed allreduces after 5 untimed ones (default ${DEFAULT-VALUE})")
    int rounds;

    @Override
    public Integer call() throws Exception {
        Communicator world = Communicator.world();
        if (world.size() < 2) {
            throw new IllegalArgumentException("allreduce-bench times an exchange between processes: launch it with mpirun -np 2 (or more)");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be positive, was " + rounds);
        }
        SupernetConfig config = network.config();
        long floats = gradientFloats(config);
        FloatBuffer gradient = ByteBuffer.allocateDirect(Math.toIntExact(floats * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        double[] ms = new double[rounds];
        for (int i = -5; i < rounds; i++) {
            world.barrier();
            long t0 = System.nanoTime();
            world.allReduceSum(gradient);
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        double median = ms[rounds / 2];
        double gb = floats * Float.BYTES / 1e9;
        int n = world.size();
        // Bus bandwidth (NCCL's convention): what each link carries in a ring allreduce, 2(n-1)/n of the data.
        System.out.printf(Locale.ROOT, "%s: %,d trainable floats (%.1f MB); allreduce over %d ranks: median %.2f ms (min %.2f, max %.2f) "
                + "of %d; algorithm bandwidth %.2f GB/s, bus bandwidth %.2f GB/s%n", config.name(), floats, gb * 1e3, n, median, ms[0],
                ms[rounds - 1], rounds, gb / (median / 1e3), gb / (median / 1e3) * 2 * (n - 1) / n);
        return 0;
    }

    /** The floats of a data-parallel step's allreduce: every trainable parameter of the network, all candidate paths and aux heads. */
    private static long gradientFloats(SupernetConfig config) {
        try (Model model = ModelDirectory.create(config, Device.cpu())) {
            long floats = 0;
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                if (p.getValue().requiresGradient()) {
                    floats += p.getValue().getArray().size();
                }
            }
            return floats;
        }
    }
}
