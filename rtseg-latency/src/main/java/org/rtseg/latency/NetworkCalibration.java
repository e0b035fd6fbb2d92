package org.rtseg.latency;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.search.ChannelMask;
import org.rtseg.search.GumbelChoice;
import org.rtseg.search.SearchSpace;
import org.rtseg.search.SubnetExtractor;

/**
 * Whole networks against the sum of their units: random complete subnets of a search space (random
 * paths, random channel pruning, extracted as standalone networks) are timed whole and predicted as
 * Σ MLP(unit); the per-network scale is the median of measured / Σ units over all of them. The
 * errors it reports are in-sample: {@code rtseg latency bench} judges the scale on other subnets.
 *
 * <p>A scale rather than an offset: whole networks run slower than their units alone by a share of
 * their time (2–11 % at one thread on a 2-core AVX-512 host, more at two), and a latency-targeted
 * search goes to networks far smaller than random subnets. An offset fitted on random subnets of
 * 400–1000 ms (+53.5 ms there) over-predicted searched subnets of 100–250 ms by 4–18 %, where their
 * own measured / Σ units was 1.04–1.14 (docs/latency.md).
 */
public final class NetworkCalibration {

    private NetworkCalibration() {}

    /**
     * One network.
     *
     * @param name a label
     * @param measuredMs the whole network's measured latency
     * @param unitSumMs Σ of predicted unit latencies (unscaled)
     */
    public record Network(String name, double measuredMs, double unitSumMs) {}

    /**
     * The outcome.
     *
     * @param networks every network measured
     * @param scale the fitted scale (median of measured / Σ units)
     * @param unscaled errors of Σ units alone
     * @param scaled errors of Σ units × scale, in-sample
     */
    public record Result(List<Network> networks, double scale, Metrics unscaled, Metrics scaled) {

        /**
         * The networks' errors when predicted with another scale, e.g. a model's stored one.
         *
         * @param scale the factor Σ units is multiplied by
         * @return the errors of Σ units × scale against the measured latencies
         */
        public Metrics at(double scale) {
            return errors(networks, scale);
        }
    }

    /**
     * The extracted subnet {@code index} of a search space: every mask keeps each channel with a
     * probability drawn in [minKeep, 1] (at least one), every mixed block takes a random path.
     *
     * @param supernet the search space
     * @param seed seed of the draws; with {@code index} it decides the subnet
     * @param index which subnet of the seed's sequence
     * @param minKeep the least keep probability of a mask, in [0, 1]
     * @param device where the subnet lives
     * @return a new model of the extracted subnet, freshly initialised; the caller closes it
     */
    public static Model randomSubnet(SupernetConfig supernet, long seed, int index, double minKeep, Device device) {
        return draw(supernet, seed, index, minKeep, device);
    }

