package org.rtseg.examples;

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
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.search.BatchSource;
import org.rtseg.search.CostModel;
import org.rtseg.search.SearchSpace;
import org.rtseg.search.SearchState;
import org.rtseg.search.SegmentationTrainer;
import org.rtseg.search.SubnetExtractor;
import org.rtseg.search.SupernetTeacher;
import org.rtseg.search.TargetProjection;
import org.rtseg.search.TrainingConfig;

/**
 * The phases of the method as the commands run them: each trains in its own work dir (checkpoints,
 * metrics) and leaves its result in a folder the next phase reads.
 */
final class Pipeline {

    /** Makes the cost model of a search space. */
    @FunctionalInterface
    interface CostFactory {
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
    record SearchResult(List<SegmentationTrainer.Step> steps, double expected, TargetProjection.Result projection, String unit) {
        /** The cost of the architecture the search leaves. */
        double cost() {
            return projection.projected();
        }
    }

    private Pipeline() {}

    /**
     * Pretrains a supernet into {@code work/model}, data-parallel over {@code devices} (the model
     * lives on the first); its initial weights come from the recipe's seed.
     */
    static List<SegmentationTrainer.Step> pretrain(SupernetConfig network, TrainingConfig training, BatchSource batches,
            Path work, List<Device> devices, boolean resume) throws IOException {
        try (Model model = ModelDirectory.create(network, devices.get(0), training.seed())) {
            List<SegmentationTrainer.Step> steps = trainer(SegmentationTrainer.Phase.PRETRAIN, model, null, training, batches, work, devices)
                    .run(resume, training.iterations());
            ModelDirectory.save(model, work.resolve("model"));
            return steps;
        }
    }

    /**
     * Builds the self-distillation teacher of a pretrained supernet into {@code out} ({@link
     * SupernetTeacher}: the supernet with averaged paths and re-estimated BatchNorm statistics).
     */
    static void teacher(Path supernetDir, BatchSource batches, int calibrationBatches, Path out, Device device) throws IOException {
        try (Model supernet = load(supernetDir, "--supernet", device);
                Model teacher = SupernetTeacher.build(supernet, batches, calibrationBatches)) {
            ModelDirectory.save(teacher, out);
        }
    }

    /** Fine-tunes a model into {@code work/model}, distilling from {@code teacher} when given. */
    static List<SegmentationTrainer.Step> finetune(Path modelDir, Path teacher, TrainingConfig training, BatchSource batches,
            Path work, List<Device> devices, boolean resume) throws IOException {
        try (Model model = load(modelDir, "--model", devices.get(0));
                Model distil = teacher == null ? null : load(teacher, "--teacher", devices.get(0))) {
            List<SegmentationTrainer.Step> steps = trainer(SegmentationTrainer.Phase.FINETUNE, model,
                    distil == null ? null : ModelDirectory.network(distil), training, batches, work, devices)
                    .run(resume, training.iterations());
            ModelDirectory.save(model, work.resolve("model"));
            return steps;
        }
    }

    /**
     * Searches a pretrained supernet under a cost target, distilling from {@code teacherDir}; the
     * decided architecture is landed on the target ({@link TargetProjection}) and the state goes to
     * {@code work/search}.
     */
    static SearchResult search(Path supernetDir, Path teacherDir, CostFactory costs, double target, TrainingConfig training,
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
                SearchState.save(space, work.resolve("search"));
                return new SearchResult(steps, expected, projection, cost.unit());
            } finally {
                if (cost instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        }
    }

    /** Extracts the subnet of a search state into a model directory; returns its config. */
    static SupernetConfig extract(Path searchState, Path out, Device device) throws IOException {
        try (Model state = SearchState.load(searchState, device, 0)) {
            SearchSpace space = (SearchSpace) state.getBlock();
            space.decide();
            try (Model subnet = new SubnetExtractor(space).extract(device)) {
                ModelDirectory.save(subnet, out);
                return ModelDirectory.network(subnet).config();
            }
        }
    }

    /** Whether a phase already left its result (resuming a pipeline skips it). */
    static boolean done(Path result) {
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

    /** Loads a model directory, naming the option on failure. */
    static Model load(Path dir, String option, Device device) throws IOException {
        try {
            return ModelDirectory.load(dir, device);
        } catch (IOException e) {
            throw new IOException(option + " " + dir + ": " + e.getMessage(), e);
        }
    }
}
