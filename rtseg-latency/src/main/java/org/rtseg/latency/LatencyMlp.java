package org.rtseg.latency;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latency predictor (paper §Latency constraint): five fully connected layers with ReLU between
 * them on the {@link Features} of a unit, trained on log-milliseconds with Adam and early stopping
 * on a validation split. On disk: {@code latency-mlp.params} (the weights) beside {@code
 * latency-mlp.json} (architecture, feature normalisation and vocabulary, where the latencies were
 * measured, training figures, the per-network scale); loading gives back the exact weights.
 */
public final class LatencyMlp implements AutoCloseable {

    /** The weights file of a model folder. */
    public static final String PARAMS = "latency-mlp.params";

    /** The description file of a model folder. */
    public static final String DESCRIPTION = "latency-mlp.json";

    /** The file format written: 2 since the per-network scale replaced format 1's per-network offset. */
    public static final int FORMAT = 2;

    /**
     * What a model folder's JSON holds.
     *
     * @param format file format version
     * @param hidden widths of the four hidden layers
     * @param features vocabulary and normalisation
     * @param measuredOn the dataset's metadata: device, threads, engine, date…
     * @param training training figures
     * @param networkScale the factor a whole network's sum of unit latencies is multiplied by
     */
    public record Description(int format, List<Integer> hidden, Features features, ObjectNode measuredOn, ObjectNode training,
            double networkScale) {}

    /**
     * Training settings.
     *
     * @param hidden the four hidden widths
     * @param maxSteps Adam steps at most
     * @param batch mini-batch size
     * @param learningRate initial learning rate (cosine decay to 1 % of it over {@code maxSteps})
     * @param patience stop when validation loss has not improved for this many steps
     * @param evalEvery steps between validation checks
     * @param seed seed of the initial weights and batch order
     */
    public record FitOptions(List<Integer> hidden, int maxSteps, int batch, double learningRate, int patience, int evalEvery, long seed) {
        /** Defaults: 128-128-64-32 hidden, up to 20 000 steps of 128, lr 3e-3, patience 3000. */
        public static final FitOptions DEFAULT = new FitOptions(List.of(128, 128, 64, 32), 20_000, 128, 3e-3, 3000, 100, 42);

        /**
         * Checks the settings.
         *
         * @param hidden the four hidden widths, each positive
         * @param maxSteps Adam steps at most, positive
         * @param batch mini-batch size, positive (capped at the training set's size)
         * @param learningRate initial learning rate, positive
         * @param patience steps without improvement before stopping, positive
         * @param evalEvery steps between validation checks, positive
         * @param seed seed of the initial weights and batch order
         * @throws IllegalArgumentException if there are not four positive hidden widths or a count
         *     or the learning rate is not positive
         */
        public FitOptions {
            hidden = List.copyOf(hidden);
            if (hidden.size() != 4 || hidden.stream().anyMatch(h -> h < 1)) {
                throw new IllegalArgumentException("the MLP has 5 fully connected layers: give 4 positive hidden widths, got " + hidden);
            }
            if (maxSteps < 1 || batch < 1 || !(learningRate > 0) || patience < 1 || evalEvery < 1) {
                throw new IllegalArgumentException("fit options must be positive");
            }
        }

        /**
         * These settings with another step limit.
         *
         * @param steps Adam steps at most, positive
         * @return new settings, otherwise the same
         */
        public FitOptions withMaxSteps(int steps) {
            return new FitOptions(hidden, steps, batch, learningRate, patience, evalEvery, seed);
        }

        /**
         * These settings with another seed.
         *
         * @param seed seed of the initial weights and batch order
         * @return new settings, otherwise the same
         */
        public FitOptions withSeed(long seed) {
            return new FitOptions(hidden, maxSteps, batch, learningRate, patience, evalEvery, seed);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(LatencyMlp.class);

    private final ai.djl.Model model;
    private final SequentialBlock net;
    private Description description;
    private final ParameterStore store;

    private LatencyMlp(ai.djl.Model model, SequentialBlock net, Description description) {
        this.model = model;
        this.net = net;
        this.description = description;
        this.store = new ParameterStore(model.getNDManager(), false);
    }

    private static SequentialBlock network(List<Integer> hidden) {
        SequentialBlock net = new SequentialBlock();
        for (int h : hidden) {
            net.add(Linear.builder().setUnits(h).build());
            net.add(Activation.reluBlock());
        }
        net.add(Linear.builder().setUnits(1).build());
        return net;
    }

    private static LatencyMlp create(Description d, Device device) {
        ai.djl.Model model = ai.djl.Model.newInstance("latency-mlp", device, Engines.PYTORCH);
        SequentialBlock net = network(d.hidden());
        model.setBlock(net);
        net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, d.features().size()));
        return new LatencyMlp(model, net, d);
    }