    private static Model draw(SupernetConfig supernet, long seed, long index, double minKeep, Device device) {
        SplittableRandom random = new SplittableRandom(seed * 31 + index);
        try (Model full = ModelDirectory.create(supernet, device)) {
            SearchSpace space = new SearchSpace(ModelDirectory.network(full), seed);
            space.initialize(full.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 64, 64));
            for (ChannelMask m : space.masks()) {
                double keep = minKeep + (1 - minKeep) * random.nextDouble();
                float[] c = new float[m.channels()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = random.nextDouble() < keep ? 0.9f : 0.1f;
                }
                c[random.nextInt(c.length)] = 0.9f;
                m.weight().getArray().set(c);
            }
            for (GumbelChoice g : space.choices()) {
                float[] alpha = new float[g.block().candidates().size()];
                alpha[random.nextInt(alpha.length)] = 1f;
                g.logits().getArray().set(alpha);
            }
            space.decide();
            space.detach();
            return ModelDirectory.create(new SubnetExtractor(space).config(), device);
        }
    }

    /**
     * Times a whole network's eval forward at an input size, in the meter's form: the network
     * itself, or its deploy graph ({@link DeployGraph#export}).
     *
     * @param model the network; its device should be the meter's
     * @param input the NCHW input shape, filled with standard normal values
     * @param meter the meter that runs one trial
     * @return the measurement of that trial
     */
    public static Measurement measure(Model model, Shape input, DjlLatencyMeter meter) {
        if (meter.form() == DjlLatencyMeter.Form.DEPLOY && !DeployGraph.isDeploy(model)) {
            try (Model deploy = DeployGraph.export(model, model.getNDManager().getDevice())) {
                return measure(deploy, input, meter);
            }
        }
        try (NDManager m = model.getNDManager().newSubManager()) {
            NDList x = new NDList(m.randomNormal(0, 1, input, DataType.FLOAT32, model.getNDManager().getDevice()));
            return meter.time(model.getBlock(), x, m);
        }
    }

    /**
     * Measures {@code count} random subnets plus the given extra networks and calibrates. Every
     * network is timed once per round, built anew each time, and its latency is the median over the
     * rounds: at two threads one trial of a network held steady within itself (IQR under 1 %) and
     * still came out up to 16 % apart from a trial of the same network minutes later, a state of the
     * shared machine that rounds spread over the run average out (docs/latency.md).
     *
     * @param mlp the predictor
     * @param supernet the search space the subnets are drawn from
     * @param extra further networks to include (e.g. presets)
     * @param count random subnets
     * @param minKeep smallest fraction of a width the random subnets keep; 0 lets a width go down to
     *     one channel, as a latency-only search does
     * @param input input size, batch 1
     * @param meter the meter (its device runs the networks)
     * @param device where the networks are built: the meter's device
     * @param seed seed of the subnets
     * @param rounds rounds over all networks, at least 1
     * @param log progress lines
     * @return the networks, the fitted scale and the errors (see {@link #calibrate})
     * @throws IllegalArgumentException if {@code rounds} is below 1
     */
    public static Result run(LatencyMlp mlp, SupernetConfig supernet, List<SupernetConfig> extra, int count, double minKeep, Shape input,
            DjlLatencyMeter meter, Device device, long seed, int rounds, Consumer<String> log) {
        if (rounds < 1) {
            throw new IllegalArgumentException("networks are timed in at least one round");
        }
        int n = count + extra.size();
        double[][] ms = new double[n][rounds];
        double[] sums = new double[n];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < n; i++) {
                try (Model model = i < count ? randomSubnet(supernet, seed, i, minKeep, device) : ModelDirectory.create(extra.get(i - count), device)) {
                    if (r == 0) {
                        sums[i] = mlp.unitSum(NetworkUnits.specs(ModelDirectory.network(model), input));
                    }
                    ms[i][r] = measure(model, input, meter).medianMs();
                }
            }
        }
        List<Network> nets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = i < count ? "subnet" + i : extra.get(i - count).name();
            Measurement m = Measurement.of(ms[i], rounds);
            nets.add(new Network(name, m.medianMs(), sums[i]));
            String each = Arrays.stream(ms[i]).mapToObj(v -> String.format(java.util.Locale.ROOT, "%.2f", v)).collect(Collectors.joining(" / "));
            log.accept(String.format(java.util.Locale.ROOT, "%-10s measured %9.2f ms (median of rounds %s)  Σ units %9.2f ms", name, m.medianMs(),
                    each, sums[i]));
        }
        return calibrate(nets);
    }

    /**
     * Fits the scale on all networks. Fitting on half of them and judging on the other half, as
     * this did before, halved the data: two halves of the same 22 networks gave scales of 1.014 and
     * 1.09 at one thread, where per-network ratios spread from 0.88 to 1.24.
     *
     * @param nets the measured networks, at least one
     * @return the networks, the scale (median of measured / Σ units) and the in-sample errors
     */
    public static Result calibrate(List<Network> nets) {
        double[] ratio = nets.stream().mapToDouble(n -> n.measuredMs() / n.unitSumMs()).sorted().toArray();
        double scale = Measurement.quantile(ratio, 0.5);
        return new Result(List.copyOf(nets), scale, errors(nets, 1), errors(nets, scale));
    }

    private static Metrics errors(List<Network> nets, double scale) {
        return Metrics.of(nets.stream().mapToDouble(n -> n.unitSumMs() * scale).toArray(), nets.stream().mapToDouble(Network::measuredMs).toArray());
    }
}
