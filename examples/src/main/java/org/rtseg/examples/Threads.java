package org.rtseg.examples;

/** libtorch's thread count, which must be fixed before the engine first loads. */
final class Threads {

    private Threads() {}

    /**
     * Sets the intra-op threads of libtorch (and OpenMP's default) unless already set.
     *
     * @param threads the wanted count, or null for the JVM's available processors
     * @return the count in force
     */
    static int configure(Integer threads) {
        int n = threads != null ? threads : Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        if (n < 1) {
            throw new IllegalArgumentException("--threads must be positive, was " + n);
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        return n;
    }
}
