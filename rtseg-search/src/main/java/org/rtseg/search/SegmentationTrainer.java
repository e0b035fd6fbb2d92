package org.rtseg.search;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.Progress;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.rtseg.core.ConsoleProgress;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.Tensors;
import org.rtseg.core.supernet.Supernet;
import ai.djl.training.optimizer.Optimizer;
import org.rtseg.core.training.Adam;
import org.rtseg.core.training.DataParallel;
import org.rtseg.core.training.MomentumSgd;
import org.rtseg.core.training.StatefulOptimizer;
import org.rtseg.core.training.PixelCrossEntropy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network in one of the paper's three phases, with checkpoints that resume exactly.
 *
 * <ul>
 *   <li>{@link Phase#PRETRAIN}: the supernet, one uniformly sampled path per mixed block each step;
 *       loss CE + γ·aux.
 *   <li>{@link Phase#SEARCH}: a {@link SearchSpace}; Gumbel-sampled paths at an annealed temperature
 *       and channel masks; loss eq. 12, CE + γ·aux + λ·KD(teacher) + β·|cost − target|².
 *   <li>{@link Phase#FINETUNE}: an extracted subnet; loss CE + γ·aux + λ·KD(teacher).
 * </ul>
 *
 * <p>Weights have PyTorch-form SGD ({@link MomentumSgd}); architecture parameters their own
 * optimiser ({@link Adam} or SGD, {@link TrainingConfig#archOptimizer}). Parameters of paths not
 * taken in a step are not updated, so momentum and weight decay do not move them (PyTorch skips
 * parameters without gradient). A step's randomness — data order, path sampling, Gumbel noise,
 * dropout — derives from (seed, step), and checkpoints hold weights, architecture, BatchNorm
 * statistics, momentum buffers and the step: a resumed run continues exactly as an uninterrupted
 * one. A non-finite loss stops the run and keeps the last good checkpoint. Each step appends a row
 * to {@code metrics.csv} and reports to the run's {@link Progress}; every {@code logEvery} steps a
 * log line gives the terms of eq. 12 the phase has.
 *
 * <p>Given several devices it trains data-parallel ({@link DataParallel}): each step's batch holds
 * {@code batchSize} images per device, every device takes its share, the losses are averaged over
 * the devices and the learning rate follows the step count.
 *
 * <p>Launched on several processes (a {@link Communicator} of several ranks, by default {@link
 * Communicator#world()}: every rank of an {@code mpirun}), it trains as PyTorch's
 * DistributedDataParallel: the ranks check that they run the same recipe and network, start from
 * rank 0's weights (or its checkpoint), each take their own shard of the global batch (the batch
 * source of each rank gives its shard, e.g. {@link DatasetBatches} with the rank), average
 * gradients, architecture parameters' included, in one allreduce per step, and keep rank 0's
 * BatchNorm statistics. Paths, Gumbel noise and masks derive from (seed, step) and so agree on all
 * ranks; dropout differs per replica, as on several devices. Only rank 0 writes metrics, logs and
 * checkpoints, and reports progress; the loss it logs is the mean over the ranks.
 */
public final class SegmentationTrainer {

    /** The phase of the method. */
    public enum Phase {
        /** The supernet, one uniformly sampled path per mixed block each step. */
        PRETRAIN,
        /** Width and block search (eq. 12). */
        SEARCH,
        /** The extracted subnet. */
        FINETUNE
    }

    /**
     * One row of the metrics: the loss of eq. 12 and its parts, raw and as weighted in the loss.
     *
     * @param iteration the step
     * @param loss CE + γ·aux + λ·KD + β·reg
     * @param ce the main head's cross-entropy
     * @param aux Σ of the aux heads' cross-entropies
     * @param kd eq. 10 on the main output
     * @param reg |cost − target|² (0 outside search)
     * @param cost the architecture's cost; NaN where the step has none (pretrain, fine-tune), and an
     *     empty cell in {@code metrics.csv}
     * @param gammaAux γ·aux, the aux term as it enters the loss
     * @param lambdaKd λ·KD
     * @param betaReg β·reg
     * @param lr the weights' learning rate
     * @param tau the Gumbel temperature
     * @param seconds wall time of the step
     * @param communication the part of {@code seconds} spent exchanging with the other ranks,
     *     waiting for the slowest included (0 in one process)
     */
    public record Step(long iteration, double loss, double ce, double aux, double kd, double reg, double cost,
            double gammaAux, double lambdaKd, double betaReg, double lr, double tau, double seconds, double communication) {}

    private static final Logger LOG = LoggerFactory.getLogger(SegmentationTrainer.class);

    /** The progress of a run nobody watches. */
    private static final Progress SILENT = new Progress() {
        @Override
        public void reset(String message, long max, String trailingMessage) {}

        @Override
        public void start(long initialProgress) {}

        @Override
        public void end() {}

        @Override
        public void increment(long increment) {}

        @Override
        public void update(long progress, String message) {}
    };
    /** A checkpoint: its state, the network's parameters, the optimisers' buffers. */
    private static final String[] CHECKPOINT_FILES = {"state.json", "network.params", "momentum.npz"};
    private static final String HEADER = "iteration,loss,ce,aux,kd,reg,cost,gamma_aux,lambda_kd,beta_reg,lr,tau,seconds,communication";

    private final Phase phase;
    private final Block network;
    private final Supernet supernet;
    private final SearchSpace space;
    private final Supernet teacher;
    private final CostModel costModel;
    private final Double target;
    private final TrainingConfig config;
    private final BatchSource batches;
    private final Path workDir;
    private final NDManager manager;
    private final List<Device> devices;
    private final Communicator processes;
    private final Progress progress;
    private DataParallel replicas;
    private final Map<String, Parameter> weights = new LinkedHashMap<>();
    private final Map<String, Parameter> architecture = new LinkedHashMap<>();
    /** Parameters training changes without gradients (BatchNorm statistics): rank 0's are kept. */
    private final List<Parameter> statistics = new ArrayList<>();
    private final Map<Parameter, Set<MixedBlock.Candidate>> pathOf = new IdentityHashMap<>();
    private final MomentumSgd weightOptimizer;
    private final Optimizer archOptimizer;
    private final OhemCrossEntropy ohem;
    /** The weights, then the architecture parameters: the order of the gradients in each step's allreduce. */
    private final List<Parameter> trainable = new ArrayList<>();
    private double currentLr;

    private SegmentationTrainer(Builder b) {
        phase = b.phase;
        network = b.space != null ? b.space : b.supernet;
        supernet = b.supernet;
        space = b.space;
        teacher = b.teacher;
        costModel = b.costModel;
        target = b.target;
        config = b.config;
        batches = b.batches;
        workDir = b.workDir;
        manager = b.manager;
        devices = b.devices == null ? List.of(manager.getDevice()) : List.copyOf(b.devices);
        processes = b.processes == null ? Communicator.world() : b.processes;
        progress = b.progress == null || !processes.isRoot() ? SILENT : b.progress;
        ohem = config.ohem() ? new OhemCrossEntropy(config.ohemThreshold()) : null;
        Set<Parameter> arch = Collections.newSetFromMap(new IdentityHashMap<>());
        if (space != null) {
            arch.addAll(space.architectureParameters());
        }
        for (Pair<String, Parameter> p : network.getParameters()) {
            if (p.getValue().requiresGradient()) {
                (arch.contains(p.getValue()) ? architecture : weights).put(p.getKey(), p.getValue());
            } else {
                statistics.add(p.getValue());
            }
        }
        trainable.addAll(weights.values());
        trainable.addAll(architecture.values());
        for (MixedBlock block : supernet.mixedBlocks()) {
            for (MixedBlock.Candidate c : block.candidates()) {
                for (Pair<String, Parameter> p : c.block().getParameters()) {
                    pathOf.computeIfAbsent(p.getValue(), k -> Collections.newSetFromMap(new IdentityHashMap<>())).add(c);
                }
            }
        }
        // As the reference BiSeNetV2 recipe: no weight decay on biases and norm scales/shifts (1-D parameters).
        weightOptimizer = MomentumSgd.builder().learningRate((id, n) -> (float) currentLr)
                .momentum((float) config.momentum()).weightDecay((float) config.weightDecay())
                .decayOnly(name -> weights.get(name).getArray().getShape().dimension() > 1).build();
        archOptimizer = "adam".equals(config.archOptimizer())
                ? Adam.builder().learningRate((id, n) -> (float) config.archLearningRate()).build()
                : MomentumSgd.builder().learningRate((id, n) -> (float) config.archLearningRate())
                        .momentum((float) config.archMomentum()).build();
        if (phase == Phase.SEARCH && (space == null || (target != null && costModel == null))) {
            throw new IllegalArgumentException("a search needs a SearchSpace, and a cost model when it has a target");
        }
    }

    /**
     * A builder; phase, network, config, batches, work dir and manager are required.
     *
     * @return a new builder with nothing set but the console progress bar
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Trains from the start, or from the last checkpoint when {@code resume} is set and there is one.
     *
     * @param resume continue from {@code workDir/checkpoints/latest}
     * @param stopAfter stop after this iteration (exclusive), e.g. to split a run; {@code
     *     config.iterations()} for the whole run
     * @return the rows of the steps this call ran
     * @throws IOException when the checkpoint to resume from is of another phase or does not fit the
     *     network, or {@code metrics.csv} or a checkpoint cannot be read or written
     * @throws IllegalStateException when the loss becomes non-finite; the last good checkpoint is kept
     */
    public List<Step> run(boolean resume, long stopAfter) throws IOException {
        processes.requireSame("training run", description());
        long start = resume ? restore() : 0;
        Path metrics = workDir.resolve("metrics.csv");
        boolean root = processes.isRoot();
        if (root) {
            truncateMetrics(metrics, start);
        }
        List<Step> rows = new ArrayList<>();
        long end = Math.min(stopAfter, config.iterations());
        progress.reset(phase.name().toLowerCase(Locale.ROOT), config.iterations());
        progress.start(start);
        try (DataParallel dp = new DataParallel(manager, devices, processes)) {
            replicas = dp;
            dp.synchronize(allParameters());
            for (long i = start; i < end; i++) {
                Step row = step(i);
                rows.add(row);
                if (root) {
                    Files.writeString(metrics, csv(row) + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
                }
                progress.increment(1);
                if (root && ((i + 1) % config.logEvery() == 0 || i + 1 == end)) {
                    LOG.info(logLine(row));
                }
                if (root && ((i + 1) % config.checkpointEvery() == 0 || i + 1 == end)) {
                    checkpoint(i + 1);
                }
            }
            // Training-mode BatchNorm reads batch statistics, not running ones: rank 0's reach the
            // others once, at the end, rather than every step as DDP's broadcast_buffers does.
            dp.synchronize(statistics);
            if (root && processes.size() > 1 && !rows.isEmpty()) {
                double seconds = rows.stream().mapToDouble(Step::seconds).sum();
                double exchanging = rows.stream().mapToDouble(Step::communication).sum();
                LOG.info(String.format(Locale.ROOT, "%s on %d ranks: communication %.2f s of %.2f s (%.1f %%)", phase, processes.size(),
                        exchanging, seconds, 100 * exchanging / seconds));
            }
        } finally {
            replicas = null;
        }
        progress.end();
        return rows;
    }

    /** What every rank must agree on: the phase, the recipe, the network's parameters and the devices per process. */
    private String description() {
        StringBuilder d = new StringBuilder(phase.name()).append('\n').append(config.toJson()).append('\n').append(devices.size());
        for (Pair<String, Parameter> p : network.getParameters()) {
            d.append('\n').append(p.getKey()).append(' ').append(p.getValue().getArray().getShape());
        }
        return d.toString();
    }

    private List<Parameter> allParameters() {
        List<Parameter> all = new ArrayList<>();
        network.getParameters().forEach(p -> all.add(p.getValue()));
        return all;
    }

    private Step step(long iteration) {
        long t0 = System.nanoTime();
        double exchanged = replicas.communicationSeconds();
        Engine engine = manager.getEngine();
        engine.setRandomSeed((int) (config.seed() * 1_000_003 + iteration));
        currentLr = config.learningRateAt(iteration);
        float tau = config.temperatureAt(iteration);
        if (phase == Phase.PRETRAIN) {
            samplePaths(iteration);
        } else if (phase == Phase.SEARCH) {
            space.sample(iteration + config.seed() * 1_000_003L, tau);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDList batch = batches.batch(scope, iteration);
            int k = replicas.size();
            ParameterStore[] stores = new ParameterStore[k];
            NDArray[] xs = new NDArray[k];
            NDArray[] ys = new NDArray[k];
            NDList[] taught = new NDList[k];
            for (int r = 0; r < k; r++) {
                stores[r] = replicas.store(scope, r);
                xs[r] = replicas.shard(batch.get(0), r);
                ys[r] = replicas.shard(batch.get(1), r);
                taught[r] = teacher == null || config.lambda() == 0 ? null : teacher.logits(stores[r], xs[r], false, false);
            }
            double[] terms;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray[] parts = null;
                for (int r = 0; r < k; r++) {
                    int replica = processes.rank() * k + r;
                    if (replica > 0) {
                        // Each replica's dropout draws its own numbers, the same on one process or several.
                        engine.setRandomSeed((int) (config.seed() * 1_000_003 + iteration) + replica * 0x61C88647);
                    }
                    NDArray[] shard = shardLosses(stores[r], xs[r], ys[r], taught[r]);
                    if (parts == null) {
                        parts = shard;
                    } else {
                        for (int i = 0; i < parts.length; i++) {
                            parts[i] = parts[i].add(shard[i].toDevice(parts[i].getDevice(), false));
                        }
                    }
                }
                if (k > 1) {
                    for (int i = 0; i < parts.length; i++) {
                        parts[i] = parts[i].mul(Tensors.scalar(parts[i], 1.0 / k));
                    }
                }
                NDArray ce = parts[0];
                NDArray aux = parts[1];
                NDArray kd = parts[2];
                NDArray gammaAux = aux.mul(Tensors.scalar(ce, config.gamma()));
                NDArray lambdaKd = kd.mul(Tensors.scalar(ce, config.lambda()));
                NDArray reg = ce.zerosLike();
                NDArray cost = null;
                if (phase == Phase.SEARCH && costModel != null) {
                    cost = costModel.cost(space, stores[0]);
                    if (target != null) {
                        reg = cost.sub(Tensors.scalar(cost, target)).square();
                    }
                }
                NDArray betaReg = reg.mul(Tensors.scalar(ce, config.beta()));
                NDArray loss = ce.add(gammaAux).add(lambdaKd).add(betaReg);
                terms = new double[] {loss.getFloat(), ce.getFloat(), aux.getFloat(), kd.getFloat(), reg.getFloat(),
                    cost == null ? Double.NaN : cost.getFloat(), gammaAux.getFloat(), lambdaKd.getFloat(), betaReg.getFloat()};
                if (Double.isFinite(terms[0])) {
                    gc.backward(loss);
                }
            }
            // One allreduce: the gradients and the loss terms, so that every rank sees the same loss.
            terms = replicas.reduceGradients(trainable, terms);
            if (!Double.isFinite(terms[0])) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the loss became %s at iteration %d (ce %s, aux %s, kd %s, reg %s); the last good checkpoint is in %s; "
                                + "lower the learning rate (%.5f now) and resume", terms[0], iteration, terms[1], terms[2],
                        terms[3], terms[4], workDir.resolve("checkpoints/latest"), currentLr));
            }
            update();
            return new Step(iteration, terms[0], terms[1], terms[2], terms[3], terms[4], terms[5], terms[6], terms[7], terms[8],
                    currentLr, tau, (System.nanoTime() - t0) / 1e9, replicas.communicationSeconds() - exchanged);
        }
    }

    /** CE, Σ aux CE and KD of the main output, of one shard, on the shard's device. */
    private NDArray[] shardLosses(ParameterStore ps, NDArray x, NDArray y, NDList taught) {
        NDList out = network.forward(ps, new NDList(x), true);
        NDArray ce = crossEntropy(out.get(0), y);
        NDArray aux = ce.zerosLike();
        for (int k = 1; k < out.size(); k++) {
            aux = aux.add(crossEntropy(out.get(k), y));
        }
        // Eq. 10 distils the prediction q, the main output; the aux heads have their own losses (γ).
        NDArray kd = taught == null ? ce.zerosLike() : SelfDistillationLoss.of(out.get(0), taught.get(0), config.distillationReduction());
        return new NDArray[] {ce, aux, kd};
    }

    private NDArray crossEntropy(NDArray logits, NDArray labels) {
        return ohem != null ? ohem.of(logits, labels) : PixelCrossEntropy.of(logits, labels);
    }

    /** Pretraining samples every path uniformly so that each is trained (single-path one-shot). */
    private void samplePaths(long iteration) {
        SplittableRandom random = new SplittableRandom(config.seed() * 1_000_003L + iteration);
        for (MixedBlock block : supernet.mixedBlocks()) {
            block.choose(random.nextInt(block.candidates().size()));
        }
    }

    private void update() {
        weights.forEach((name, p) -> {
            if (onChosenPath(p)) {
                step(weightOptimizer, name, p);
            } else {
                clearGradient(p);
            }
        });
        architecture.forEach((name, p) -> step(archOptimizer, name, p));
        if (space != null) {
            space.masks().forEach(ChannelMask::clamp);
        }
        replicas.broadcast();
    }

    private static void step(Optimizer optimizer, String name, Parameter p) {
        // getGradient() returns a new handle in the model's manager each time: close it.
        try (NDArray grad = p.getArray().getGradient()) {
            optimizer.update(name, p.getArray(), grad);
        }
    }

    private boolean onChosenPath(Parameter p) {
        Set<MixedBlock.Candidate> paths = pathOf.get(p);
        return paths == null || paths.stream().anyMatch(c -> supernetChose(c));
    }

    private boolean supernetChose(MixedBlock.Candidate c) {
        for (MixedBlock block : supernet.mixedBlocks()) {
            if (block.chosen() == c) {
                return true;
            }
        }
        return false;
    }

    private static void clearGradient(Parameter p) {
        try (NDArray g = p.getArray().getGradient()) {
            g.subi(g);
        }
    }

    // ---- checkpoints ----

    private Path checkpointDir() {
        return workDir.resolve("checkpoints").resolve("latest");
    }

    /** Writes weights, architecture, momentum buffers and the step; replaces the previous one whole. */
    private void checkpoint(long iteration) throws IOException {
        Path dir = checkpointDir();
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), ".latest.");
        AtomicFiles.write(tmp.resolve(CHECKPOINT_FILES[1]), out -> network.saveParameters(new DataOutputStream(out)));
        NDList buffers = new NDList();
        weightOptimizer.state().forEach((k, v) -> buffers.add(named(v, "w:" + k)));
        ((StatefulOptimizer) archOptimizer).state().forEach((k, v) -> buffers.add(named(v, "a:" + k)));
        AtomicFiles.write(tmp.resolve(CHECKPOINT_FILES[2]), out -> buffers.encode(out, NDList.Encoding.NPZ));
        buffers.close();
        ObjectMapper json = new ObjectMapper();
        ObjectNode state = json.createObjectNode();
        state.put("phase", phase.name());
        state.put("iteration", iteration);
        state.set("training", json.readTree(config.toJson()));
        AtomicFiles.writeString(tmp.resolve(CHECKPOINT_FILES[0]), json.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        Path old = dir.resolveSibling(".previous");
        deleteTree(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    private static NDArray named(NDArray a, String name) {
        NDArray copy = a.duplicate();
        copy.setName(name);
        return copy;
    }

    /**
     * Loads the last checkpoint, as rank 0 reads it, on every rank; returns the step to continue from
     * (0 when there is none).
     */
    private long restore() throws IOException {
        Path dir = checkpointDir();
        byte[][] files = checkpointFiles(dir);
        if (files == null) {
            LOG.info("no checkpoint in {}: starting from the beginning", dir);
            return 0;
        }
        ObjectNode state = (ObjectNode) new ObjectMapper().readTree(files[0]);
        if (!phase.name().equals(state.get("phase").asText())) {
            throw new IOException(dir + " holds a " + state.get("phase").asText() + " checkpoint, not " + phase
                    + "; use another work dir");
        }
        try (InputStream in = new ByteArrayInputStream(files[1])) {
            network.loadParameters(manager, new DataInputStream(in));
        } catch (MalformedModelException e) {
            throw new IOException(dir.resolve(CHECKPOINT_FILES[1]) + " does not fit this network: " + e.getMessage(), e);
        }
        ModelDirectory.trainable(network);
        Map<String, NDArray> w = new LinkedHashMap<>();
        Map<String, NDArray> a = new LinkedHashMap<>();
        NDList buffers;
        try {
            buffers = NDList.decode(manager, files[2]);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException(dir.resolve(CHECKPOINT_FILES[2]) + " is not a readable .npz (" + e.getMessage()
                    + "); delete the checkpoint to start over", e);
        }
        for (NDArray buf : buffers) {
            String name = buf.getName();
            (name.startsWith("w:") ? w : a).put(name.substring(2), buf);
        }
        weightOptimizer.restore(w);
        ((StatefulOptimizer) archOptimizer).restore(a);
        long iteration = state.get("iteration").asLong();
        LOG.info("resuming {} from iteration {} ({})", phase, iteration, dir);
        return iteration;
    }

    /** The checkpoint's files as rank 0 reads them, on every rank; null when rank 0 has no checkpoint. */
    private byte[][] checkpointFiles(Path dir) throws IOException {
        boolean root = processes.isRoot();
        byte[] present = processes.broadcast(new byte[] {(byte) (root && Files.exists(dir.resolve(CHECKPOINT_FILES[0])) ? 1 : 0)});
        if (present[0] == 0) {
            return null;
        }
        byte[][] files = new byte[CHECKPOINT_FILES.length][];
        for (int i = 0; i < files.length; i++) {
            files[i] = processes.broadcast(root ? Files.readAllBytes(dir.resolve(CHECKPOINT_FILES[i])) : null);
        }
        return files;
    }

    private static void truncateMetrics(Path metrics, long keepBelow) throws IOException {
        List<String> kept = new ArrayList<>();
        kept.add(HEADER);
        if (Files.exists(metrics) && keepBelow > 0) {
            for (String line : Files.readAllLines(metrics)) {
                if (!line.equals(HEADER) && Long.parseLong(line.substring(0, line.indexOf(','))) < keepBelow) {
                    kept.add(line);
                }
            }
        }
        AtomicFiles.writeString(metrics, String.join("\n", kept) + "\n");
    }

    /** A metrics row; a step without a cost leaves its cell empty. */
    private static String csv(Step s) {
        String cost = Double.isNaN(s.cost()) ? "" : String.format(Locale.ROOT, "%.6f", s.cost());
        return String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%s,%.6f,%.6f,%.6f,%.8f,%.5f,%.4f,%.4f", s.iteration(), s.loss(),
                s.ce(), s.aux(), s.kd(), s.reg(), cost, s.gammaAux(), s.lambdaKd(), s.betaReg(), s.lr(), s.tau(), s.seconds(),
                s.communication());
    }

    /** The log line of a step: the weighted terms of eq. 12, and the cost and temperature where the phase has them. */
    private String logLine(Step row) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %d/%d loss %.4f = ce %.4f + γ·aux %.4f + λ·kd %.4f",
                phase, row.iteration() + 1, config.iterations(), row.loss(), row.ce(), row.gammaAux(), row.lambdaKd()));
        if (phase == Phase.SEARCH) {
            line.append(String.format(Locale.ROOT, " + β·reg %.4f", row.betaReg()));
            if (costModel != null) {
                line.append(String.format(Locale.ROOT, "; cost %.4f %s", row.cost(), costModel.unit()));
            }
            if (target != null) {
                line.append(String.format(Locale.ROOT, " (target %.4f)", target));
            }
            line.append(String.format(Locale.ROOT, "; tau %.3f", row.tau()));
        }
        return line.append(String.format(Locale.ROOT, "; lr %.5f", row.lr())).toString();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Builder; phase, supernet, config, batches, work dir and manager are required. */
    public static final class Builder {
        private Phase phase;
        private Supernet supernet;
        private SearchSpace space;
        private Supernet teacher;
        private CostModel costModel;
        private Double target;
        private TrainingConfig config;
        private BatchSource batches;
        private Path workDir;
        private NDManager manager;
        private List<Device> devices;
        private Communicator processes;
        private Progress progress = new ConsoleProgress();

        /**
         * The phase to train.
         *
         * @param phase pretrain, search or fine-tune; required
         * @return this builder
         */
        public Builder phase(Phase phase) {
            this.phase = phase;
            return this;
        }

        /**
         * The network trained (pretrain, fine-tune) or searched (the space's supernet).
         *
         * @param supernet the network, initialised; for a search, set {@link #searchSpace} instead
         * @return this builder
         */
        public Builder supernet(Supernet supernet) {
            this.supernet = supernet;
            return this;
        }

        /**
         * The search space (search phase).
         *
         * @param space the search space, which also sets the supernet to its own; not null
         * @return this builder
         */
        public Builder searchSpace(SearchSpace space) {
            this.space = space;
            this.supernet = space.supernet();
            return this;
        }

        /**
         * The pretrained supernet distilled from (eval mode), or null for none.
         *
         * @param teacher the teacher network, e.g. the one {@link SupernetTeacher} builds, or null for no
         *     distillation
         * @return this builder
         */
        public Builder teacher(Supernet teacher) {
            this.teacher = teacher;
            return this;
        }

        /**
         * The cost regulariser and its target, in the model's unit.
         *
         * @param model the cost model, evaluated each search step; required when {@code target} is set
         * @param target the target cost in {@link CostModel#unit()}, or null to log the cost without
         *     regularising it
         * @return this builder
         */
        public Builder cost(CostModel model, Double target) {
            this.costModel = model;
            this.target = target;
            return this;
        }

        /**
         * The recipe.
         *
         * @param config the training recipe of the phase; required
         * @return this builder
         */
        public Builder config(TrainingConfig config) {
            this.config = config;
            return this;
        }

        /**
         * The training batches.
         *
         * @param batches the batch of each iteration; required
         * @return this builder
         */
        public Builder batches(BatchSource batches) {
            this.batches = batches;
            return this;
        }

        /**
         * Where checkpoints and {@code metrics.csv} go (created when missing).
         *
         * @param workDir the run's folder; required
         * @return this builder
         */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /**
         * The manager of the model's parameters (steps open sub-managers of it).
         *
         * @param manager the model's manager; its device is the default training device; required
         * @return this builder
         */
        public Builder manager(NDManager manager) {
            this.manager = manager;
            return this;
        }

        /**
         * Trains data-parallel over these devices, the model's first (default: the model's device
         * alone); the batch source must give {@code batchSize} images per device.
         *
         * @param devices the devices, the model's first; null for the model's device alone
         * @return this builder
         */
        public Builder devices(List<Device> devices) {
            this.devices = devices;
            return this;
        }

        /**
         * The ranks training together (default: {@link Communicator#world()}, every rank of an
         * {@code mpirun}, or this process alone); the batch source must give this rank's shard.
         *
         * @param processes the communicator of the run's processes, or null for the default
         * @return this builder
         */
        public Builder processes(Communicator processes) {
            this.processes = processes;
            return this;
        }

        /**
         * Where a run reports its steps (default: a {@link ConsoleProgress} bar on standard error),
         * or null for nowhere.
         *
         * @param progress the progress to report to, or null for none
         * @return this builder
         */
        public Builder progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        /**
         * The trainer; creates the work dir.
         *
         * @return the trainer, ready to {@link SegmentationTrainer#run run}
         * @throws IllegalArgumentException when a required setting is missing, or a search lacks its
         *     search space, or a cost model while it has a target
         * @throws IOException when the work dir cannot be created
         */
        public SegmentationTrainer build() throws IOException {
            if (phase == null || supernet == null || config == null || batches == null || workDir == null || manager == null) {
                throw new IllegalArgumentException("phase, network, config, batches, workDir and manager are required");
            }
            Files.createDirectories(workDir);
            return new SegmentationTrainer(this);
        }
    }
}
