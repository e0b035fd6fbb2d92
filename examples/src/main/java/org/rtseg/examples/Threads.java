package org.rtseg.examples;

import org.rtseg.core.Engines;

/** The CLI's {@code --threads}: all cores unless told otherwise, fixed before the engine loads ({@link Engines#setThreads}). */
final class Threads {

    private Threads() {}

    /**
     * Fixes the intra-op threads of libtorch.
     *
     * @param threads the wanted count, or null for {@code -Dai.djl.pytorch.num_threads} when set, else
     *     the JVM's available processors
     * @return the count in force
     */
    static int configure(Integer threads) {
        int n = threads != null ? threads : Integer.getInteger(Engines.THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
        if (n < 1) {
            throw new IllegalArgumentException("--threads must be positive, was " + n);
        }
        Engines.setThreads(n);
        return n;
    }
}
