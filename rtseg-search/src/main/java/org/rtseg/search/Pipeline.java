package org.rtseg.search;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;

/**
 * The steps of the method — pretrain the supernet, build the distillation teacher, search under a
 * cost target, extract the subnet, fine-tune it with the boosters — each training in its own work
 * dir (checkpoints, {@code metrics.csv}) and leaving its result in a model directory the next step
 * reads. A whole run is a short program (docs/library.md):
 *
 * <pre>{@code
 * Pipeline.pretrain(config, training, batches, work.resolve("pretrain"), devices, false);
 * Pipeline.teacher(work.resolve("pretrain/model"), batches, 200, work.resolve("teacher"), device);
 * Pipeline.search(work.resolve("pretrain/model"), work.resolve("teacher"), space -> new MacCost(space, input),
 *         target, training, batches, work.resolve("search"), devices, false);
 * Pipeline.extract(work.resolve("search/search"), work.resolve("subnet"), device);
 * Pipeline.finetune(work.resolve("subnet"), work.resolve("teacher"), training, batches, work.resolve("finetune"), devices, false);
 * }</pre>
 *
 * Every step can resume from its checkpoints ({@code resume}), and {@link #done} tells whether a
 * step already left its result.
 *
 * <p>Under {@code mpirun} the same program trains on every rank ({@link Communicator#world()}; each
 * rank's {@code batches} give its shard, e.g. {@link DatasetBatches} with the rank): the training
 * steps run on all ranks, rank 0 alone writes each result and builds the teacher while the others
 * wait, and every rank reads the results it needs next, so the work dir must be on a file system
 * the ranks share (the same folder on one machine; NFS, Lustre, … across machines).
 */
public final class Pipeline {

    /** Makes the cost model of a search space (e.g. {@code space -> new MacCost(space, input)}). */
    @FunctionalInterface
    public interface CostFactory {
        /**
         * The cost model of eq. 8–9 over a search space.
         *
         * @param space the search space, initialised
         * @return its cost model; closed after the search when it is {@link AutoCloseable}
         * @throws IOException when the model reads files (e.g. a latency predictor)
         */
        CostModel create(SearchSpace space) throws IOException;
    }

    /**
     * The outcome of a search.
     *
     * @param steps the steps run
     * @param expected the cost model at the end of the search (paths weighted by softmax α)
     * @param projection the decided architecture's cost before and after landing it on the target
     * @param unit the cost's unit
     */
    public record SearchResult(List<SegmentationTrainer.Step> steps, double expected, TargetProjection.Result projection, String unit) {
        /**
         * The cost of the architecture the search leaves.
         *
         * @return the decided, landed architecture's cost, in {@link #unit()}
         */
        public double cost() {
            return projection.projected();
        }
    }

    private Pipeline() {}

    /**
     * Pretrains a supernet (every mixed block samples its path each step) into {@code work/model},
     * data-parallel over {@code devices}; its initial weights come from the recipe's seed.
     *
     * @param network the supernet
     * @param training the phase's settings (iterations, lr, boosters' γ)
     * @param batches the training batches
     * @param work the phase's work dir
     * @param devices where to train; the model lives on the first
     * @param resume continue from the work dir's last checkpoint
     * @return the steps run
     * @throws IOException when the work dir cannot be written
     */
    public static List<SegmentationTrainer.Step> pretrain(SupernetConfig network, TrainingConfig training, BatchSource batches,
            Path work, List<Device> devices, boolean resume) throws IOException {
        try (Model model = ModelDirectory.create(network, devices.get(0), training.seed())) {
            List<SegmentationTrainer.Step> steps = trainer(SegmentationTrainer.Phase.PRETRAIN, model, null, training, batches, work, devices)
                    .run(resume, training.iterations());
            Communicator.world().onRoot(() -> ModelDirectory.save(model, work.resolve("model")));
            return steps;
        }
    }

    /**
     * Builds the self-distillation teacher of a pretrained supernet into {@code out} ({@link
     * SupernetTeacher}: the supernet with averaged paths and re-estimated BatchNorm statistics).
     *
     * @param supernetDir the pretrained supernet's model directory
     * @param batches batches for the BatchNorm statistics
     * @param calibrationBatches how many
     * @param out the teacher's model directory
     * @param device where to run
     * @throws IOException when a directory cannot be read or written
     */
    public static void teacher(Path supernetDir, BatchSource batches, int calibrationBatches, Path out, Device device) throws IOException {
        Communicator.world().onRoot(() -> {
            try (Model supernet = load(supernetDir, "--supernet", device);
                    Model teacher = SupernetTeacher.build(supernet, batches, calibrationBatches)) {
                ModelDirectory.save(teacher, out);
            }
        });
    }