    /**
     * The description: features, provenance, training figures.
     *
     * @return the description that {@link #save} writes
     */
    public Description description() {
        return description;
    }

    /**
     * The input encoding: vocabulary and standardisation.
     *
     * @return the features of the description
     */
    public Features features() {
        return description.features();
    }

    /**
     * The factor a whole network's sum of unit latencies is multiplied by (see {@link
     * NetworkCalibration}).
     *
     * @return the scale; 1 until calibrated
     */
    public double networkScale() {
        return description.networkScale();
    }

    /**
     * Sets the per-network scale.
     *
     * @param scale the factor, positive and finite
     * @throws IllegalArgumentException if the scale is not positive and finite
     */
    public void setNetworkScale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("the per-network scale must be positive and finite, was " + scale);
        }
        description = new Description(description.format(), description.hidden(), description.features(), description.measuredOn(),
                description.training(), scale);
    }

    /**
     * The device the weights live on.
     *
     * @return the model's device
     */
    public Device device() {
        return model.getNDManager().getDevice();
    }

    /**
     * Trains a predictor.
     *
     * @param train the samples it learns
     * @param validation the samples that decide when to stop (and which weights to keep)
     * @param options training settings
     * @param measuredOn metadata of the dataset (device, threads, engine…), stored with the model
     * @return the trained predictor, weights of the best validation loss; the caller closes it
     * @throws IllegalArgumentException if either sample list is empty
     */
    public static LatencyMlp fit(List<Sample> train, List<Sample> validation, FitOptions options, ObjectNode measuredOn) {
        if (train.isEmpty() || validation.isEmpty()) {
            throw new IllegalArgumentException("fitting needs training and validation samples (have " + train.size() + " and "
                    + validation.size() + "); collect more latencies");
        }
        long started = System.nanoTime();
        List<BlockSpec> trainSpecs = train.stream().map(s -> Units.canonical(s.spec())).toList();
        List<BlockSpec> valSpecs = validation.stream().map(s -> Units.canonical(s.spec())).toList();
        List<BlockSpec> all = new ArrayList<>(trainSpecs);
        all.addAll(valSpecs);
        Features features = Features.fit(all);
        ObjectNode training = LatencyDataset.JSON.createObjectNode();
        Description d = new Description(FORMAT, options.hidden(), features, measuredOn == null ? LatencyDataset.JSON.createObjectNode()
                : measuredOn.deepCopy(), training, 1);
        LatencyMlp mlp = create(d, Device.cpu());
        try {
            mlp.train(trainSpecs, train, valSpecs, validation, options, training);
        } catch (RuntimeException e) {
            mlp.close();
            throw e;
        }
        training.put("seconds", Math.round((System.nanoTime() - started) / 1e7) / 100.0);
        training.put("date", java.time.OffsetDateTime.now().withNano(0).toString());
        training.put("engine", DjlLatencyMeter.engine());
        mlp.net.freezeParameters(true);
        return mlp;
    }

    private void train(List<BlockSpec> trainSpecs, List<Sample> train, List<BlockSpec> valSpecs, List<Sample> validation, FitOptions o,
            ObjectNode figures) {
        int f = features().size();
        float[][] x = encode(trainSpecs);
        float[] y = logs(train);
        float[] vx = flat(encode(valSpecs));
        float[] vy = logs(validation);
        initialiseWeights(o.seed());
        NDManager manager = model.getNDManager();
        Engine engine = manager.getEngine();
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.cosine().setBaseValue((float) o.learningRate())
                .optFinalValue((float) (o.learningRate() / 100)).setMaxUpdates(o.maxSteps()).build()).build();
        SplittableRandom random = new SplittableRandom(o.seed() + 1);
        int n = x.length;
        int batch = Math.min(o.batch(), n);
        int[] order = shuffled(n, random);
        int cursor = 0;
        double best = Double.POSITIVE_INFINITY;
        int bestStep = 0;
        List<float[]> bestWeights = snapshot();
        int step = 0;
        for (; step < o.maxSteps(); step++) {
            float[] bx = new float[batch * f];
            float[] by = new float[batch];
            for (int b = 0; b < batch; b++) {
                if (cursor == n) {
                    order = shuffled(n, random);
                    cursor = 0;
                }
                int i = order[cursor++];
                System.arraycopy(x[i], 0, bx, b * f, f);
                by[b] = y[i];
            }
            try (NDManager scope = manager.newSubManager()) {
                NDArray input = scope.create(bx, new Shape(batch, f));
                NDArray target = scope.create(by);
                try (GradientCollector gc = engine.newGradientCollector()) {
                    NDArray pred = net.forward(new ParameterStore(scope, false), new NDList(input), true).singletonOrThrow().reshape(batch);
                    gc.backward(pred.sub(target).square().mean());
                }
                for (Pair<String, Parameter> p : net.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    try (NDArray g = w.getGradient()) {
                        adam.update(p.getValue().getId(), w, g);
                    }
                }
            }
            if ((step + 1) % o.evalEvery() == 0 || step + 1 == o.maxSteps()) {
                double loss = mse(logPredict(vx, validation.size()), vy);
                if (loss < best) {
                    best = loss;
                    bestStep = step + 1;
                    bestWeights = snapshot();
                } else if (step + 1 - bestStep >= o.patience()) {
                    step++;
                    break;
                }
            }
        }
        restore(bestWeights);
        double[] valPred = exp(logPredict(vx, validation.size()));
        double[] trainPred = exp(logPredict(flat(x), n));
        figures.put("train_samples", n);
        figures.put("validation_samples", validation.size());
        figures.put("steps", step);
        figures.put("best_step", bestStep);
        figures.put("epochs", Math.round(100.0 * step * batch / n) / 100.0);
        figures.put("batch", batch);
        figures.put("learning_rate", o.learningRate());
        figures.put("seed", o.seed());
        figures.put("best_validation_log_mse", best);
        figures.put("train_mape", Metrics.of(trainPred, ms(train)).mape());
        figures.put("validation_mape", Metrics.of(valPred, ms(validation)).mape());
    }

    /** He-uniform weights and zero biases from a Java random source: the same on every engine. */
    private void initialiseWeights(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Pair<String, Parameter> p : net.getParameters()) {
            NDArray a = p.getValue().getArray();
            float[] v = new float[(int) a.size()];
            if (p.getKey().endsWith("weight")) {
                long fanIn = a.getShape().get(1);
                double bound = Math.sqrt(6.0 / fanIn);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
            }
            a.set(v);
        }
    }

    private List<float[]> snapshot() {
        List<float[]> w = new ArrayList<>();
        net.getParameters().forEach(p -> w.add(p.getValue().getArray().toFloatArray()));
        return w;
    }

    private void restore(List<float[]> weights) {
        int i = 0;
        for (Pair<String, Parameter> p : net.getParameters()) {
            p.getValue().getArray().set(weights.get(i++));
        }
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private float[][] encode(List<BlockSpec> specs) {
        float[][] x = new float[specs.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = features().encode(specs.get(i));
        }
        return x;
    }

    private static float[] flat(float[][] rows) {
        int f = rows.length == 0 ? 0 : rows[0].length;
        float[] out = new float[rows.length * f];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * f, f);
        }
        return out;
    }

    private static float[] logs(List<Sample> samples) {
        float[] y = new float[samples.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) Math.log(Math.max(samples.get(i).ms(), 1e-6));
        }
        return y;
    }

    private static double[] ms(List<Sample> samples) {
        return samples.stream().mapToDouble(Sample::ms).toArray();
    }

    private static double mse(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s / a.length;
    }

    private static double[] exp(float[] logs) {
        double[] out = new double[logs.length];
        for (int i = 0; i < logs.length; i++) {
            out[i] = Math.exp(logs[i]);
        }
        return out;
    }

    /** Log-milliseconds of standardised feature rows (row-major, n rows). */
    private float[] logPredict(float[] rows, int n) {
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray input = scope.create(rows, new Shape(n, features().size()));
            return forward(input).toFloatArray();
        }
    }

    /**
     * The predicted log-milliseconds of standardised feature rows, differentiable in the rows (the
     * weights are frozen). The rows may live on any device; the result lives with them.
     *
     * @param rows an N×F array of {@link Features#encode} rows
     * @return an array of N log-milliseconds
     */
    public NDArray forward(NDArray rows) {
        long n = rows.getShape().get(0);
        return net.forward(store, new NDList(rows), false).singletonOrThrow().reshape(n);
    }

    /**
     * Predicted milliseconds of one unit.
     *
     * @param spec the unit; its widths are written out ({@link Units#canonical}) before encoding
     * @return the predicted latency in milliseconds
     * @throws IllegalArgumentException if the unit's type or a parameter was not in the training data
     */
    public double predict(BlockSpec spec) {
        return predict(List.of(spec))[0];
    }

    /**
     * Predicted milliseconds of units.
     *
     * @param specs the units; their widths are written out ({@link Units#canonical}) before encoding
     * @return the predicted latency of each unit in milliseconds, in order
     * @throws IllegalArgumentException if a unit's type or a parameter was not in the training data
     */
    public double[] predict(List<BlockSpec> specs) {
        if (specs.isEmpty()) {
            return new double[0];
        }
        List<BlockSpec> canonical = specs.stream().map(Units::canonical).toList();
        return exp(logPredict(flat(encode(canonical)), specs.size()));
    }

    /**
     * Predicted milliseconds of a whole network: its units' sum times the per-network scale.
     *
     * @param units the network's timed units ({@link NetworkUnits})
     * @return the predicted latency of the network in milliseconds
     * @throws IllegalArgumentException if a unit's type or a parameter was not in the training data
     */
    public double predictNetwork(List<BlockSpec> units) {
        return networkScale() * unitSum(units);
    }

    /**
     * The sum of a network's predicted unit latencies, unscaled.
     *
     * @param units the network's timed units ({@link NetworkUnits})
     * @return Σ of the units' predicted milliseconds
     * @throws IllegalArgumentException if a unit's type or a parameter was not in the training data
     */
    public double unitSum(List<BlockSpec> units) {
        double sum = 0;
        for (double v : predict(units)) {
            sum += v;
        }
        return sum;
    }

    /**
     * Saves weights and description into a folder, replacing the files there.
     *
     * @param dir the model folder; created if missing
     * @throws IOException if a file cannot be written
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + PARAMS, ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp); DataOutputStream out = new DataOutputStream(os)) {
            net.saveParameters(out);
        }
        Files.move(tmp, dir.resolve(PARAMS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.writeString(dir.resolve(DESCRIPTION), LatencyDataset.JSON.writeValueAsString(description));
    }

    /** Format 1 kept a per-network offset; its weights and features are format 2's, its offset has no scale equivalent. */
    private static ObjectNode fromFormat1(ObjectNode tree, Path json, Path dir) {
        double offset = tree.path("networkOffsetMs").asDouble();
        tree.remove("networkOffsetMs");
        tree.put("networkScale", 1.0);
        tree.put("format", FORMAT);
        LOG.warn("{}: format 1, whose per-network offset ({} ms) this library replaces by a per-network scale: the scale is 1 until "
                + "'rtseg latency networks --model {} --write' calibrates it", json, offset, dir);
        return tree;
    }

    /**
     * Loads a model folder onto the CPU.
     *
     * @param dir a folder written by {@link #save}
     * @return the predictor, weights frozen; the caller closes it
     * @throws IOException if the folder holds no description, its format is neither 1 (read with
     *     scale 1, and a warning) nor {@link #FORMAT}, or the weights cannot be read
     */
    public static LatencyMlp load(Path dir) throws IOException {
        return load(dir, Device.cpu());
    }

    /**
     * Loads a model folder onto a device.
     *
     * @param dir a folder written by {@link #save}
     * @param device where the weights live
     * @return the predictor, weights frozen; the caller closes it
     * @throws IOException if the folder holds no description, its format is neither 1 (read with
     *     scale 1, and a warning) nor {@link #FORMAT}, or the weights cannot be read
     */
    public static LatencyMlp load(Path dir, Device device) throws IOException {
        Path json = dir.resolve(DESCRIPTION);
        if (!Files.isRegularFile(json)) {
            throw new NoSuchFileException(json.toString(), null, "not a latency model (no " + DESCRIPTION
                    + "); fit one with 'rtseg latency fit'");
        }
        ObjectNode tree = (ObjectNode) LatencyDataset.JSON.readTree(json.toFile());
        int format = tree.path("format").asInt();
        if (format == 1) {
            tree = fromFormat1(tree, json, dir);
        } else if (format != FORMAT) {
            throw new IOException(json + ": format " + format + ", this library reads formats 1 and " + FORMAT);
        }
        Description d = LatencyDataset.JSON.treeToValue(tree, Description.class);
        LatencyMlp mlp = create(d, device);
        try (InputStream is = Files.newInputStream(dir.resolve(PARAMS)); DataInputStream in = new DataInputStream(is)) {
            mlp.net.loadParameters(mlp.model.getNDManager(), in);
        } catch (IOException | ai.djl.MalformedModelException | RuntimeException e) {
            mlp.close();
            throw new IOException(dir.resolve(PARAMS) + ": cannot read the weights (" + e.getMessage() + ")", e);
        }
        mlp.net.freezeParameters(true);
        return mlp;
    }

    /**
     * The flat weights, in parameter order, for comparisons.
     *
     * @return a copy of every parameter's values, one array per parameter
     */
    public List<float[]> weights() {
        return snapshot();
    }

    @Override
    public void close() {
        model.close();
    }
}
