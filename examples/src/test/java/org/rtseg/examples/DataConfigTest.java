package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.config.ConfigException;
import org.rtseg.data.CamVid;
import org.rtseg.data.SegmentationDataset;

/** The data section of run configs: dataset names, class counts and the decoded-frame cache. */
class DataConfigTest {

    @TempDir Path dir;

    private RunConfig load(String... overrides) throws Exception {
        Path file = dir.resolve("run.json");
        Files.writeString(file, PhaseCommandsTest.RUN);
        return RunConfig.load(file, List.of(overrides));
    }

    /** Each epoch of the training batches is augmented anew: epoch 1 is not epoch 0 in another order. */
    @Test
    void everyEpochOfTheTrainingBatchesIsAugmentedAnew() throws Exception {
        RunConfig run = load("data.samples=8", "training.batchSize=8");
        org.rtseg.search.BatchSource batches = PhaseCommand.batches(run, 1); // one batch per epoch
        try (NDManager manager = NDManager.newBaseManager()) {
            assertFalse(java.util.Arrays.equals(imageSums(batches.batch(manager, 0).head()), imageSums(batches.batch(manager, 1).head())),
                    "the same images, augmented the same way, would give the same sums");
            assertTrue(java.util.Arrays.equals(imageSums(batches.batch(manager, 1).head()), imageSums(batches.batch(manager, 1).head())));
        }
    }

    /** The sum of each image of a batch, sorted: independent of the order of the images. */
    private static float[] imageSums(ai.djl.ndarray.NDArray images) {
        float[] sums = images.sum(new int[] {1, 2, 3}).toFloatArray();
        java.util.Arrays.sort(sums);
        return sums;
    }

    @Test
    void camvidRunConfigTrainsOnElevenClassesFromTheCache() throws Exception {
        Path root = EvaluatePredictionsCommandTest.camvidVal(dir, 4);
        RunConfig run = load("data.dataset=camvid", "data.root=" + root, "data.split=val", "data.cacheDecoded=true",
                "data.cropHeight=48", "data.cropWidth=64");
        assertEquals(11, run.networkConfig().numClasses());
        assertTrue(run.data().cacheDecoded());
        SegmentationDataset train = run.data().training(2);
        assertInstanceOf(CamVid.class, train);
        assertEquals(4, train.size());
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Batch batch : train.getData(manager)) {
                assertEquals(new Shape(2, 3, 48, 64), batch.getData().head().getShape());
                batch.close();
            }
            // The first epoch decoded every frame: with the cache on, the next one needs no files.
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.delete(file);
                }
            }
            for (Batch batch : train.getData(manager)) {
                batch.close();
            }
        }
        assertFalse(load().data().cacheDecoded(), "off unless asked for");
    }

    @Test
    void unknownDatasetOrMissingRootIsAConfigErrorListingTheNames() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> load("data.dataset=kitti"));
        // The data module's own message, not Jackson's wrapping of it.
        assertTrue(unknown.getMessage().endsWith(": data: data.dataset must be synthetic or one of cityscapes, voc, ade20k, camvid,"
                + " folder, was kitti"), unknown.getMessage());
        ConfigException root = assertThrows(ConfigException.class, () -> load("data.dataset=camvid"));
        assertTrue(root.getMessage().endsWith(": data: data.root is required for camvid (the folder of its layout)"), root.getMessage());
    }
}
