package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The distributed sampler: disjoint shards of one shuffled order, each sample at most once per epoch. */
class DatasetBatchesTest {

    /** 13 samples, 2 ranks of batch 2: 3 global batches of 4 per epoch, one sample left out, a different one each epoch. */
    @Test
    void ranksTakeDisjointShardsOfTheGlobalBatchAndEachSampleAtMostOncePerEpoch() {
        IndexedRecords data = indices(13);
        List<DatasetBatches> ranks = List.of(new DatasetBatches(data, 2, 5, e -> {}, 0, 2), new DatasetBatches(data, 2, 5, e -> {}, 1, 2));
        DatasetBatches whole = new DatasetBatches(data, 4, 5, e -> {});
        Set<Set<Integer>> leftOut = new HashSet<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int epoch = 0; epoch < 3; epoch++) {
                Set<Integer> seen = new HashSet<>();
                for (int step = 3 * epoch; step < 3 * epoch + 3; step++) {
                    List<Integer> global = new ArrayList<>();
                    for (DatasetBatches rank : ranks) {
                        global.addAll(indices(rank.batch(m, step)));
                    }
                    assertEquals(indices(whole.batch(m, step)), global, "rank 0's shard, then rank 1's, is one process's batch");
                    for (int i : global) {
                        assertTrue(seen.add(i), "sample " + i + " twice in epoch " + epoch);
                    }
                }
                assertEquals(12, seen.size());
                Set<Integer> missing = new HashSet<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
                missing.removeAll(seen);
                leftOut.add(missing);
            }
        }
        assertTrue(leftOut.size() > 1, "the sample left out changes with the epoch: " + leftOut);
    }

    @Test
    void aRankOutsideTheRunOrTooFewSamplesAreRefused() {
        IndexedRecords data = indices(7);
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> new DatasetBatches(data, 2, 0, e -> {}, 2, 2));
        assertTrue(rank.getMessage().contains("rank 2 of 2 ranks"), rank.getMessage());
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class, () -> new DatasetBatches(data, 2, 0, e -> {}, 0, 4));
        assertTrue(few.getMessage().contains("fewer than a batch of 2 on each of 4 ranks"), few.getMessage());
    }

    private static List<Integer> indices(NDList batch) {
        List<Integer> out = new ArrayList<>();
        for (float v : batch.get(0).toFloatArray()) {
            out.add((int) v);
        }
        return out;
    }

    /** Sample i: a 1×1 image of value i. */
    private static IndexedRecords indices(int size) {
        return new IndexedRecords(size, (manager, index) -> new Record(new NDList(manager.create(new float[] {index}, new Shape(1, 1, 1))),
                new NDList(manager.create(new int[] {0}, new Shape(1, 1)))));
    }
}
