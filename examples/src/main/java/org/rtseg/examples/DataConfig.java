package org.rtseg.examples;

import java.io.IOException;
import java.nio.file.Path;
import org.rtseg.core.config.ConfigException;
import org.rtseg.data.Ade20k;
import org.rtseg.data.Cityscapes;
import org.rtseg.data.PascalVoc;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.data.SyntheticScenes;
import org.rtseg.data.augment.ColorJitter;
import org.rtseg.data.augment.EvalTransform;
import org.rtseg.data.augment.Normalization;
import org.rtseg.data.augment.ScaleSampling;
import org.rtseg.data.augment.SegmentationTransform;
import org.rtseg.data.augment.TrainAugmentation;

/**
 * The data of a run: which dataset, where, and the augmentation.
 *
 * @param dataset {@code synthetic}, {@code cityscapes}, {@code voc} or {@code ade20k}
 * @param root the dataset's root folder (not for synthetic)
 * @param split the split to train on
 * @param classes class count of synthetic scenes (real datasets have their own)
 * @param samples number of synthetic scenes
 * @param sceneHeight synthetic scene height
 * @param sceneWidth synthetic scene width
 * @param cropHeight training crop height (0: no crop)
 * @param cropWidth training crop width (0: no crop)
 * @param scales random scales to choose from (e.g. [0.5, 0.75, 1.0, 2.0]); null for the range below
 * @param scaleMin smallest random scale (when {@code scales} is null)
 * @param scaleMax largest random scale (when {@code scales} is null)
 * @param flip random horizontal flips
 * @param jitter colour jitter strength (brightness, contrast, saturation)
 * @param seed the data seed
 */
public record DataConfig(
        String dataset, String root, String split, int classes, int samples, int sceneHeight, int sceneWidth,
        int cropHeight, int cropWidth, java.util.List<Double> scales, double scaleMin, double scaleMax, boolean flip, double jitter,
        long seed) {

    public DataConfig {
        if (dataset == null || !java.util.List.of("synthetic", "cityscapes", "voc", "ade20k").contains(dataset)) {
            throw new ConfigException("data.dataset must be synthetic, cityscapes, voc or ade20k, was " + dataset);
        }
        if (!dataset.equals("synthetic") && root == null) {
            throw new ConfigException("data.root is required for " + dataset + " (the folder of its official layout)");
        }
        if (scales != null && (scales.isEmpty() || scales.stream().anyMatch(x -> x == null || !(x > 0)))) {
            throw new ConfigException("data.scales must be positive numbers, was " + scales);
        }
        if (scales == null && !(scaleMin > 0 && scaleMax >= scaleMin)) {
            throw new ConfigException("data.scaleMin/scaleMax must satisfy 0 < min ≤ max, was " + scaleMin + ", " + scaleMax);
        }
    }

    /** The same data with another number of synthetic scenes. */
    public DataConfig withSamples(int count) {
        return new DataConfig(dataset, root, split, classes, count, sceneHeight, sceneWidth, cropHeight, cropWidth,
                scales, scaleMin, scaleMax, flip, jitter, seed);
    }

    /** Number of classes of the dataset. */
    public int numClasses() {
        return switch (dataset) {
            case "cityscapes" -> 19;
            case "voc" -> 21;
            case "ade20k" -> 150;
            default -> classes;
        };
    }

    /** The training set, augmented, prepared. */
    public SegmentationDataset training(int batchSize) throws IOException {
        ScaleSampling sampling = scales != null
                ? ScaleSampling.choices(scales.stream().mapToDouble(Double::doubleValue).toArray())
                : ScaleSampling.range(scaleMin, scaleMax);
        TrainAugmentation aug = new TrainAugmentation(sampling, cropHeight, cropWidth, flip,
                new ColorJitter(jitter, jitter, jitter), Normalization.IMAGENET);
        return open(split, aug, batchSize);
    }

    /** A split without augmentation (normalised only). */
    public SegmentationDataset evaluation(String evalSplit) throws IOException {
        return open(evalSplit, EvalTransform.none(), 1);
    }

    private SegmentationDataset open(String which, SegmentationTransform transform, int batchSize) throws IOException {
        SegmentationDataset ds = switch (dataset) {
            case "synthetic" -> SyntheticScenes.builder().optImageSize(sceneHeight, sceneWidth).optNumClasses(classes)
                    .optNumSamples(samples).optSeed(seed + ("train".equals(which) ? 0 : 7919)).optTransform(transform)
                    .setSampling(batchSize, true, true).build();
            case "cityscapes" -> Cityscapes.builder().setRoot(Path.of(root)).optSplit(which).optSkipUnlabeled(true)
                    .optTransform(transform).optSeed(seed).setSampling(batchSize, true, true).build();
            case "voc" -> PascalVoc.builder().setRoot(Path.of(root)).optSplit(which)
                    .optTransform(transform).optSeed(seed).setSampling(batchSize, true, true).build();
            default -> Ade20k.builder().setRoot(Path.of(root)).optSplit(which)
                    .optTransform(transform).optSeed(seed).setSampling(batchSize, true, true).build();
        };
        ds.prepare();
        return ds;
    }
}
