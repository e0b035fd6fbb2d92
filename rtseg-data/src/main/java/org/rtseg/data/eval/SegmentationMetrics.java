package org.rtseg.data.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;

/**
 * The scores of a {@link ConfusionMatrix}, computed as the official evaluators compute them.
 *
 * <ul>
 *   <li>IoU of class c = tp / (tp + fp + fn), NaN when the denominator is 0 (cityscapesScripts
 *       {@code getIouScoreForLabel}); fn includes ground-truth pixels predicted as no class.
 *   <li>mIoU averages per {@link #rule()}: over defined classes (Cityscapes, VOC as in mmsegmentation)
 *       or over all classes with undefined ones as 0 (ADE20K devkit).
 *   <li>Accuracy of class c = tp / (tp + fn), NaN for a class absent from the ground truth; mAcc is
 *       always the mean over classes present in the ground truth.
 *   <li>aAcc = correct / scored pixels (the ADE20K devkit's pixel accuracy).
 *   <li>fwIoU = Σ (pixels of c / scored pixels) · IoU(c), over classes with defined IoU.
 *   <li>Category IoU (Cityscapes): cityscapesScripts {@code getIouScoreForCategory}, pixels of all
 *       classes of a category pooled; the category mean is over defined categories.
 * </ul>
 *
 * @param dataset the format's name
 * @param rule how {@code meanIoU} averages
 * @param classNames class names
 * @param iou per-class IoU (NaN where undefined)
 * @param accuracy per-class accuracy (NaN where undefined)
 * @param groundTruthPixels per-class ground-truth pixel count
 * @param meanIoU mIoU under {@code rule}
 * @param meanAccuracy mAcc
 * @param pixelAccuracy aAcc
 * @param frequencyWeightedIoU fwIoU
 * @param categoryIoU category name to IoU (empty without categories)
 * @param categoryMeanIoU mean category IoU (NaN without categories)
 * @param scoredPixels pixels with a scored ground-truth class
 */
