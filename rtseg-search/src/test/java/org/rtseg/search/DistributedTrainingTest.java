package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.io.Npy;

/**
 * Data-parallel search across processes under {@code mpirun -np 2} against the same search in one
 * process with as many replicas: every weight, mask and α equal (≤ 1e-5) and identical on both
 * ranks; resumed under MPI; several devices per rank; a rank that dies ends the run. Skipped where
 * Open MPI's mpirun is missing ({@link MpiLaunch}).
 */
class DistributedTrainingTest {

    private static final int STEPS = 4;

    @Test
    void twoRanksSearchExactlyAsTwoReplicasInOneProcess(@TempDir Path dir) throws Exception {
        Map<String, float[]> expected = single(dir.resolve("single"), 2, STEPS);
        MpiLaunch.Result run = mpirun(dir, "mpi", 2, 1, STEPS, STEPS, false);
        assertEquals(0, run.code(), run.output());
        Map<String, float[]> rank0 = read(dir.resolve("mpi/out/rank-0.npz"));
        Map<String, float[]> rank1 = read(dir.resolve("mpi/out/rank-1.npz"));
        assertEqualParameters(expected, rank0, 1e-5);
        for (String name : rank0.keySet()) {
            assertArrayEquals(rank0.get(name), rank1.get(name), name + " differs between the ranks");
        }
        assertLoggedLosses(dir.resolve("single/work/metrics.csv"), dir.resolve("mpi/work/metrics.csv"));
    }

    @Test
    void aRunResumedUnderMpiContinuesExactly(@TempDir Path dir) throws Exception {
        Map<String, float[]> expected = single(dir.resolve("single"), 2, STEPS);
        MpiLaunch.Result first = mpirun(dir, "mpi", 2, 1, STEPS, 2, false);
        assertEquals(0, first.code(), first.output());
        MpiLaunch.Result rest = mpirun(dir, "mpi", 2, 1, STEPS, STEPS, true);
        assertEquals(0, rest.code(), rest.output());
        assertEqualParameters(expected, read(dir.resolve("mpi/out/rank-1.npz")), 1e-5);
        assertLoggedLosses(dir.resolve("single/work/metrics.csv"), dir.resolve("mpi/work/metrics.csv"));
    }

    /**
     * Two steps only: the four gradients are then summed in another order ((g0 + g1) + (g2 + g3)
     * against ((g0 + g1) + g2) + g3), and from the third step a mask weight at its threshold or a
     * Gumbel tie can fall the other way.
     */
    @Test
    void twoRanksOfTwoDevicesSearchAsFourReplicas(@TempDir Path dir) throws Exception {
        Map<String, float[]> expected = single(dir.resolve("single"), 4, 2);
        MpiLaunch.Result run = mpirun(dir, "mpi", 2, 2, 2, 2, false);
        assertEquals(0, run.code(), run.output());
        assertEqualParameters(expected, read(dir.resolve("mpi/out/rank-1.npz")), 1e-5);
    }

    @Test
    void aRankThatDiesEndsTheRunInsteadOfHangingIt(@TempDir Path dir) throws Exception {
        MpiLaunch.Result run = mpirun(dir, "mpi", 2, 1, STEPS, STEPS, false, "1", "2");
        assertNotEquals(0, run.code(), run.output());
        // mpirun names the rank that died, [[job,1],1], and its exit status.
        assertTrue(run.output().matches("(?s).*\\[\\[\\d+,1],1].*Exit code:\\s+3.*"), run.output());
    }

    /** The same search in this process, on {@code replicas} replicas of the CPU. */
    private static Map<String, float[]> single(Path dir, int replicas, int steps) throws Exception {
        DistributedSearchRun.run(dir.resolve("work"), dir.resolve("out"), Communicator.single(), steps, steps, false, replicas, -1);
        return read(dir.resolve("out/rank-0.npz"));
    }

    private static MpiLaunch.Result mpirun(Path dir, String name, int ranks, int devices, int steps, long stopAfter, boolean resume,
            String... dies) throws Exception {
        Path base = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of(MpiLaunch.mpirun(), "--allow-run-as-root", "--oversubscribe", "-np",
                String.valueOf(ranks), MpiLaunch.java(), "-cp", System.getProperty("java.class.path")));
        command.addAll(MpiLaunch.jvmOptions());
        command.addAll(List.of(DistributedSearchRun.class.getName(), base.resolve("work").toString(), base.resolve("out").toString(),
                String.valueOf(steps), String.valueOf(stopAfter), String.valueOf(resume), String.valueOf(devices)));
        command.addAll(List.of(dies));
        return MpiLaunch.run(dir, command, Map.of());
    }

    private static Map<String, float[]> read(Path file) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            NDList list = Npy.read(m, file);
            for (NDArray a : list) {
                out.put(a.getName(), a.toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
        return out;
    }

    private static void assertEqualParameters(Map<String, float[]> expected, Map<String, float[]> actual, double tolerance) {
        assertEquals(expected.keySet(), actual.keySet());
        int architecture = 0;
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] a = e.getValue();
            float[] b = actual.get(e.getKey());
            assertEquals(a.length, b.length, e.getKey());
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], tolerance + tolerance * Math.abs(a[i]), e.getKey() + "[" + i + "]");
            }
            if (e.getKey().endsWith("alpha") || e.getKey().endsWith("_c")) {
                architecture++;
            }
        }
        assertTrue(architecture > 0, "no α or mask among " + expected.keySet());
    }

    /** Rank 0's metrics.csv holds one row per step, with the loss of the whole batch. */
    private static void assertLoggedLosses(Path single, Path distributed) throws IOException {
        List<String> a = Files.readAllLines(single);
        List<String> b = Files.readAllLines(distributed);
        assertEquals(a.size(), b.size(), "rows of " + distributed);
        for (int i = 1; i < a.size(); i++) {
            assertEquals(Double.parseDouble(a.get(i).split(",")[1]), Double.parseDouble(b.get(i).split(",")[1]), 1e-5, "loss of row " + i);
        }
    }
}
