package org.rtseg.examples;

import ai.djl.Device;
import java.util.List;
import org.rtseg.search.BatchSource;
import org.rtseg.search.Pipeline;
import org.rtseg.search.SupernetTeacher;
import picocli.CommandLine.Command;

/** {@code rtseg pretrain}: trains the supernet, one uniformly sampled path per mixed block each step. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrains a supernet (paper §Experiments) and writes it to <work>/model, and its self-distillation teacher to <work>/teacher.")
final class PretrainCommand extends PhaseCommand {

    @Override
    public Integer call() throws Exception {
        RunConfig run = runConfig();
        List<Device> devices = runtime.trainingDevices();
        BatchSource batches = batches(run, devices.size());
        Pipeline.pretrain(run.networkConfig(), run.training(), batches, work, devices, resume);
        Pipeline.teacher(work.resolve("model"), globalBatches(run, devices.size()), SupernetTeacher.CALIBRATION_BATCHES, work.resolve("teacher"),
                devices.get(0));
        System.out.println("pretrained supernet written to " + work.resolve("model") + ", its teacher to " + work.resolve("teacher"));
        return 0;
    }
}
