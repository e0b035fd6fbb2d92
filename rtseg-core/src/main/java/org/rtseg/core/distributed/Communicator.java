package org.rtseg.core.distributed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes ("ranks") of a data-parallel run and the collective operations its training step
 * needs: PyTorch DistributedDataParallel's, on MPI. Every rank calls every collective in the same
 * order; rank 0 is the root whose weights, BatchNorm statistics and files win.
 *
 * <p>{@link #world()} is the communicator of this process: {@link OpenMpi}'s world when the process
 * was launched by {@code mpirun} with more than one process, else {@link #single()}. It is an
 * extension point: another transport implements these methods, and the trainer takes it through
 * its builder.
 *
 * <p>A rank that fails must not leave the others waiting in a collective: it calls {@link
 * #abort(int)}, which ends every rank of the run (the {@code rtseg} command line does this for
 * every failed command).
 */
public interface Communicator {

    /**
     * This process's rank.
     *
     * @return 0 to {@link #size()} − 1
     */
    int rank();

    /**
     * The number of processes.
     *
     * @return at least 1
     */
    int size();

    /**
     * Whether this process is the root, rank 0: the one that writes checkpoints, metrics and reports.
     *
     * @return {@code rank() == 0}
     */
    default boolean isRoot() {
        return rank() == 0;
    }

    /**
     * Sums a buffer element-wise over all ranks, in place: afterwards every rank holds the same sum.
     *
     * @param values a direct buffer, the same length on every rank
     */
    void allReduceSum(FloatBuffer values);

    /**
     * Copies the root's bytes into every rank's buffer.
     *
     * @param bytes a direct buffer, the same length on every rank; the root's content is sent
     */
    void broadcast(ByteBuffer bytes);

    /**
     * Every rank's value.
     *
     * @param value this rank's value
     * @return the values of ranks 0 to {@link #size()} − 1, the same on every rank
     */
    long[] allGather(long value);

    /** Waits until every rank has called it, without holding a core while it waits. */
    void barrier();

    /**
     * Ends every rank of the run, this one included.
     *
     * @param code the exit status
     */
    void abort(int code);

    /**
     * Ends this process's part of the run after its last collective; every rank calls it once.
     * Nothing to do in a single process.
     */
    default void finish() {}

    /**
     * The root's bytes on every rank, of any length.
     *
     * @param bytes the bytes to send on the root; ignored elsewhere (may be null)
     * @return the root's bytes
     */
    default byte[] broadcast(byte[] bytes) {
        if (size() == 1) {
            return bytes;
        }
        ByteBuffer length = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder());
        length.putLong(0, isRoot() ? bytes.length : 0);
        broadcast(length);
        ByteBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(length.getLong(0)));
        if (isRoot()) {
            data.put(bytes).flip();
        }
        broadcast(data);
        byte[] out = new byte[data.capacity()];
        data.get(0, out);
        return out;
    }

    /**
     * Checks that every rank runs the same thing — the same recipe and network — and fails on every
     * rank, naming the ranks that differ from the root, when one does not. The description is
     * compared through its SHA-256.
     *
     * @param what what is compared, for the message (e.g. "training run")
     * @param description this rank's description of it
     * @throws IllegalStateException on every rank when a rank's description differs from the root's
     */
    default void requireSame(String what, String description) {
        if (size() == 1) {
            return;
        }
        long[] all = allGather(fingerprint(description));
        List<Integer> differ = new ArrayList<>();
        for (int r = 1; r < all.length; r++) {
            if (all[r] != all[0]) {
                differ.add(r);
            }
        }
        if (!differ.isEmpty()) {
            String ranks = differ.size() == 1 ? "rank " + differ.get(0) + " of " + size() + " runs" : "ranks " + differ + " of " + size() + " run";
            throw new IllegalStateException(ranks + " another " + what + " than rank 0 (the configs, network or devices per process differ); "
                    + "launch every rank with the same arguments and files");
        }
    }

    /**
     * Runs an action on the root only while the other ranks wait for it, e.g. writing a file that
     * every rank reads next (which needs the work directory on a file system all ranks share).
     *
     * @param action what the root does
     * @throws java.io.IOException when the root's action fails (the other ranks then wait until
     *     {@link #abort} ends them)
     */
    default void onRoot(IoAction action) throws java.io.IOException {
        if (isRoot()) {
            action.run();
        }
        barrier();
    }

    /** An action that may fail with an {@link java.io.IOException}. */
    @FunctionalInterface
    interface IoAction {
        /**
         * Runs the action.
         *
         * @throws java.io.IOException when it fails
         */
        void run() throws java.io.IOException;
    }

    /**
     * The communicator of one process alone: collectives return at once.
     *
     * @return the single-process communicator
     */
    static Communicator single() {
        return SingleProcess.INSTANCE;
    }

    /**
     * This process's communicator: Open MPI's world when {@code mpirun} launched it with more than
     * one process ({@code OMPI_COMM_WORLD_SIZE} > 1), else {@link #single()}. MPI is initialised on
     * the first call; {@link #finish()} or {@link #abort} ends it.
     *
     * @return the communicator of the processes of this run
     * @throws IllegalStateException when mpirun launched this process but Open MPI's library cannot
     *     be loaded or initialised
     */
    static Communicator world() {
        return OpenMpi.world();
    }

    private static long fingerprint(String description) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(description.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
