package org.rtseg.core.distributed;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link Communicator} of the processes {@code mpirun} launched, bound through JNA to the system's
 * Open MPI (4.x, 5.x): MPI_COMM_WORLD, float sums, byte broadcasts. Only the calls data-parallel
 * training needs are bound. Open MPI's handles are addresses of its predefined objects ({@code
 * ompi_mpi_comm_world}, {@code ompi_mpi_float}, …), which is Open MPI's ABI: MPICH and its
 * derivatives, whose handles are integers, are refused with a message. The library is {@code
 * libmpi.so} (or {@code libmpi.so.40}) from the system's library path, or the file named by {@value
 * #LIBRARY}.
 *
 * <p>MPI is initialised with {@code MPI_THREAD_SERIALIZED}: any thread may call, one at a time.
 * {@link #finish()} finalises it at the end of a run; a process that ends without it (an uncaught
 * error) aborts the whole run from a shutdown hook rather than leave the other ranks waiting in a
 * collective. Data moves through host memory: this binding makes no use of CUDA-aware MPI, so GPU
 * gradients are copied to the host for each allreduce.
 */
public final class OpenMpi implements Communicator {

    /** Environment variable naming the libmpi to load instead of the system's {@code libmpi.so}. */
    public static final String LIBRARY = "RTSEG_MPI_LIBRARY";

    /** Environment variable by which {@code mpirun} tells each process the number of processes. */
    public static final String LAUNCHED_SIZE = "OMPI_COMM_WORLD_SIZE";

    private static final int THREAD_SERIALIZED = 2;
    /** RTLD_NOW | RTLD_GLOBAL: Open MPI's plugins, loaded later, resolve libmpi's symbols. */
    private static final int OPEN_GLOBAL = 0x102;
    /** Open MPI's MPI_IN_PLACE is the address 1. */
    private static final Pointer IN_PLACE = new Pointer(1);

    private static Communicator world;

    /** The MPI functions bound; each returns MPI_SUCCESS (0) or an error code. */
    interface Mpi extends Library {
        int MPI_Init_thread(Pointer argc, Pointer argv, int required, IntByReference provided);

        int MPI_Comm_rank(Pointer comm, IntByReference rank);

        int MPI_Comm_size(Pointer comm, IntByReference size);

        int MPI_Allreduce(Pointer send, Pointer receive, int count, Pointer type, Pointer op, Pointer comm);

        int MPI_Bcast(Pointer buffer, int count, Pointer type, int root, Pointer comm);

        int MPI_Allgather(Pointer send, int sendCount, Pointer sendType, Pointer receive, int receiveCount, Pointer receiveType,
                Pointer comm);

        int MPI_Ibarrier(Pointer comm, PointerByReference request);

        int MPI_Test(PointerByReference request, IntByReference flag, Pointer status);

        int MPI_Abort(Pointer comm, int code);

        int MPI_Finalize();
    }

    private final Mpi mpi;
    private final Pointer comm;
    private final Pointer floatType;
    private final Pointer byteType;
    private final Pointer int64Type;
    private final Pointer sum;
    private final int rank;
    private final int size;
    private volatile boolean finished;

