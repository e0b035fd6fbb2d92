package org.rtseg.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.data.DataConfig;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.search.BatchSource;
import org.rtseg.search.DatasetBatches;
import org.rtseg.search.TrainingConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the training phases share: a run config with overrides, a work dir that receives the
 * resolved config, checkpoints and metrics, resumption, threads and device.
 */
abstract class PhaseCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    @Mixin RunConfigOptions config;

    @Option(names = "--work", required = true, description = "work directory (resolved config, checkpoints, metrics, results)")
    Path work;

    @Option(names = "--resume", description = "continue from the last checkpoint in the work directory")
    boolean resume;

    /** The run config, resolved and written (by rank 0 of a distributed run) to {@code work/run.json}. */
    RunConfig runConfig() throws IOException {
        runtime.configureThreads();
        RunConfig run = config.load();
        if (Communicator.world().isRoot()) {
            run.save(work.resolve("run.json"));
        }
        return run;
    }

    /** This rank's training batches of a run on some devices: {@code batchSize} images per device. */
    static BatchSource batches(RunConfig run, int devices) throws IOException {
        int batch = run.training().batchSize() * devices;
        return batches(run.data().training(batch), batch, run.training());
    }

    /**
     * The whole batches of all ranks together, as one process of all the devices would train on:
     * what rank 0 builds the teacher's BatchNorm statistics from.
     */
    static BatchSource globalBatches(RunConfig run, int devices) throws IOException {
        int batch = run.training().batchSize() * devices * Communicator.world().size();
        return wholeBatches(run.data().training(batch), batch, run.training());
    }

    /** Batches of {@code batch} images drawn from {@code data} with the phase's seed, not sharded over ranks. */
    static BatchSource wholeBatches(SegmentationDataset data, int batch, TrainingConfig training) {
        return new DatasetBatches(data, batch, training.seed(), data::useEpoch);
    }

    /**
     * This rank's training batches of a phase drawn from {@code data} ({@link DataConfig#training})
     * with the phase's seed: {@code batch} images, its shard of each global batch under mpirun.
     */
    static BatchSource batches(SegmentationDataset data, int batch, TrainingConfig training) {
        Communicator world = Communicator.world();
        return new DatasetBatches(data, batch, training.seed(), data::useEpoch, world.rank(), world.size());
    }
}
