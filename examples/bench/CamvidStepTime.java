import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.rtseg.core.Engines;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.examples.RunConfig;
import org.rtseg.search.BatchSource;
import org.rtseg.search.DatasetBatches;
import org.rtseg.search.Pipeline;
import org.rtseg.search.SegmentationTrainer;

/**
 * Seconds per training step of rtseg's CamVid recipe (BiSeNetV2), and how much of it is the data
 * (decoding is cached; cropping, scaling and flipping in Java): WARM untimed steps, then STEPS timed.
 * With a trace file, libtorch's profiler records the timed steps (chrome-trace JSON).
 *
 * <p>usage: java -cp examples/target/rtseg.jar examples/bench/CamvidStepTime.java THREADS WARM STEPS CONFIG ROOT [TRACE.json]
 */
public class CamvidStepTime {
    public static void main(String[] a) throws Exception {
        int threads = Integer.parseInt(a[0]);
        int warm = Integer.parseInt(a[1]);
        int steps = Integer.parseInt(a[2]);
        String trace = a.length > 5 ? a[5] : null;
        Engines.setThreads(threads);
        RunConfig run = RunConfig.load(Path.of(a[3]), List.of("data.root=" + a[4], "training.iterations=" + (warm + steps),
                "training.warmupIterations=1", "training.checkpointEvery=100000", "training.logEvery=100000"));
        int batch = run.training().batchSize();
        SegmentationDataset ds = run.data().training(batch);
        BatchSource inner = new DatasetBatches(ds, batch, run.training().seed(), ds::useEpoch);
        double[] dataSeconds = {0};
        BatchSource timed = (manager, i) -> {
            if (i == warm && trace != null) {
                JniUtils.startProfile(false, false, false);
            }
            long t0 = System.nanoTime();
            var b = inner.batch(manager, i);
            if (i >= warm) {
                dataSeconds[0] += (System.nanoTime() - t0) / 1e9;
            }
            return b;
        };
        Path work = Files.createTempDirectory("rtseg-step-time");
        List<SegmentationTrainer.Step> rows = Pipeline.pretrain(run.networkConfig(), run.training(), timed, work, List.of(Device.cpu()), false);
        if (trace != null) {
            JniUtils.stopProfile(trace);
        }
        double total = rows.stream().skip(warm).mapToDouble(SegmentationTrainer.Step::seconds).sum();
        System.out.printf(java.util.Locale.ROOT, "rtseg   s/step %.4f (data %.4f)%n", total / steps, dataSeconds[0] / steps);
    }
}