    private OpenMpi(String name, NativeLibrary library, Mpi mpi, int launched) {
        this.mpi = mpi;
        comm = global(library, name, "ompi_mpi_comm_world");
        floatType = global(library, name, "ompi_mpi_float");
        byteType = global(library, name, "ompi_mpi_byte");
        int64Type = global(library, name, "ompi_mpi_int64_t");
        sum = global(library, name, "ompi_mpi_op_sum");
        IntByReference provided = new IntByReference();
        check(mpi.MPI_Init_thread(null, null, THREAD_SERIALIZED, provided), "MPI_Init_thread");
        if (provided.getValue() < THREAD_SERIALIZED) {
            throw new IllegalStateException(name + " provides MPI thread level " + provided.getValue()
                    + ", below MPI_THREAD_SERIALIZED; use an Open MPI built with thread support");
        }
        IntByReference value = new IntByReference();
        check(mpi.MPI_Comm_rank(comm, value), "MPI_Comm_rank");
        rank = value.getValue();
        check(mpi.MPI_Comm_size(comm, value), "MPI_Comm_size");
        size = value.getValue();
        if (size != launched) {
            throw new IllegalStateException("mpirun launched " + launched + " processes but MPI_COMM_WORLD has " + size
                    + ": the mpirun on the PATH and " + name + " are different MPI installations; use the mpirun of the same Open MPI");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::abortUnfinished, "rtseg-mpi-exit"));
    }

    static synchronized Communicator world() {
        if (world == null) {
            int launched = launchedSize();
            world = launched > 1 ? load(launched) : Communicator.single();
        }
        return world;
    }

    /**
     * The number of processes {@code mpirun} launched, from its environment.
     *
     * @return {@code OMPI_COMM_WORLD_SIZE}, or 1 when the process was not launched by Open MPI's
     *     mpirun
     */
    public static int launchedSize() {
        return environmentInt(LAUNCHED_SIZE, 1);
    }

    /**
     * This process's rank among those {@code mpirun} started on the same machine.
     *
     * @return {@code OMPI_COMM_WORLD_LOCAL_RANK}, or 0 outside mpirun
     */
    public static int localRank() {
        return environmentInt("OMPI_COMM_WORLD_LOCAL_RANK", 0);
    }

    /**
     * The number of processes {@code mpirun} started on this machine.
     *
     * @return {@code OMPI_COMM_WORLD_LOCAL_SIZE}, or 1 outside mpirun
     */
    public static int localSize() {
        return environmentInt("OMPI_COMM_WORLD_LOCAL_SIZE", 1);
    }

    private static int environmentInt(String name, int otherwise) {
        String value = System.getenv(name);
        try {
            return value == null ? otherwise : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + "=" + value + " is not a number; launch with Open MPI's mpirun");
        }
    }

    private static OpenMpi load(int launched) {
        String configured = System.getenv(LIBRARY);
        List<String> names = configured != null ? List.of(configured) : List.of("mpi", "libmpi.so.40");
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            NativeLibrary library;
            try {
                library = NativeLibrary.getInstance(name, Map.of(Library.OPTION_OPEN_FLAGS, OPEN_GLOBAL));
            } catch (UnsatisfiedLinkError e) {
                failures.add(name + ": " + e.getMessage().lines().findFirst().orElse(""));
                continue;
            }
            Mpi mpi = Native.load(name, Mpi.class, Map.of(Library.OPTION_OPEN_FLAGS, OPEN_GLOBAL));
            return new OpenMpi(library.getFile() == null ? name : library.getFile().toString(), library, mpi, launched);
        }
        throw new IllegalStateException("mpirun launched this process as one of " + launched + " (" + LAUNCHED_SIZE
                + "), but Open MPI's library could not be loaded (" + String.join("; ", failures) + "); install Open MPI "
                + "(Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or set " + LIBRARY + " to its libmpi.so");
    }

    private static Pointer global(NativeLibrary library, String name, String symbol) {
        try {
            return library.getGlobalVariableAddress(symbol);
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException(name + " is not Open MPI (it has no " + symbol + "): rtseg binds Open MPI's handles, "
                    + "and MPICH-family libraries (MPICH, Intel MPI, MVAPICH) differ; set " + LIBRARY + " to Open MPI's libmpi.so", e);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceSum(FloatBuffer values) {
        check(mpi.MPI_Allreduce(IN_PLACE, address(values), values.capacity(), floatType, sum, comm), "MPI_Allreduce");
    }

    @Override
    public void broadcast(ByteBuffer bytes) {
        check(mpi.MPI_Bcast(address(bytes), bytes.capacity(), byteType, 0, comm), "MPI_Bcast");
    }

    @Override
    public long[] allGather(long value) {
        try (Memory send = new Memory(Long.BYTES); Memory receive = new Memory((long) Long.BYTES * size)) {
            send.setLong(0, value);
            check(mpi.MPI_Allgather(send, 1, int64Type, receive, 1, int64Type, comm), "MPI_Allgather");
            return receive.getLongArray(0, size);
        }
    }

    /** A non-blocking barrier tested every 0.2 ms: a rank waiting here leaves its core to the others. */
    @Override
    public void barrier() {
        PointerByReference request = new PointerByReference();
        check(mpi.MPI_Ibarrier(comm, request), "MPI_Ibarrier");
        IntByReference done = new IntByReference();
        while (true) {
            check(mpi.MPI_Test(request, done, null), "MPI_Test");
            if (done.getValue() != 0) {
                return;
            }
            LockSupport.parkNanos(200_000);
        }
    }

    @Override
    public void abort(int code) {
        finished = true;
        System.err.flush();
        mpi.MPI_Abort(comm, code);
        Runtime.getRuntime().halt(code);
    }

    @Override
    public void finish() {
        if (!finished) {
            finished = true;
            check(mpi.MPI_Finalize(), "MPI_Finalize");
        }
    }

    /**
     * Ends this process's part of a run that {@link Communicator#world()} started on MPI: finishes
     * MPI after a success, aborts every rank after a failure. Does nothing when MPI was not started.
     *
     * @param exitCode the process's exit status, 0 for success
     */
    public static synchronized void endWorld(int exitCode) {
        if (world instanceof OpenMpi mpi) {
            if (exitCode == 0) {
                mpi.finish();
            } else {
                mpi.abort(exitCode);
            }
        }
    }

    private void abortUnfinished() {
        if (!finished) {
            System.err.println("rtseg: rank " + rank + " of " + size + " is ending before its run finished (an error here, or mpirun "
                    + "stopping it because another rank failed); ending every rank so that none waits for it");
            abort(1);
        }
    }

    private static Pointer address(Buffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("MPI needs a direct buffer (ByteBuffer.allocateDirect)");
        }
        return Native.getDirectBufferPointer(buffer);
    }

    private void check(int code, String call) {
        if (code != 0) {
            throw new IllegalStateException(call + " failed with MPI error " + code + " on rank " + rank);
        }
    }
}