    /**
     * Fine-tunes a model into {@code work/model} with the boosters: aux losses and, when a teacher is
     * given, self-distillation (eq. 10–12).
     *
     * @param modelDir the model to fine-tune (an extracted subnet)
     * @param teacher the teacher's model directory, or null for no distillation
     * @param training the phase's settings
     * @param batches the training batches
     * @param work the phase's work dir
     * @param devices where to train; the model lives on the first
     * @param resume continue from the work dir's last checkpoint
     * @return the steps run
     * @throws IOException when a directory cannot be read or written
     */
    public static List<SegmentationTrainer.Step> finetune(Path modelDir, Path teacher, TrainingConfig training, BatchSource batches,
            Path work, List<Device> devices, boolean resume) throws IOException {
        try (Model model = load(modelDir, "--model", devices.get(0));
                Model distil = teacher == null ? null : load(teacher, "--teacher", devices.get(0))) {
            List<SegmentationTrainer.Step> steps = trainer(SegmentationTrainer.Phase.FINETUNE, model,
                    distil == null ? null : ModelDirectory.network(distil), training, batches, work, devices)
                    .run(resume, training.iterations());
            Communicator.world().onRoot(() -> ModelDirectory.save(model, work.resolve("model")));
            return steps;
        }
    }

    /**
     * Searches a pretrained supernet under a cost target, distilling from {@code teacherDir}; the
     * decided architecture is landed on the target ({@link TargetProjection}) and the state goes to
     * {@code work/search}.
     *
     * @param supernetDir the pretrained supernet's model directory
     * @param teacherDir the teacher's model directory ({@link #teacher})
     * @param costs makes the cost model of the search space
     * @param target the cost target, in the cost model's unit
     * @param training the phase's settings (β, γ, λ, the architecture's optimiser)
     * @param batches the training batches
     * @param work the phase's work dir
     * @param devices where to train; the model lives on the first
     * @param resume continue from the work dir's last checkpoint
     * @return the steps and the costs: expected at the end, decided, landed
     * @throws Exception when a directory cannot be read or written, or the cost model fails to close
     */
    public static SearchResult search(Path supernetDir, Path teacherDir, CostFactory costs, double target, TrainingConfig training,
            BatchSource batches, Path work, List<Device> devices, boolean resume) throws Exception {
        Device device = devices.get(0);
        try (Model model = load(supernetDir, "--supernet", device); Model teacher = load(teacherDir, "--teacher", device)) {
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), training.seed());
            space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 64, 64));
            CostModel cost = costs.create(space);
            try {
                List<SegmentationTrainer.Step> steps = SegmentationTrainer.builder()
                        .phase(SegmentationTrainer.Phase.SEARCH)
                        .searchSpace(space)
                        .teacher(ModelDirectory.network(teacher))
                        .cost(cost, target)
                        .config(training)
                        .batches(batches)
                        .workDir(work)
                        .manager(model.getNDManager())
                        .devices(devices)
                        .build()
                        .run(resume, training.iterations());
                double expected;
                try (NDManager scope = model.getNDManager().newSubManager()) {
                    expected = cost.cost(space, new ParameterStore(scope, false)).getFloat();
                }
                TargetProjection.Result projection = TargetProjection.project(space, cost, target, model.getNDManager());
                Communicator.world().onRoot(() -> SearchState.save(space, work.resolve("search")));
                return new SearchResult(steps, expected, projection, cost.unit());
            } finally {
                if (cost instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        }
    }

    /**
     * Extracts the subnet of a search state (argmax paths, binarised masks; eq. 5) into a model
     * directory.
     *
     * @param searchState the search's state ({@code work/search} of {@link #search})
     * @param out the subnet's model directory
     * @param device where to run
     * @return the subnet's config
     * @throws IOException when a directory cannot be read or written
     */
    public static SupernetConfig extract(Path searchState, Path out, Device device) throws IOException {
        try (Model state = SearchState.load(searchState, device, 0)) {
            SearchSpace space = (SearchSpace) state.getBlock();
            space.decide();
            try (Model subnet = new SubnetExtractor(space).extract(device)) {
                Communicator.world().onRoot(() -> ModelDirectory.save(subnet, out));
                return ModelDirectory.network(subnet).config();
            }
        }
    }

    /**
     * Whether a step already left its result (resuming a pipeline skips it).
     *
     * @param result the step's result directory
     * @return whether it holds a model
     */
    public static boolean done(Path result) {
        return Files.exists(result.resolve(ModelDirectory.CONFIG));
    }

    private static SegmentationTrainer trainer(SegmentationTrainer.Phase phase, Model model,
            org.rtseg.core.supernet.Supernet teacher, TrainingConfig training, BatchSource batches, Path work, List<Device> devices)
            throws IOException {
        return SegmentationTrainer.builder()
                .phase(phase)
                .supernet(ModelDirectory.network(model))
                .teacher(teacher)
                .config(training)
                .batches(batches)
                .workDir(work)
                .manager(model.getNDManager())
                .devices(devices)
                .build();
    }

    /**
     * Loads a model directory, naming its role on failure.
     *
     * @param dir the model directory
     * @param role what it is to the caller (e.g. an option, {@code --teacher}), for the message
     * @param device where to load it
     * @return the model
     * @throws IOException naming role and directory when it cannot be read
     */
    public static Model load(Path dir, String role, Device device) throws IOException {
        try {
            return ModelDirectory.load(dir, device);
        } catch (IOException e) {
            throw new IOException(role + " " + dir + ": " + e.getMessage(), e);
        }
    }
}
