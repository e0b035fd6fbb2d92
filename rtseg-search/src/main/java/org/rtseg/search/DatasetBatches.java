package org.rtseg.search;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Batches from a DJL dataset of (image, label) records: epoch e visits the samples in an order
 * shuffled by (seed, e); iteration i takes the next {@code batchSize} of them. A dataset whose
 * augmentation depends on the epoch is told the epoch before each batch.
 *
 * <p>Sharded over the ranks of a distributed run (PyTorch's DistributedSampler with {@code
 * drop_last}), every rank shuffles with the same seed, iteration i's global batch is the next
 * {@code batchSize × ranks} samples of the epoch, and rank r takes the r-th {@code batchSize} of
 * them: the ranks' shards are disjoint, and each sample is seen at most once per epoch (the
 * remainder of a global batch is left out, a different one each epoch).
 */
public final class DatasetBatches implements BatchSource {

    private final RandomAccessDataset dataset;
    private final int batchSize;
    private final long seed;
    private final IntConsumer epochListener;
    private final long size;
    private final int rank;
    private final int ranks;
    private int[] order;
    private long orderEpoch = -1;

    /**
     * @param dataset records of image CHW float32 and label HW int32
     * @param batchSize images per batch (≥ 2: BatchNorm after global pooling)
     * @param seed the shuffle seed
     * @param epochListener told the epoch before a batch is read (e.g. {@code dataset::useEpoch})
     */
    public DatasetBatches(RandomAccessDataset dataset, int batchSize, long seed, IntConsumer epochListener) {
        this(dataset, batchSize, seed, epochListener, 0, 1);
    }

    /**
     * One rank's shards of the global batches of a distributed run.
     *
     * @param dataset records of image CHW float32 and label HW int32
     * @param batchSize images per batch of this rank (≥ 2: BatchNorm after global pooling)
     * @param seed the shuffle seed, the same on every rank
     * @param epochListener told the epoch before a batch is read (e.g. {@code dataset::useEpoch})
     * @param rank this rank, 0 to {@code ranks} − 1
     * @param ranks the number of ranks
     */
    public DatasetBatches(RandomAccessDataset dataset, int batchSize, long seed, IntConsumer epochListener, int rank, int ranks) {
        if (ranks < 1 || rank < 0 || rank >= ranks) {
            throw new IllegalArgumentException("rank " + rank + " of " + ranks + " ranks: a rank is 0 to ranks - 1");
        }
        this.size = dataset.size();
        if (size < (long) batchSize * ranks) {
            throw new IllegalArgumentException("the dataset has " + size + " samples, fewer than a batch of " + batchSize
                    + (ranks > 1 ? " on each of " + ranks + " ranks" : ""));
        }
        this.rank = rank;
        this.ranks = ranks;
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.seed = seed;
        this.epochListener = epochListener;
    }

    @Override
    public synchronized NDList batch(NDManager manager, long iteration) {
        long global = (long) batchSize * ranks;
        long perEpoch = size / global;
        long epoch = iteration / perEpoch;
        int offset = (int) ((iteration % perEpoch) * global + (long) rank * batchSize);
        if (epoch != orderEpoch) {
            order = shuffle(epoch);
            orderEpoch = epoch;
        }
        epochListener.accept((int) epoch);
        NDList images = new NDList();
        NDList labels = new NDList();
        for (int i = 0; i < batchSize; i++) {
            try {
                Record r = dataset.get(manager, order[offset + i]);
                images.add(r.getData().head());
                labels.add(r.getLabels().head());
            } catch (IOException e) {
                throw new IllegalStateException("cannot read sample " + order[offset + i] + ": " + e.getMessage(), e);
            }
        }
        NDArray x = NDArrays.stack(images);
        NDArray y = NDArrays.stack(labels);
        return new NDList(x, y);
    }

    private int[] shuffle(long epoch) {
        int[] idx = java.util.stream.IntStream.range(0, (int) size).toArray();
        SplittableRandom random = new SplittableRandom(seed * 31 + epoch);
        for (int i = idx.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }
}
