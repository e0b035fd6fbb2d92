package org.rtseg.search;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.util.function.BiFunction;

/** A dataset of {@code size} records, record i made by a function of i: the tests' samplers read it. */
final class IndexedRecords extends RandomAccessDataset {

    private final long size;
    private final BiFunction<NDManager, Long, Record> record;

    IndexedRecords(long size, BiFunction<NDManager, Long, Record> record) {
        super(new Builder().setSampling(1, false));
        this.size = size;
        this.record = record;
    }

    @Override
    public Record get(NDManager manager, long index) {
        return record.apply(manager, index);
    }

    @Override
    protected long availableSize() {
        return size;
    }

    @Override
    public void prepare(Progress progress) {}

    private static final class Builder extends BaseBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
