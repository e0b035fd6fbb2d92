package org.rtseg.examples;

import ai.djl.Model;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.DatasetType;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.data.eval.PredictionWriter;
import org.rtseg.data.eval.SegmentationMetrics;
import org.rtseg.inference.Evaluation;
import org.rtseg.inference.TestTimeAugmentation;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rtseg evaluate}: runs a model over a dataset split and scores it with the official rules,
 * optionally with multi-scale, flip and sliding-window inference, and writes the predictions in the
 * official format (for the Cityscapes server or {@code evaluate-predictions}).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Predicts every image of a split with a model (training or deploy form) and prints per-class IoU/accuracy,"
                + " mIoU, mAcc, aAcc and fwIoU, scored at ground-truth size as the official evaluators do.",
            "Data: --dataset NAME --root DIR (NAME: cityscapes, voc, ade20k, camvid, folder or a registered type of your own),"
                    + " or --run-config RUN.json (its data section, e.g. synthetic scenes)."})
final class EvaluateCommand implements Callable<Integer> {

    @Mixin RuntimeOptions runtime;

    @Option(names = "--model", required = true, description = "a model directory (training graph or 'rtseg export' output)")
    Path modelDir;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Data data;

    static final class Data {
        @ArgGroup(exclusive = false)
        Official official;

        @Option(names = "--run-config", description = "a run config whose data section gives the dataset (synthetic scenes too)")
        Path runConfig;
    }

    static final class Official {
        @Option(names = "--dataset", required = true, converter = DatasetOption.Converter.class,
                completionCandidates = DatasetOption.Names.class, description = "one of ${COMPLETION-CANDIDATES}")
        DatasetType dataset;

        @Option(names = "--root", required = true, description = "dataset root (the folder with leftImg8bit/ and gtFine/,"
                + " VOCdevkit/, ADEChallengeData2016/, CamVid/ or dataset.json)")
        Path root;
    }

    @Option(names = "--set", description = "with --run-config: override a field, key=value (e.g. data.samples=50)")
    List<String> overrides = new java.util.ArrayList<>();

    @Option(names = "--split", defaultValue = "val", description = "split to evaluate (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--scales", split = ",", defaultValue = "1", description = "image scales, e.g. 0.5,0.75,1,1.25,1.5,1.75 (default: ${DEFAULT-VALUE})")
    List<Double> scales;

    @Option(names = "--flip", description = "also predict the mirrored image and average")
    boolean flip;

    @Option(names = "--slide", description = "sliding-window inference CROP,STRIDE, each N or HxW (e.g. 1024,768)")
    String slide;

    @Option(names = "--save-predictions", description = "write official-format prediction PNGs into this folder")
    Path predictions;

    @Option(names = "--json", description = "also write the scores as JSON to this file")
    Path json;

    @Override
    public Integer call() throws Exception {
        TestTimeAugmentation tta = new TestTimeAugmentation(scales, flip, slide == null ? null : TestTimeAugmentation.Slide.parse(slide));
        runtime.configureThreads();
        SegmentationDataset dataset = dataset();
        int classes = dataset.format().numClasses();
        SegmentationMetrics metrics;
        PredictionWriter writer = new PredictionWriter(dataset.format());
        long started = System.nanoTime();
        try (Model model = DeployGraph.loadForInference(modelDir, runtime.device())) {
            Supernet net = ModelDirectory.network(model);
            if (net.config().numClasses() != classes) {
                throw new IOException(modelDir + ": the model predicts " + net.config().numClasses() + " classes but "
                        + dataset.format().name() + " has " + classes + "; evaluate it on the dataset it was trained for");
            }
            metrics = Evaluation.score(model.getNDManager(), net, dataset, tta, "Evaluating", (sample, predicted) -> {
                if (predictions != null) {
                    writer.writeOfficial(predictions, sample.key(), predicted);
                }
            });
        }
        report(metrics, tta, dataset.size(), (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private SegmentationDataset dataset() throws IOException {
        if (data.runConfig != null) {
            return RunConfig.load(data.runConfig, overrides).data().evaluation(split);
        }
        SegmentationDataset ds = data.official.dataset.builder().setRoot(data.official.root).optSplit(split)
                .optSkipUnlabeled(true).build();
        ds.prepare();
        return ds;
    }

    private void report(SegmentationMetrics metrics, TestTimeAugmentation tta, long images, double seconds) throws IOException {
        PrintStream out = System.out;
        out.printf(java.util.Locale.ROOT, "%s %s: %d images, %d scored pixels, model %s, %s, %.2f s per image%n%n", metrics.dataset(), split, images,
                metrics.scoredPixels(), modelDir, tta.describe(), seconds / Math.max(images, 1));
        out.print(metrics.toTable());
        if (predictions != null) {
            out.printf("wrote %d official-format predictions to %s%n", images, predictions);
        }
        if (json != null) {
            metrics.writeJson(json);
            out.printf("wrote %s%n", json);
        }
        out.flush();
    }
}
