package org.rtseg.data;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.training.dataset.Sampler;
import ai.djl.training.dataset.SequenceSampler;
import ai.djl.translate.TranslateException;
import ai.djl.util.Progress;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.rtseg.data.augment.EvalTransform;
import org.rtseg.data.augment.SegmentationTransform;
import org.rtseg.data.augment.TransformedSample;

/**
 * A semantic-segmentation dataset for DJL: each record is an image {@code (3, H, W)} float32 and a label
 * {@code (H, W)} int32 of class ids (255 = ignore), after the configured transform.
 *
 * <p>Reproducibility is built in rather than left to the caller: the random stream of a sample is
 * derived from (seed, epoch, index), and the shuffle from (seed, epoch), so the same seed gives the same
 * batches whether {@link #getData(NDManager, ExecutorService)} runs on 0, 1 or 8 worker threads. Each
 * call to {@code getData} starts the next epoch (the first is epoch 0), so a trainer that asks for the
 * data once per epoch gets fresh augmentation every epoch without knowing about epochs; use
 * {@link #setEpoch} to resume. One iteration at a time per dataset instance.
 *
 * <p>Multi-threaded loading is DJL's own: {@code getData(manager, executor)} builds each batch on an
 * executor thread (decode, augment, one NDArray copy) while the trainer consumes the previous ones;
 * set {@code optPrefetchNumber} to at least the number of threads.
 */
public abstract class SegmentationDataset extends RandomAccessDataset {

    private final SegmentationTransform transform;
    private final long seed;
    private final AtomicInteger epoch = new AtomicInteger(-1);

    /**
     * Builds from the builder's sampling, transform and seed.
     *
     * @param builder the concrete dataset's builder, with its options set
     */
    protected SegmentationDataset(Builder<?> builder) {
        super(builder);
        this.transform = builder.transform;
        this.seed = builder.seed;
    }

    /**
     * Class names, palette, label file convention and official averaging rule.
     *
     * @return the dataset's label format, never null
     */
    public abstract LabelFormat format();

    /**
     * Decodes sample {@code index} without transform: the image and its labels in class ids.
     *
     * @param index the sample, from 0 to {@code size() - 1}
     * @return the decoded image and its label map at the file's size
     * @throws InvalidDataException naming the file when it is missing, corrupt or inconsistent
     */
    public abstract LabeledImage load(long index) throws IOException;

    /**
     * Lists (and optionally verifies) the data; idempotent. Narrowed to {@link IOException}: nothing here
     * translates, and callers should not have to catch DJL's {@code TranslateException}.
     */
    @Override
    public abstract void prepare(Progress progress) throws IOException;

    /** {@link #prepare(Progress)} without progress display. */
    @Override
    public void prepare() throws IOException {
        prepare(null);
    }

    /**
     * The transform applied by {@link #get}.
     *
     * @return the transform; {@link EvalTransform#none()} unless the builder set one
     */
    public SegmentationTransform transform() {
        return transform;
    }

    /**
     * The seed of shuffling and augmentation.
     *
     * @return the builder's seed, 0 by default
     */
    public long seed() {
        return seed;
    }

    /**
     * The epoch of the current (or, before the first {@code getData}, the next) iteration.
     *
     * @return the epoch, 0 or more
     */
    public int epoch() {
        return Math.max(epoch.get(), 0);
    }

    /**
     * Makes the next {@code getData} call start epoch {@code next}, e.g. when resuming training.
     *
     * @param next the epoch the next iteration runs as, 0 for the first
     */
    public void setEpoch(int next) {
        epoch.set(next - 1);
    }

    /**
     * Makes {@link #get} augment as in epoch {@code current}: for loaders that read samples by index
     * rather than through {@code getData}, which advances the epoch itself.
     *
     * @param current the epoch whose augmentation {@link #get} reproduces, 0 for the first
     */
    public void useEpoch(int current) {
        epoch.set(current);
    }

    /**
     * Decodes and transforms sample {@code index} as it is in epoch {@code epoch}, without NDArrays: the
     * path of benchmarks and of callers with their own loaders.
     *
     * @param index the sample, from 0 to {@code size() - 1}
     * @param epoch the epoch whose random stream drives the augmentation, 0 for the first
     * @return the transformed image and label, as {@link #get} would turn into NDArrays
     * @throws IOException when the sample cannot be read or decoded ({@link InvalidDataException} names
     *     the file)
     */
    public TransformedSample sample(long index, int epoch) throws IOException {
        return transform.apply(load(index), sampleRandom(seed, epoch, index));
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        return sample(index, epoch()).toRecord(manager);
    }

    @Override
    public Iterable<Batch> getData(NDManager manager, Sampler sampler, ExecutorService executor)
            throws IOException, TranslateException {
        prepare();
        epoch.incrementAndGet();
        return super.getData(manager, sampler, executor);
    }

    /**
     * Class names in class-id order.
     *
     * @return the names of {@link #format()}, element {@code i} naming class id {@code i}
     */
    public List<String> classNames() {
        return format().classNames();
    }

    /**
     * The random stream of one sample in one epoch. SplitMix64 finalisers decorrelate neighbouring
     * seeds, epochs and indices, which a plain {@code new Random(seed + index)} would not.
     *
     * @param seed the dataset's seed
     * @param epoch the epoch, 0 for the first
     * @param index the sample index
     * @return a new generator, the same for the same three values
     */
    public static SplittableRandom sampleRandom(long seed, long epoch, long index) {
        long h = mix(seed ^ 0x632BE59BD9B4E019L);
        h = mix(h + epoch * 0x9E3779B97F4A7C15L);
        h = mix(h + index * 0xBF58476D1CE4E5B9L);
        return new SplittableRandom(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Common builder options.
     *
     * @param <T> the concrete builder
     */
    public abstract static class Builder<T extends Builder<T>> extends RandomAccessDataset.BaseBuilder<T> {

        private SegmentationTransform transform = EvalTransform.none();
        private long seed;

        /**
         * The transform: a {@code TrainAugmentation} for training, an {@code EvalTransform} otherwise.
         *
         * @param transform the transform applied to every sample (default {@link EvalTransform#none()})
         * @return this builder
         */
        public T optTransform(SegmentationTransform transform) {
            this.transform = transform;
            return self();
        }

        /**
         * The seed of shuffling and augmentation (default 0).
         *
         * @param seed any value; the same seed gives the same batches
         * @return this builder
         */
        public T optSeed(long seed) {
            this.seed = seed;
            return self();
        }

        /** The sampler; unlike DJL's builders this defaults to sequential batches of 1 rather than failing. */
        @Override
        public Sampler getSampler() {
            return sampler != null ? sampler : new BatchSampler(new SequenceSampler(), 1, false);
        }

        /**
         * As DJL's, but the random order comes from the dataset's seed and epoch (DJL's
         * {@code RandomSampler} draws from a global unseeded generator).
         */
        @Override
        public T setSampling(int batchSize, boolean random, boolean dropLast) {
            Sampler.SubSampler order = random ? new ShuffleSampler() : new SequenceSampler();
            return setSampling(new BatchSampler(order, batchSize, dropLast));
        }
    }
}
