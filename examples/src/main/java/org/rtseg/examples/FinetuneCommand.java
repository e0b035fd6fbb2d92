package org.rtseg.examples;

import ai.djl.Model;
import java.nio.file.Path;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.search.SegmentationTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rtseg finetune}: trains an extracted subnet with the boosters (aux heads, distillation). */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tunes a model with aux losses and self-distillation from a teacher (eq. 12 without the cost); writes <work>/model.")
final class FinetuneCommand extends PhaseCommand {

    @Option(names = "--model", required = true, description = "the model to fine-tune (e.g. from 'rtseg extract')")
    Path modelDir;

    @Option(names = "--teacher", description = "the pretrained supernet to distil from (λ in the config)")
    Path teacherDir;

    @Override
    public Integer call() throws Exception {
        RunConfig run = runConfig();
        try (Model model = model(modelDir, "--model"); Model teacher = teacherDir == null ? null : model(teacherDir, "--teacher")) {
            SegmentationTrainer.builder()
                    .phase(SegmentationTrainer.Phase.FINETUNE)
                    .supernet(ModelDirectory.network(model))
                    .teacher(teacher == null ? null : ModelDirectory.network(teacher))
                    .config(run.training())
                    .batches(batches(run))
                    .workDir(work)
                    .manager(model.getNDManager())
                    .build()
                    .run(resume, run.training().iterations());
            ModelDirectory.save(model, work.resolve("model"));
            System.out.println("fine-tuned model written to " + work.resolve("model"));
        }
        return 0;
    }
}
