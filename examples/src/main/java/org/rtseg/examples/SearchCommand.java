package org.rtseg.examples;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.rtseg.latency.LatencyCost;
import org.rtseg.latency.LatencyMlp;
import org.rtseg.search.BatchSource;
import org.rtseg.search.MacCost;
import org.rtseg.search.Pipeline;
import org.rtseg.search.SupernetTeacher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rtseg search}: width and block search under a cost target (eq. 12). */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Searches widths and paths of a pretrained supernet under a MAC or latency target (eq. 12); writes <work>/search.")
final class SearchCommand extends PhaseCommand {

    @Option(names = "--supernet", required = true, description = "the pretrained supernet (model directory)")
    Path supernetDir;

    @Option(names = "--teacher", description = "the self-distillation teacher (default: the 'teacher' folder 'rtseg pretrain' "
            + "wrote beside --supernet; built into <work>/teacher when there is none)")
    Path teacherDir;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--target-gmacs", description = "MAC target in GMACs at the run's costInput")
        Double gmacs;

        @Option(names = "--target-ms", description = "latency target in ms at the run's costInput (needs --latency-model)")
        Double ms;
    }

    @Option(names = "--latency-model", description = "a latency predictor from 'rtseg latency fit' (for --target-ms)")
    Path latencyModel;

    @Override
    public Integer call() throws Exception {
        RunConfig run = runConfig();
        Shape costInput = new Shape(1, 3, run.costInput().get(0), run.costInput().get(1));
        if (target.ms != null && latencyModel == null) {
            throw new IllegalArgumentException("--target-ms needs --latency-model DIR (make one with 'rtseg latency collect' and 'rtseg latency fit')");
        }
        Pipeline.CostFactory costs = target.gmacs != null
                ? space -> new MacCost(space, costInput)
                : space -> new LatencyCost(LatencyMlp.load(latencyModel), space, costInput);
        double goal = target.gmacs != null ? target.gmacs : target.ms;
        List<Device> devices = runtime.trainingDevices();
        BatchSource batches = batches(run, devices.size());
        Path teacher = teacher(run, devices);
        Pipeline.SearchResult result = Pipeline.search(supernetDir, teacher, costs, goal, run.training(), batches, work, devices, resume);
        System.out.printf(Locale.ROOT, "search state written to %s: the decided architecture costs %.3f %s (target %.3f; %.3f before "
                + "landing it on the target, %.3f expected under softmax(α))%n", work.resolve("search"), result.cost(), result.unit(), goal,
                result.projection().decided(), result.expected());
        return 0;
    }

    private Path teacher(RunConfig run, List<Device> devices) throws java.io.IOException {
        if (teacherDir != null) {
            return teacherDir;
        }
        Path beside = supernetDir.toAbsolutePath().resolveSibling("teacher");
        if (Pipeline.done(beside)) {
            return beside;
        }
        Path built = work.resolve("teacher");
        if (!Pipeline.done(built)) {
            System.out.println("no teacher beside " + supernetDir + ": building it into " + built);
            Pipeline.teacher(supernetDir, globalBatches(run, devices.size()), SupernetTeacher.CALIBRATION_BATCHES, built, devices.get(0));
        }
        return built;
    }
}
