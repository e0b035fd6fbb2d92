package org.rtseg.data.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.rtseg.data.CamVid;
import org.rtseg.data.Cityscapes;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.LabelMap;
import org.rtseg.data.LabeledImage;
import org.rtseg.data.SyntheticScenes;
import org.rtseg.data.augment.ColorJitter;
import org.rtseg.data.augment.Normalization;
import org.rtseg.data.augment.ScaleSampling;
import org.rtseg.data.augment.TrainAugmentation;
import org.rtseg.data.eval.ConfusionMatrix;

/**
 * Measures the input pipeline on Cityscapes-size frames: images/s for decoding alone and for decoding
 * plus the full training augmentation (random scale in [0.5, 2], 512×1024 crop, flip, jitter,
 * normalisation), on 1 and 2 worker threads; the same through DJL's {@code getData} with an executor
 * (batches of NDArrays, what a trainer sees); and the confusion-matrix update rate in pixels/s.
 *
 * <p>Frames are synthetic street scenes drawn at 2048×1024 and written as a Cityscapes layout (RGB PNG +
 * labelIds PNG) to a temporary folder, which is deleted afterwards.
 *
 * <p>With {@code camvid ROOT} it measures instead what the decoded-frame cache saves on a small real
 * dataset: CamVid train (367 frames of 480×360), 192×256 crops from scales {0.5, 0.75, 1.0}, flip, jitter,
 * on one thread, decoding every PNG each time against reading the decoded frames from memory.
 *
 * <p>Run from the repository root after {@code mvn -B -pl rtseg-data package -DskipTests}:
 *
 * <pre>
 * mvn -B -q -pl rtseg-data dependency:build-classpath -Dmdep.outputFile=/tmp/rtseg-data.cp
 * java -cp rtseg-data/target/classes:$(cat /tmp/rtseg-data.cp) org.rtseg.data.bench.DataBenchmark [frames] [seconds]
 * java -cp rtseg-data/target/classes:$(cat /tmp/rtseg-data.cp) org.rtseg.data.bench.DataBenchmark camvid ROOT [seconds]
 * </pre>
 */
public final class DataBenchmark {

    private DataBenchmark() {}

    /**
     * @param args optional: number of distinct frames (default 6), seconds per measurement (default 6); or
     *     {@code camvid}, the CamVid root and optionally the seconds per measurement
     * @throws Exception when the frames cannot be written or read, or a worker thread fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("camvid")) {
            camvid(Path.of(args[1]), args.length > 2 ? Double.parseDouble(args[2]) : 6);
            return;
        }
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 6;
        Path root = Files.createTempDirectory("rtseg-bench");
        try {
            writeFrames(root, frames);
            Cityscapes decodeOnly = Cityscapes.builder().setRoot(root).optSplit("train").build();
            Cityscapes augmented = Cityscapes.builder().setRoot(root).optSplit("train")
                    .optTransform(TrainAugmentation.standard(512, 1024)).build();
            decodeOnly.prepare();
            augmented.prepare();
            System.out.printf(Locale.ROOT, "%d frames of 2048x1024 (PNG image + labelIds PNG), %d cores%n",
                    frames, Runtime.getRuntime().availableProcessors());
            for (int threads : new int[] {1, 2}) {
                double decode = rate(threads, seconds, frames, i -> decodeOnly.load(i));
                double full = rate(threads, seconds, frames, i -> augmented.sample(i, 0));
                System.out.printf(Locale.ROOT,
                        "threads=%d  decode: %.2f img/s  decode+augment: %.2f img/s  augmentation overhead: %+.1f%%%n",
                        threads, decode, full, (decode / full - 1) * 100);
            }
            for (int threads : new int[] {1, 2}) {
                System.out.printf(Locale.ROOT, "threads=%d  DJL getData (batch 2, NDArrays included): %.2f img/s%n",
                        threads, loaderRate(root, threads, seconds));
            }
            System.out.printf(Locale.ROOT, "confusion matrix (19 classes, 2048x1024, 1 core): %.0f Mpx/s%n",
                    confusionRate(augmented.load(0).label(), seconds) / 1e6);
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Decode + augment on CamVid train at 1 thread, without and with the decoded-frame cache. */
    private static void camvid(Path root, double seconds) throws Exception {
        TrainAugmentation crops = new TrainAugmentation(ScaleSampling.choices(0.5, 0.75, 1.0), 192, 256, true,
                new ColorJitter(0.2, 0.2, 0.2), Normalization.IMAGENET);
        CamVid decoding = CamVid.builder().setRoot(root).optTransform(crops).build();
        CamVid cached = CamVid.builder().setRoot(root).optTransform(crops).optCacheDecoded(true).optVerify(true).build();
        decoding.prepare();
        long start = System.nanoTime();
        cached.prepare();
        double fill = (System.nanoTime() - start) / 1e9;
        int frames = Math.toIntExact(decoding.size());
        LabeledImage first = cached.load(0);
        double megabytes = 4.0 * first.image().width() * first.image().height() * frames / 1e6;
        System.out.printf(Locale.ROOT, "CamVid train: %d frames of %dx%d; 192x256 crops, scales {0.5, 0.75, 1.0}, flip,"
                + " jitter 0.2; 1 thread%n", frames, first.image().width(), first.image().height());
        System.out.printf(Locale.ROOT, "filling the cache (optVerify): %.1f s, %.0f MB%n", fill, megabytes);
        // Interleaved rounds and medians: on shared cores one measurement can be off by a factor of two.
        int rounds = 5;
        double[] decode = new double[rounds];
        double[] plain = new double[rounds];
        double[] fast = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            decode[r] = rate(1, seconds, frames, i -> decoding.load(i));
            plain[r] = rate(1, seconds, frames, i -> decoding.sample(i, 0));
            fast[r] = rate(1, seconds, frames, i -> cached.sample(i, 0));
        }
        System.out.printf(Locale.ROOT, "medians of %d rounds: decode only: %.1f img/s  decode+augment: %.1f img/s"
                + "  cached+augment: %.1f img/s (x%.1f)%n", rounds, median(decode), median(plain), median(fast),
                median(fast) / median(plain));
        System.out.printf(Locale.ROOT, "ranges: decode only %.1f..%.1f  decode+augment %.1f..%.1f  cached+augment %.1f..%.1f%n",
                min(decode), max(decode), min(plain), max(plain), min(fast), max(fast));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    /** One unit of measured work on sample {@code index}. */
    @FunctionalInterface
    private interface Work {
        Object run(long index) throws IOException;
    }

