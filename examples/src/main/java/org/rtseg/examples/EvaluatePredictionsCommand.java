package org.rtseg.examples;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rtseg.core.ConsoleProgress;
import org.rtseg.data.DatasetType;
import org.rtseg.data.FileSegmentationDataset;
import org.rtseg.data.eval.PredictionEvaluator;
import org.rtseg.data.eval.SegmentationMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rtseg evaluate-predictions}: scores a folder of prediction PNGs in a dataset's official format
 * against its ground truth, with the official evaluator's rules (cityscapesScripts for Cityscapes).
 */
@Command(name = "evaluate-predictions", mixinStandardHelpOptions = true,
        description = {
            "Scores a folder of official-format prediction PNGs against the ground truth, as the official evaluators do,"
                    + " and prints per-class IoU/accuracy and mIoU, mAcc, aAcc, fwIoU (and Cityscapes category IoU).",
            "Predictions: Cityscapes labelId PNGs named <city>_<seq>_<frame>*.png; VOC index PNGs <id>.png;"
                    + " ADE20K value PNGs (class+1) <name>.png; CamVid and folder value PNGs (class id) <name>.png;"
                    + " anywhere under --predictions, at ground-truth size."
        })
final class EvaluatePredictionsCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--dataset", required = true, converter = DatasetOption.Converter.class,
            completionCandidates = DatasetOption.Names.class, description = "one of ${COMPLETION-CANDIDATES}")
    DatasetType dataset;

    @Option(names = "--root", required = true,
            description = "dataset root (the folder with gtFine/, VOCdevkit/, ADEChallengeData2016/, CamVid/ or dataset.json)")
    Path root;

    @Option(names = "--split", defaultValue = "val", description = "split to score (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--predictions", required = true, description = "folder of prediction PNGs (searched recursively)")
    Path predictions;

    @Option(names = "--json", description = "also write the scores as JSON to this file")
    Path json;

    @Option(names = "--threads", description = "decoding threads (default: available processors)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        FileSegmentationDataset groundTruth = dataset.builder().setRoot(root).optSplit(split).build();
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        SegmentationMetrics metrics = new PredictionEvaluator(groundTruth, workers).evaluate(predictions, new ConsoleProgress());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s %s: %d scored pixels, predictions from %s%n%n", groundTruth.format().name(), split,
                metrics.scoredPixels(), predictions);
        out.print(metrics.toTable());
        if (json != null) {
            metrics.writeJson(json);
            out.printf("wrote %s%n", json);
        }
        out.flush();
        return 0;
    }
}
