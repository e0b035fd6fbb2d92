package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.augment.ColorJitter;
import org.rtseg.data.augment.Normalization;
import org.rtseg.data.augment.ScaleSampling;
import org.rtseg.data.augment.TrainAugmentation;

/** DJL's multi-threaded loading with reproducible shuffling and augmentation. */
class DataLoadingTest {

    private static SyntheticScenes dataset(long seed) {
        return dataset(seed, false);
    }

    private static SyntheticScenes dataset(long seed, boolean keepDrawn) {
        return SyntheticScenes.builder().optImageSize(32, 64).optNumSamples(10).optSeed(seed).optKeepDrawn(keepDrawn)
                .optTransform(TrainAugmentation.standard(24, 24)).setSampling(4, true).optPrefetchNumber(3).build();
    }

    /** One epoch as (indices, image values, label values) per batch. */
    private static List<Object[]> epoch(SegmentationDataset data, ExecutorService executor) throws Exception {
        List<Object[]> out = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Batch batch : executor == null ? data.getData(manager) : data.getData(manager, executor)) {
                assertEquals(DataType.FLOAT32, batch.getData().head().getDataType());
                assertEquals(DataType.INT32, batch.getLabels().head().getDataType());
                assertEquals(24, batch.getData().head().getShape().get(3));
                out.add(new Object[] {batch.getIndices().toString(), batch.getData().head().toFloatArray(),
                    batch.getLabels().head().toIntArray()});
                batch.close();
            }
        }
        return out;
    }

    private static void assertSame(List<Object[]> a, List<Object[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i)[0], b.get(i)[0]);
            assertArrayEquals((float[]) a.get(i)[1], (float[]) b.get(i)[1]);
            assertArrayEquals((int[]) a.get(i)[2], (int[]) b.get(i)[2]);
        }
    }

    @Test
    void sameSeedGivesSameBatchesWhateverTheThreadCount() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            SyntheticScenes serial = dataset(5);
            SyntheticScenes parallel = dataset(5);
            List<Object[]> s0 = epoch(serial, null);
            List<Object[]> p0 = epoch(parallel, two);
            assertSame(s0, p0);
            assertEquals(3, s0.size());
            List<Object[]> s1 = epoch(serial, null);
            assertSame(s1, epoch(parallel, two));
            assertFalse(s0.get(0)[0].equals(s1.get(0)[0]) && java.util.Arrays.equals((int[]) s0.get(0)[2], (int[]) s1.get(0)[2]),
                    "a new epoch reshuffles and re-augments");
            SyntheticScenes resumed = dataset(5);
            resumed.setEpoch(1);
            assertSame(s1, epoch(resumed, two));
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void useEpochMakesGetAugmentAsThatEpoch() throws Exception {
        SyntheticScenes data = dataset(5);
        data.prepare();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int e : new int[] {0, 1, 3}) {
                data.useEpoch(e);
                float[] got = data.get(manager, 2).getData().head().toFloatArray();
                org.junit.jupiter.api.Assertions.assertArrayEquals(data.sample(2, e).image(), got, "epoch " + e);
            }
        }
        assertFalse(java.util.Arrays.equals(data.sample(2, 0).image(), data.sample(2, 1).image()));
    }

    @Test
    void keptScenesGiveTheSameBatchesAndAreDrawnOnce() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            SyntheticScenes drawn = dataset(5);
            SyntheticScenes kept = dataset(5, true);
            assertSame(epoch(drawn, null), epoch(kept, two));
            assertSame(epoch(drawn, null), epoch(kept, two));
            org.junit.jupiter.api.Assertions.assertSame(kept.load(3), kept.load(3), "a kept scene is not drawn again");
            assertArrayEquals(drawn.load(3).image().pixels(), kept.load(3).image().pixels());
            assertFalse(drawn.load(3) == drawn.load(3), "without keeping, each load draws anew");
        } finally {
            two.shutdownNow();
        }
    }

    private static CamVid camvid(Path root, boolean cache) {
        return CamVid.builder().setRoot(root).optCacheDecoded(cache).optSeed(5)
                .optTransform(new TrainAugmentation(ScaleSampling.choices(0.5, 0.75, 1.0), 24, 24, true,
                        new ColorJitter(0.2, 0.2, 0.2), Normalization.IMAGENET))
                .setSampling(4, true).optPrefetchNumber(3).build();
    }

    @Test
    void cachedFramesGiveTheSameBatchesAndAreDecodedOnce(@TempDir Path root) throws Exception {
        CamVidTest.writeSynthetic(root, "train", 10, 32, 40);
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            CamVid plain = camvid(root, false);
            CamVid cached = camvid(root, true);
            assertSame(epoch(plain, two), epoch(cached, two));
            List<Object[]> plain1 = epoch(plain, two);
            CamVid verified = CamVid.builder().setRoot(root).optCacheDecoded(true).optVerify(true).build();
            verified.prepare();
            // Epoch 0 decoded every frame into the cache: the cached dataset must not need the files any more.
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.delete(file);
                }
            }
            assertSame(plain1, epoch(cached, two));
            for (long i = 0; i < 10; i++) {
                assertArrayEquals(cached.load(i).image().pixels(), verified.load(i).image().pixels(), "verify filled the cache");
            }
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void shuffleVisitsEverySampleOncePerEpoch() throws Exception {
        SyntheticScenes data = dataset(9);
        try (NDManager manager = NDManager.newBaseManager()) {
            TreeSet<Object> seen = new TreeSet<>();
            for (Batch batch : data.getData(manager)) {
                seen.addAll(batch.getIndices());
                batch.close();
            }
            assertEquals(10, seen.size());
        }
    }

    @Test
    void defaultSamplerIsSequentialSingles() throws Exception {
        SyntheticScenes data = SyntheticScenes.builder().optImageSize(16, 16).optNumSamples(3).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Object> order = new ArrayList<>();
            for (Batch batch : data.getData(manager)) {
                assertEquals(new Shape(1, 3, 16, 16), batch.getData().head().getShape());
                order.addAll(batch.getIndices());
                batch.close();
            }
            assertEquals(List.of(0L, 1L, 2L), order);
        }
    }
}
