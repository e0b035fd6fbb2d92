package org.rtseg.examples;

import ai.djl.Device;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code rtseg pretrain}: trains the supernet, one uniformly sampled path per mixed block each step. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrains a supernet (paper §Experiments) and writes it to <work>/model.")
final class PretrainCommand extends PhaseCommand {

    @Override
    public Integer call() throws Exception {
        RunConfig run = runConfig();
        List<Device> devices = runtime.trainingDevices();
        Pipeline.pretrain(run.networkConfig(), run.training(), batches(run, devices.size()), work, devices, resume);
        System.out.println("pretrained supernet written to " + work.resolve("model"));
        return 0;
    }
}
