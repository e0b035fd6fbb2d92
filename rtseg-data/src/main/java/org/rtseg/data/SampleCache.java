package org.rtseg.data;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Samples kept in memory after they were first made, by index: for datasets that would otherwise
 * decode (or draw) the same frame again every epoch. The samples are shared and must not be
 * modified; the transforms only read them.
 */
final class SampleCache {

    /** How a sample is made when it is not cached yet: decoded (may fail) or drawn. */
    @FunctionalInterface
    interface Maker<E extends Exception> {
        LabeledImage make() throws E;
    }

    private final AtomicReferenceArray<LabeledImage> samples;

    SampleCache(int size) {
        samples = new AtomicReferenceArray<>(size);
    }

    /** The cached sample {@code index}, made by {@code maker} the first time. */
    <E extends Exception> LabeledImage get(int index, Maker<E> maker) throws E {
        LabeledImage sample = samples.get(index);
        if (sample == null) {
            // Two loader threads may make the same sample at once; both results are equal, the first is kept.
            samples.compareAndSet(index, null, maker.make());
            sample = samples.get(index);
        }
        return sample;
    }

    /** Caches {@code sample} as sample {@code index}. */
    void put(int index, LabeledImage sample) {
        samples.set(index, sample);
    }
}
