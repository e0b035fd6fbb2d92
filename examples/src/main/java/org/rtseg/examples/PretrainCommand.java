package org.rtseg.examples;

import ai.djl.Model;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.search.SegmentationTrainer;
import picocli.CommandLine.Command;

/** {@code rtseg pretrain}: trains the supernet, one uniformly sampled path per mixed block each step. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrains a supernet (paper §Experiments) and writes it to <work>/model.")
final class PretrainCommand extends PhaseCommand {

    @Override
    public Integer call() throws Exception {
        RunConfig run = runConfig();
        try (Model model = ModelDirectory.create(run.networkConfig(), device())) {
            SegmentationTrainer.builder()
                    .phase(SegmentationTrainer.Phase.PRETRAIN)
                    .supernet(ModelDirectory.network(model))
                    .config(run.training())
                    .batches(batches(run))
                    .workDir(work)
                    .manager(model.getNDManager())
                    .build()
                    .run(resume, run.training().iterations());
            ModelDirectory.save(model, work.resolve("model"));
            System.out.println("pretrained supernet written to " + work.resolve("model"));
        }
        return 0;
    }
}
