package org.rtseg.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.rtseg.data.augment.ColorJitter;
import org.rtseg.data.augment.EvalTransform;
import org.rtseg.data.augment.Normalization;
import org.rtseg.data.augment.ScaleSampling;
import org.rtseg.data.augment.SegmentationTransform;
import org.rtseg.data.augment.TrainAugmentation;

/**
 * The data of a run: which dataset, where, and the augmentation; the {@code data} section of the command
 * line's run configs, and usable on its own ({@link #load}, {@link #fromJson}) to build training and
 * evaluation datasets. The constructor checks what can be checked without reading files and throws a
 * {@link DataConfigException} naming the field (e.g. a dataset that is not registered, with the names
 * that are, or a missing root).
 *
 * @param dataset {@code synthetic}, or a registered {@link DatasetType}: {@code cityscapes}, {@code voc},
 *     {@code ade20k}, {@code camvid}, {@code folder} or a type of your own ({@link DatasetTypes#names()})
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
 * @param cacheDecoded keep the decoded frames of a real dataset, or the drawn synthetic scenes, in memory
 *     after their first use (for small datasets such as CamVid: decoding a PNG costs more than augmenting a
 *     crop of it; drawing a scene, most of what a demo batch costs to make)
 */
public record DataConfig(
        String dataset, String root, String split, int classes, int samples, int sceneHeight, int sceneWidth,
        int cropHeight, int cropWidth, List<Double> scales, double scaleMin, double scaleMax, boolean flip, double jitter,
        long seed, boolean cacheDecoded) {

    /** The name of {@link SyntheticScenes}, which are drawn rather than read and so are not a dataset type. */
    public static final String SYNTHETIC = "synthetic";

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Checks the fields that can be checked without reading files.
     *
     * @param dataset {@code synthetic} or the name of a registered {@link DatasetType}
     * @param root the dataset's root folder; required unless synthetic
     * @param split the split to train on
     * @param classes class count of synthetic scenes (real datasets have their own)
     * @param samples number of synthetic scenes
     * @param sceneHeight synthetic scene height in pixels
     * @param sceneWidth synthetic scene width in pixels
     * @param cropHeight training crop height in pixels (0: no crop)
     * @param cropWidth training crop width in pixels (0: no crop)
     * @param scales random scales to choose from, each positive; null for the range below
     * @param scaleMin smallest random scale, positive (when {@code scales} is null)
     * @param scaleMax largest random scale, at least {@code scaleMin} (when {@code scales} is null)
     * @param flip random horizontal flips
     * @param jitter colour jitter strength in [0, 1], the same for brightness, contrast and saturation
     * @param seed the data seed
     * @param cacheDecoded keep the decoded frames of a real dataset, or the drawn synthetic scenes, in memory after their first use
     * @throws DataConfigException naming the field when the dataset is not registered, the root is
     *     missing, a scale is not positive or the scale range is empty
     */
    public DataConfig {
        if (dataset == null || !(dataset.equals(SYNTHETIC) || DatasetTypes.has(dataset))) {
            throw new DataConfigException("data.dataset must be " + SYNTHETIC + " or one of "
                    + String.join(", ", DatasetTypes.names()) + ", was " + dataset);
        }
        if (!dataset.equals(SYNTHETIC) && root == null) {
            throw new DataConfigException("data.root is required for " + dataset + " (the folder of its layout)");
        }
        if (scales != null && (scales.isEmpty() || scales.stream().anyMatch(x -> x == null || !(x > 0)))) {
            throw new DataConfigException("data.scales must be positive numbers, was " + scales);
        }
        if (scales == null && !(scaleMin > 0 && scaleMax >= scaleMin)) {
            throw new DataConfigException("data.scaleMin/scaleMax must satisfy 0 < min ≤ max, was " + scaleMin + ", " + scaleMax);
        }
    }

    /**
     * Reads a data config from a JSON file (the fields of this record; absent numbers are 0).
     *
     * @param file the JSON file
     * @return the config
     * @throws DataConfigException naming the file and the field when the file is missing or not a valid config
     * @throws IOException if the file cannot be read
     */
    public static DataConfig load(Path file) throws IOException {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new DataConfigException(file + ": no such data config", e);
        }
    }

    /**
     * Reads a data config from JSON text.
     *
     * @param json the fields of this record as a JSON object; absent numbers are 0
     * @return the config
     * @throws DataConfigException naming the field when the text is not a valid config
     */
    public static DataConfig fromJson(String json) {
        return parse(json, "data config");
    }

    private static DataConfig parse(String json, String source) {
        try {
            return JSON.readValue(json, DataConfig.class);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce("", String::concat);
            String why = e.getCause() instanceof IllegalArgumentException c ? c.getMessage() : e.getOriginalMessage();
            throw new DataConfigException(source + ": " + (field.isEmpty() ? "" : field.substring(1) + ": ") + why, e);
        } catch (JsonProcessingException e) {
            throw new DataConfigException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The same data with another number of synthetic scenes.
     *
     * @param count the number of scenes
     * @return a copy with {@code samples = count}
     */
    public DataConfig withSamples(int count) {
        return new DataConfig(dataset, root, split, classes, count, sceneHeight, sceneWidth, cropHeight, cropWidth,
                scales, scaleMin, scaleMax, flip, jitter, seed, cacheDecoded);
    }

    /**
     * Number of classes of the dataset.
     *
     * @return the class count, which the network predicts
     * @throws InvalidDataException if the dataset describes its classes in a file ({@code folder}'s
     *     {@code dataset.json}) that is missing or wrong
     */
    public int numClasses() throws IOException {
        return dataset.equals(SYNTHETIC) ? classes : DatasetTypes.get(dataset).format(Path.of(root)).numClasses();
    }

    /**
     * The training set, augmented, prepared.
     *
     * @param batchSize the batch size of {@code getData}, in shuffled batches that drop the last partial one
     * @return the training split
     * @throws InvalidDataException naming the file or folder when the dataset's files are missing or wrong
     * @throws IOException if a file cannot be read
     */
    public SegmentationDataset training(int batchSize) throws IOException {
        ScaleSampling sampling = scales != null
                ? ScaleSampling.choices(scales.stream().mapToDouble(Double::doubleValue).toArray())
                : ScaleSampling.range(scaleMin, scaleMax);
        TrainAugmentation aug = new TrainAugmentation(sampling, cropHeight, cropWidth, flip,
                new ColorJitter(jitter, jitter, jitter), Normalization.IMAGENET);
        return open(split, aug, batchSize);
    }

    /**
     * A split without augmentation (normalised only), prepared.
     *
     * @param evalSplit the split's name
     * @return the split
     * @throws InvalidDataException naming the file or folder when the dataset's files are missing or wrong
     * @throws IOException if a file cannot be read
     */
    public SegmentationDataset evaluation(String evalSplit) throws IOException {
        return open(evalSplit, EvalTransform.none(), 1);
    }

    private SegmentationDataset open(String which, SegmentationTransform transform, int batchSize) throws IOException {
        SegmentationDataset ds = dataset.equals(SYNTHETIC) ? synthetic(which, transform, batchSize) : files(which, transform, batchSize);
        ds.prepare();
        return ds;
    }

    private SegmentationDataset synthetic(String which, SegmentationTransform transform, int batchSize) {
        return SyntheticScenes.builder().optImageSize(sceneHeight, sceneWidth).optNumClasses(classes)
                .optNumSamples(samples).optKeepDrawn(cacheDecoded).optSeed(seed + ("train".equals(which) ? 0 : 7919)).optTransform(transform)
                .setSampling(batchSize, true, true).build();
    }

    private SegmentationDataset files(String which, SegmentationTransform transform, int batchSize) {
        DatasetType type = DatasetTypes.get(dataset);
        return type.builder().setRoot(Path.of(root)).optSplit(which)
                .optSkipUnlabeled(type.imagesMayLackLabels()).optCacheDecoded(cacheDecoded)
                .optTransform(transform).optSeed(seed).setSampling(batchSize, true, true).build();
    }
}