public record SegmentationMetrics(
        String dataset,
        AveragingRule rule,
        List<String> classNames,
        double[] iou,
        double[] accuracy,
        long[] groundTruthPixels,
        double meanIoU,
        double meanAccuracy,
        double pixelAccuracy,
        double frequencyWeightedIoU,
        Map<String, Double> categoryIoU,
        double categoryMeanIoU,
        long scoredPixels) {

    /**
     * Scores {@code matrix} with the classes, categories and rule of {@code format}.
     *
     * @param matrix the pixel counts, with {@code format}'s class count
     * @param format the dataset's label format
     * @return the scores
     * @throws IllegalArgumentException when the class counts differ
     */
    public static SegmentationMetrics of(ConfusionMatrix matrix, LabelFormat format) {
        return of(matrix, format.name(), format.classNames(), format.averaging(), format.categories());
    }

    /**
     * Scores {@code matrix} with explicit classes, rule and categories (class-id groups).
     *
     * @param matrix the pixel counts
     * @param dataset the name reported with the scores
     * @param classNames one name per class of {@code matrix}, in class-id order
     * @param rule how {@code meanIoU} averages the class IoUs
     * @param categories category name to the class ids it pools, in report order; empty for none
     * @return the scores
     * @throws IllegalArgumentException when the number of names differs from the class count
     */
    public static SegmentationMetrics of(
            ConfusionMatrix matrix,
            String dataset,
            List<String> classNames,
            AveragingRule rule,
            Map<String, int[]> categories) {
        int n = matrix.numClasses();
        if (classNames.size() != n) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + n + " classes");
        }
        double[] iou = new double[n];
        double[] acc = new double[n];
        long[] gt = new long[n];
        long total = matrix.totalPixels();
        long correct = 0;
        for (int c = 0; c < n; c++) {
            long tp = matrix.get(c, c);
            gt[c] = matrix.groundTruthPixels(c);
            long fp = matrix.predictedPixels(c) - tp;
            long fn = gt[c] - tp;
            iou[c] = ratio(tp, tp + fp + fn);
            acc[c] = ratio(tp, gt[c]);
            correct += tp;
        }
        double fw = 0;
        for (int c = 0; c < n; c++) {
            if (!Double.isNaN(iou[c]) && total > 0) {
                fw += (double) gt[c] / total * iou[c];
            }
        }
        Map<String, Double> cat = new LinkedHashMap<>();
        categories.forEach((name, ids) -> cat.put(name, categoryIou(matrix, ids)));
        return new SegmentationMetrics(
                dataset, rule, List.copyOf(classNames), iou, acc, gt,
                average(iou, rule), average(acc, AveragingRule.NON_NAN_CLASSES),
                ratio(correct, total), total == 0 ? Double.NaN : fw,
                Collections.unmodifiableMap(cat),
                cat.isEmpty() ? Double.NaN
                        : average(cat.values().stream().mapToDouble(Double::doubleValue).toArray(),
                                AveragingRule.NON_NAN_CLASSES),
                total);
    }

    /**
     * The number of classes whose IoU is defined (what {@link AveragingRule#NON_NAN_CLASSES} divides by).
     *
     * @return the count of non-NaN entries of {@link #iou()}
     */
    public int definedClasses() {
        int k = 0;
        for (double v : iou) {
            k += Double.isNaN(v) ? 0 : 1;
        }
        return k;
    }

    /**
     * A human-readable table: one line per class, then the averages and the rule they use.
     *
     * @return the table, lines ending in the platform's line separator; undefined scores read {@code nan}
     */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        int width = Math.max(12, classNames.stream().mapToInt(String::length).max().orElse(0) + 2);
        out.append(String.format(Locale.ROOT, "%-" + width + "s %8s %8s %14s%n", "class", "IoU", "Acc", "gt pixels"));
        for (int c = 0; c < iou.length; c++) {
            out.append(String.format(Locale.ROOT, "%-" + width + "s %8s %8s %14d%n",
                    classNames.get(c), score(iou[c]), score(accuracy[c]), groundTruthPixels[c]));
        }
        if (!categoryIoU.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%n%-" + width + "s %8s%n", "category", "IoU"));
            categoryIoU.forEach((name, v) ->
                    out.append(String.format(Locale.ROOT, "%-" + width + "s %8s%n", name, score(v))));
        }
        String ruleText = rule == AveragingRule.NON_NAN_CLASSES
                ? "mean over the " + definedClasses() + " classes with defined IoU (cityscapesScripts rule)"
                : "mean over all " + iou.length + " classes, undefined = 0 (ADE20K devkit rule)";
        out.append(String.format(Locale.ROOT, "%nmIoU   %s  (%s)%n", score(meanIoU), ruleText));
        out.append(String.format(Locale.ROOT, "mAcc   %s  (mean over classes present in ground truth)%n", score(meanAccuracy)));
        out.append(String.format(Locale.ROOT, "aAcc   %s  (correct / %d scored pixels)%n", score(pixelAccuracy), scoredPixels));
        out.append(String.format(Locale.ROOT, "fwIoU  %s%n", score(frequencyWeightedIoU)));
        if (!categoryIoU.isEmpty()) {
            out.append(String.format(Locale.ROOT, "category mIoU %s%n", score(categoryMeanIoU)));
        }
        return out.toString();
    }

    /**
     * The scores as pretty-printed JSON; undefined scores are {@code null}.
     *
     * @return a JSON object with the averages, one entry per class and, with categories, their IoUs
     */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("dataset", dataset);
        root.put("averaging", rule.name());
        root.put("mIoU", json(meanIoU));
        root.put("mAcc", json(meanAccuracy));
        root.put("aAcc", json(pixelAccuracy));
        root.put("fwIoU", json(frequencyWeightedIoU));
        root.put("definedClasses", definedClasses());
        root.put("scoredPixels", scoredPixels);
        List<Map<String, Object>> classes = new ArrayList<>();
        for (int c = 0; c < iou.length; c++) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", c);
            entry.put("name", classNames.get(c));
            entry.put("iou", json(iou[c]));
            entry.put("accuracy", json(accuracy[c]));
            entry.put("groundTruthPixels", groundTruthPixels[c]);
            classes.add(entry);
        }
        root.put("classes", classes);
        if (!categoryIoU.isEmpty()) {
            Map<String, Object> cats = new LinkedHashMap<>();
            categoryIoU.forEach((k, v) -> cats.put(k, json(v)));
            root.put("categoryIoU", cats);
            root.put("categoryMeanIoU", json(categoryMeanIoU));
        }
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@link #toJson()} to {@code file} atomically.
     *
     * @param file the file to create or replace, as UTF-8; parent folders are created
     * @throws IOException when the file cannot be written
     */
    public void writeJson(Path file) throws IOException {
        byte[] bytes = toJson().getBytes(StandardCharsets.UTF_8);
        ImageFiles.writeAtomically(file, out -> out.write(bytes));
    }

    private static double categoryIou(ConfusionMatrix m, int[] ids) {
        boolean[] in = new boolean[m.numClasses() + 1];
        for (int id : ids) {
            in[id] = true;
        }
        long tp = 0;
        long groundTruth = 0;
        long fp = 0;
        for (int g = 0; g < m.numClasses(); g++) {
            for (int p = 0; p <= m.numClasses(); p++) {
                long v = m.get(g, p);
                if (in[g] && in[p]) {
                    tp += v;
                }
                if (in[g]) {
                    groundTruth += v;
                } else if (in[p]) {
                    fp += v;
                }
            }
        }
        long fn = groundTruth - tp;
        return ratio(tp, tp + fp + fn);
    }

    private static double average(double[] scores, AveragingRule rule) {
        double sum = 0;
        int k = 0;
        for (double s : scores) {
            if (!Double.isNaN(s)) {
                sum += s;
                k++;
            }
        }
        int divisor = rule == AveragingRule.ALL_CLASSES ? scores.length : k;
        return divisor == 0 ? Double.NaN : sum / divisor;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }

    private static String score(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static Object json(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
