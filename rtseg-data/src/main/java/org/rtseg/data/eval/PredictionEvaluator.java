package org.rtseg.data.eval;

import ai.djl.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.rtseg.data.FileSegmentationDataset;
import org.rtseg.data.FileSegmentationDataset.SampleFiles;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.InvalidDataException;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;

/**
 * Scores a folder of prediction PNGs in a dataset's official format against its ground truth, as the
 * official evaluators do (cityscapesScripts {@code evalPixelLevelSemanticLabeling}, the VOC and ADE20K
 * devkits).
 *
 * <p>Every ground-truth file needs exactly one prediction, found anywhere under the predictions folder:
 * for Cityscapes one whose name matches {@code <city>_<seq>_<frame>*.png}, otherwise {@code <key>.png}.
 * All files are matched before any is scored, so a missing or duplicated prediction fails at once
 * instead of after minutes of decoding.
 */
public final class PredictionEvaluator {

    private final FileSegmentationDataset dataset;
    private final int threads;

    /**
     * @param dataset the ground truth (root and split); it is not prepared, images are not needed
     * @param threads decoding threads
     */
    public PredictionEvaluator(FileSegmentationDataset dataset, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive: " + threads);
        }
        this.dataset = dataset;
        this.threads = threads;
    }

    /**
     * A pair to score.
     *
     * @param groundTruth the ground-truth sample's files (only its label is read)
     * @param prediction the prediction PNG found for it
     */
    public record Match(SampleFiles groundTruth, Path prediction) {}

    /**
     * Pairs every ground-truth file with its prediction.
     *
     * @param predictions the folder searched recursively for {@code .png} predictions
     * @return one match per ground-truth file, in key order
     * @throws InvalidDataException naming the ground-truth file whose prediction is missing or
     *     duplicated, or the predictions folder when it does not exist
     */
    public List<Match> match(Path predictions) throws IOException {
        if (!Files.isDirectory(predictions)) {
            throw new InvalidDataException(predictions, "predictions folder does not exist", "Check --predictions");
        }
        TreeMap<String, List<Path>> byName = new TreeMap<>();
        try (Stream<Path> files = Files.walk(predictions)) {
            files.filter(p -> p.getFileName().toString().endsWith(".png"))
                    .filter(Files::isRegularFile)
                    .forEach(p -> byName.computeIfAbsent(p.getFileName().toString(), k -> new ArrayList<>()).add(p));
        }
        List<Match> matches = new ArrayList<>();
        for (SampleFiles gt : dataset.groundTruthFiles()) {
            List<Path> found = candidates(byName, gt.key());
            String pattern = gt.key() + (dataset.predictionNameIsPrefix() ? "*.png" : ".png");
            if (found.isEmpty()) {
                throw new InvalidDataException(
                        gt.label(), "has no prediction " + pattern + " under " + predictions,
                        "Export one prediction per ground-truth file");
            }
            if (found.size() > 1) {
                throw new InvalidDataException(
                        gt.label(), "has " + found.size() + " predictions matching " + pattern + ": " + found,
                        "Keep exactly one prediction per ground-truth file");
            }
            matches.add(new Match(gt, found.get(0)));
        }
        return matches;
    }

    /**
     * Matches and scores all predictions.
     *
     * @param predictions the folder searched recursively for {@code .png} predictions
     * @param progress shows one step per file, or null
     * @return the scores over the whole split, with the format's classes, categories and averaging rule
     * @throws InvalidDataException naming the file when a prediction is missing, duplicated, of the
     *     wrong size, not single-channel, or holds values outside the format; or a ground-truth file is bad
     */
    public SegmentationMetrics evaluate(Path predictions, Progress progress) throws IOException {
        List<Match> matches = match(predictions);
        if (progress != null) {
            progress.reset("Scoring " + dataset.format().name() + " " + dataset.split(), matches.size());
        }
        ConfusionMatrix total = new ConfusionMatrix(dataset.format().numClasses());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<ConfusionMatrix>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Match> share = matches.subList(
                        t * matches.size() / threads, (t + 1) * matches.size() / threads);
                parts.add(pool.submit(() -> score(share, progress)));
            }
            for (Future<ConfusionMatrix> part : parts) {
                total.merge(part.get());
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while scoring " + predictions, e);
        } finally {
            pool.shutdownNow();
        }
        if (progress != null) {
            progress.end();
        }
        return SegmentationMetrics.of(total, dataset.format());
    }

    /**
     * Adds one ground-truth/prediction pair to {@code matrix}.
     *
     * @param match the ground-truth and prediction files
     * @param matrix the matrix to add to, with the format's class count
     * @throws IOException when a file cannot be read; an {@link InvalidDataException} names the file
     *     when it is corrupt, not single-channel, of the wrong size or holds values outside the format
     */
    public void score(Match match, ConfusionMatrix matrix) throws IOException {
        LabelFormat format = dataset.format();
        Path gtFile = match.groundTruth().label();
        LabelMap gt = format.groundTruthToClasses(dataset.readLabel(gtFile), gtFile);
        LabelMap raw = ImageFiles.readIndex(match.prediction());
        if (raw.width() != gt.width() || raw.height() != gt.height()) {
            throw new InvalidDataException(
                    match.prediction(),
                    "is " + raw.width() + "x" + raw.height() + " but its ground truth " + gtFile + " is "
                            + gt.width() + "x" + gt.height(),
                    "Predictions must have the ground-truth size: resize logits or labels back before export");
        }
        matrix.update(gt, format.predictionToClasses(raw, match.prediction()));
    }

    private ConfusionMatrix score(Collection<Match> share, Progress progress) {
        ConfusionMatrix matrix = new ConfusionMatrix(dataset.format().numClasses());
        for (Match m : share) {
            try {
                score(m, matrix);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (progress != null) {
                synchronized (progress) {
                    progress.increment(1);
                }
            }
        }
        return matrix;
    }

    private List<Path> candidates(TreeMap<String, List<Path>> byName, String key) {
        if (!dataset.predictionNameIsPrefix()) {
            return byName.getOrDefault(key + ".png", List.of());
        }
        List<Path> out = new ArrayList<>();
        byName.subMap(key, true, key + Character.MAX_VALUE, true).values().forEach(out::addAll);
        return out;
    }
}
