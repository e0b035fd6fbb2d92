package org.rtseg.latency;

import org.rtseg.core.blocks.BlockSpec;

/**
 * The fixed split of a dataset by unit key: 70 % training, 15 % validation (early stopping), 15 %
 * held-out test. A unit's part depends only on its key, so a grown or reordered dataset keeps the
 * held-out units held out, and {@code fit} and {@code eval} agree on them.
 */
public enum Splits {
    /** The 70 % the predictor learns from. */
    TRAIN,
    /** The 15 % that decide early stopping. */
    VALIDATION,
    /** The 15 % held out for evaluation. */
    TEST;

    /**
     * The part a unit belongs to.
     *
     * @param spec the unit; its canonical key decides
     * @return its part
     */
    public static Splits of(BlockSpec spec) {
        long h = Units.key(Units.canonical(spec)).hashCode() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        int bucket = (int) Long.remainderUnsigned(h, 100);
        return bucket < 15 ? TEST : bucket < 30 ? VALIDATION : TRAIN;
    }
}
