package org.rtseg.examples;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import org.rtseg.search.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rtseg finetune}: trains an extracted subnet with the boosters (aux heads, distillation). */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Fine-tunes a model with aux losses and self-distillation from a teacher (eq. 12 without the cost); writes <work>/model.")
final class FinetuneCommand extends PhaseCommand {

    @Option(names = "--model", required = true, description = "the model to fine-tune (e.g. from 'rtseg extract')")
    Path modelDir;

    @Option(names = "--teacher", description = "the teacher to distil from (λ in the config): the 'teacher' folder of 'rtseg pretrain'")
    Path teacherDir;

    @Override
    public Integer call() throws Exception {
        RunConfig run = runConfig();
        List<Device> devices = runtime.trainingDevices();
        Pipeline.finetune(modelDir, teacherDir, run.training(), batches(run, devices.size()), work, devices, resume);
        System.out.println("fine-tuned model written to " + work.resolve("model"));
        return 0;
    }
}
