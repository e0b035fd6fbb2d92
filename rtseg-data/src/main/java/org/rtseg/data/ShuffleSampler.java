package org.rtseg.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * A random order drawn from the dataset's (seed, epoch), so that shuffling is reproducible; for a
 * dataset that is not a {@link SegmentationDataset} (e.g. a DJL sub-dataset) it counts its own epochs
 * from seed 0.
 */
public final class ShuffleSampler implements Sampler.SubSampler {

    private int ownEpoch;

    @Override
    public Iterator<Long> sample(RandomAccessDataset dataset) {
        SplittableRandom random;
        if (dataset instanceof SegmentationDataset segmentation) {
            random = SegmentationDataset.sampleRandom(segmentation.seed(), segmentation.epoch(), -1);
        } else {
            random = SegmentationDataset.sampleRandom(0, ownEpoch++, -1);
        }
        long[] order = LongStream.range(0, dataset.size()).toArray();
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return LongStream.of(order).iterator();
    }
}
