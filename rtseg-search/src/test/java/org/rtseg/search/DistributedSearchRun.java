package org.rtseg.search;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.dataset.Record;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.rtseg.core.Engines;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.io.ModelDirectory;

/**
 * A few search steps of a tiny space on band scenes, as one rank of {@code mpirun} runs them
 * ({@link #main}) or as a single process with several replicas does ({@link #run}); the search's
 * parameters go to {@code <out>/rank-<r>.npz}. Used by {@link DistributedTrainingTest}.
 */
public final class DistributedSearchRun {

    static final int CLASSES = 4;
    static final int PER_DEVICE = 2;

    private DistributedSearchRun() {}

    /**
     * {@code <work> <out> <iterations> <stopAfter> <resume> <devices per rank> [<rank that dies> <step>]}.
     *
     * @param args see above
     */
    public static void main(String[] args) {
        Communicator world = Communicator.world();
        try {
            int dies = args.length > 6 ? Integer.parseInt(args[6]) : -1;
            long diesAt = args.length > 7 ? Long.parseLong(args[7]) : -1;
            run(Path.of(args[0]), Path.of(args[1]), world, Integer.parseInt(args[2]), Long.parseLong(args[3]),
                    Boolean.parseBoolean(args[4]), Integer.parseInt(args[5]), world.rank() == dies ? diesAt : -1);
            world.finish();
        } catch (Exception e) {
            System.err.println("rank " + world.rank() + ": error: " + e.getMessage());
            world.abort(1);
        }
    }

    /**
     * Searches for {@code iterations} steps (stopping after {@code stopAfter}) and writes the
     * parameters of this rank.
     */
    static void run(Path work, Path out, Communicator processes, int iterations, long stopAfter, boolean resume, int devices,
            long dieAt) throws Exception {
        SupernetConfig cfg = SearchFixtures.tiny(CLASSES);
        Engines.pytorch().setRandomSeed(5);
        try (Model teacher = ModelDirectory.create(cfg, Device.cpu())) {
            // Each rank initialises differently: the run must start from rank 0's weights.
            Engines.pytorch().setRandomSeed(6 + 1000 * processes.rank());
            try (Model model = ModelDirectory.create(cfg, Device.cpu())) {
                SearchSpace space = new SearchSpace(ModelDirectory.network(model), 3);
                space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 64, 64));
                TrainingConfig training = TrainingConfig.builder().iterations(iterations).batchSize(PER_DEVICE).learningRate(0.05)
                        .weightDecay(1e-4).archLearningRate(0.05).beta(0.5).lambda(0.01).kdReduction(SelfDistillationLoss.Reduction.MEAN)
                        .logEvery(5).checkpointEvery(2).seed(7).build();
                BatchSource shards = new DatasetBatches(new IndexedRecords(12, DistributedSearchRun::bandScene), PER_DEVICE * devices, 7, e -> {}, processes.rank(),
                        processes.size());
                BatchSource batches = dieAt < 0 ? shards : (m, i) -> {
                    if (i == dieAt) {
                        Runtime.getRuntime().halt(3);
                    }
                    return shards.batch(m, i);
                };
                SegmentationTrainer.builder().phase(SegmentationTrainer.Phase.SEARCH).searchSpace(space)
                        .teacher(ModelDirectory.network(teacher)).cost(new MacCost(space, new Shape(1, 3, 128, 256)), 0.05).config(training)
                        .batches(batches).workDir(work).manager(model.getNDManager()).devices(Collections.nCopies(devices, Device.cpu()))
                        .processes(processes).progress(null).build().run(resume, stopAfter);
                write(space.getParameters(), out.resolve("rank-" + processes.rank() + ".npz"));
            }
        }
    }

    private static void write(ai.djl.util.PairList<String, Parameter> parameters, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        NDList list = new NDList();
        for (Pair<String, Parameter> p : parameters) {
            NDArray copy = p.getValue().getArray().duplicate();
            copy.setName(p.getKey());
            list.add(copy);
        }
        try (OutputStream o = Files.newOutputStream(file)) {
            list.encode(o, NDList.Encoding.NPZ);
        }
        list.close();
    }

    /** Band scene i: vertical class bands shifted per sample, with noise. */
    static Record bandScene(NDManager manager, long index) {
        int h = 32;
        int w = 32;
        SplittableRandom r = new SplittableRandom(index);
        int shift = r.nextInt(w);
        float[] img = new float[3 * h * w];
        int[] lab = new int[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int cls = ((x + shift) * CLASSES / w) % CLASSES;
                lab[y * w + x] = y < 2 ? 255 : cls;
                for (int c = 0; c < 3; c++) {
                    img[(c * h + y) * w + x] = (float) ((cls == c ? 1 : -0.5) + 0.3 * r.nextGaussian());
                }
            }
        }
        return new Record(new NDList(manager.create(img, new Shape(3, h, w))), new NDList(manager.create(lab, new Shape(h, w))));
    }
}
