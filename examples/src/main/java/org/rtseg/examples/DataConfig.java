package org.rtseg.examples;

import java.io.IOException;
import java.nio.file.Path;
import org.rtseg.core.config.ConfigException;
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
 * @param dataset {@code synthetic}, or a dataset in its official layout: {@code cityscapes}, {@code voc},
 *     {@code ade20k} or {@code camvid}
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
 * @param cacheDecoded keep the decoded frames of a real dataset in memory after their first use (for small
 *     datasets such as CamVid: decoding a PNG costs more than augmenting a crop of it); synthetic scenes
 *     are drawn, not decoded, and ignore it
 */
public record DataConfig(
        String dataset, String root, String split, int classes, int samples, int sceneHeight, int sceneWidth,
        int cropHeight, int cropWidth, java.util.List<Double> scales, double scaleMin, double scaleMax, boolean flip, double jitter,
        long seed, boolean cacheDecoded) {

    public DataConfig {
        if (dataset == null || !(dataset.equals("synthetic") || DatasetName.has(dataset))) {
            throw new ConfigException("data.dataset must be synthetic or one of " + DatasetName.list() + ", was " + dataset);
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
                scales, scaleMin, scaleMax, flip, jitter, seed, cacheDecoded);
    }

    /** Number of classes of the dataset. */
    public int numClasses() {
        return dataset.equals("synthetic") ? classes : DatasetName.valueOf(dataset).format().numClasses();
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
        SegmentationDataset ds = dataset.equals("synthetic")
                ? SyntheticScenes.builder().optImageSize(sceneHeight, sceneWidth).optNumClasses(classes)
                        .optNumSamples(samples).optSeed(seed + ("train".equals(which) ? 0 : 7919)).optTransform(transform)
                        .setSampling(batchSize, true, true).build()
                // Cityscapes image folders may hold frames without fine labels; elsewhere one is an error.
                : DatasetName.valueOf(dataset).builder().setRoot(Path.of(root)).optSplit(which)
                        .optSkipUnlabeled(dataset.equals("cityscapes")).optCacheDecoded(cacheDecoded)
                        .optTransform(transform).optSeed(seed).setSampling(batchSize, true, true).build();
        ds.prepare();
        return ds;
    }
}