    private static void writeFrames(Path root, int frames) throws IOException {
        SyntheticScenes scenes = SyntheticScenes.builder().optImageSize(1024, 2048).optNumClasses(19).build();
        for (int i = 0; i < frames; i++) {
            LabeledImage scene = scenes.load(i);
            String key = String.format(Locale.ROOT, "bench_%06d_000019", i);
            ImageFiles.writeRgbPng(root.resolve("leftImg8bit/train/bench/" + key + "_leftImg8bit.png"), scene.image());
            ImageFiles.writeIndexPng(root.resolve("gtFine/train/bench/" + key + "_gtFine_labelIds.png"),
                    LabelFormat.CITYSCAPES.classesToFileValues(scene.label()), null);
        }
    }

    /** Images per second with {@code threads} workers, each taking the next index, after a warm-up. */
    private static double rate(int threads, double seconds, int frames, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            run(pool, threads, 1.5, frames, work);
            long start = System.nanoTime();
            long done = run(pool, threads, seconds, frames, work);
            return done / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long run(ExecutorService pool, int threads, double seconds, int frames, Work work)
            throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Future<Long>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            workers.add(pool.submit(() -> {
                long n = 0;
                for (long i = offset; System.nanoTime() < deadline; i += threads, n++) {
                    try {
                        work.run(i % frames);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return n;
            }));
        }
        long total = 0;
        for (Future<Long> f : workers) {
            total += f.get();
        }
        return total;
    }

    /** Images per second through DJL's multi-threaded {@code getData}, the path a trainer uses. */
    private static double loaderRate(Path root, int threads, double seconds) throws Exception {
        Cityscapes dataset = Cityscapes.builder().setRoot(root).optSplit("train")
                .optTransform(TrainAugmentation.standard(512, 1024))
                .setSampling(2, true).optPrefetchNumber(threads + 1).build();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (NDManager manager = NDManager.newBaseManager()) {
            long images = 0;
            long start = 0;
            boolean warm = false;
            while (!warm || System.nanoTime() - start < seconds * 1e9) {
                for (Batch batch : dataset.getData(manager, pool)) {
                    images += batch.getSize();
                    batch.close();
                }
                if (!warm) {
                    warm = true;
                    images = 0;
                    start = System.nanoTime();
                }
            }
            return images / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double confusionRate(LabelMap gt, double seconds) {
        byte[] pred = gt.values().clone();
        for (int i = 0; i < pred.length; i += 7) {
            pred[i] = (byte) ((pred[i] + 1) % 19);
        }
        ConfusionMatrix matrix = new ConfusionMatrix(19);
        for (int i = 0; i < 20; i++) {
            matrix.update(gt.values(), pred);
        }
        long start = System.nanoTime();
        long pixels = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            matrix.update(gt.values(), pred);
            pixels += pred.length;
        }
        return pixels / ((System.nanoTime() - start) / 1e9);
    }
}
