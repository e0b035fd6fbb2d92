package org.rtseg.examples;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Locale;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.latency.LatencyCost;
import org.rtseg.latency.LatencyMlp;
import org.rtseg.search.CostModel;
import org.rtseg.search.MacCost;
import org.rtseg.search.SearchSpace;
import org.rtseg.search.SearchState;
import org.rtseg.search.SegmentationTrainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rtseg search}: width and block search under a cost target (eq. 12). */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Searches widths and paths of a pretrained supernet under a MAC or latency target (eq. 12); writes <work>/search.")
final class SearchCommand extends PhaseCommand {

    @Option(names = "--supernet", required = true, description = "the pretrained supernet (model directory); also the teacher")
    Path supernetDir;

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
        try (Model model = model(supernetDir, "--supernet"); Model teacher = model(supernetDir, "--supernet")) {
            SearchSpace space = new SearchSpace(ModelDirectory.network(model), run.training().seed());
            space.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 64, 64));
            CostModel cost = costModel(space, costInput);
            double goal = target.gmacs != null ? target.gmacs : target.ms;
            SegmentationTrainer.builder()
                    .phase(SegmentationTrainer.Phase.SEARCH)
                    .searchSpace(space)
                    .teacher(ModelDirectory.network(teacher))
                    .cost(cost, goal)
                    .config(run.training())
                    .batches(batches(run))
                    .workDir(work)
                    .manager(model.getNDManager())
                    .build()
                    .run(resume, run.training().iterations());
            SearchState.save(space, work.resolve("search"));
            double reached = cost.cost(space, new ai.djl.training.ParameterStore(model.getNDManager(), false)).getFloat();
            if (cost instanceof AutoCloseable closeable) {
                closeable.close();
            }
            System.out.printf(Locale.ROOT, "search state written to %s: expected cost %.3f %s, target %.3f%n",
                    work.resolve("search"), reached, cost.unit(), goal);
        }
        return 0;
    }

    private CostModel costModel(SearchSpace space, Shape costInput) throws java.io.IOException {
        if (target.gmacs != null) {
            return new MacCost(space, costInput);
        }
        if (latencyModel == null) {
            throw new IllegalArgumentException("--target-ms needs --latency-model DIR (make one with 'rtseg latency collect' and 'rtseg latency fit')");
        }
        return new LatencyCost(LatencyMlp.load(latencyModel), space, costInput);
    }
}
