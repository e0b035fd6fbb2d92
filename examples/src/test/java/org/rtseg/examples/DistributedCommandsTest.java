package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.search.MpiLaunch;

/**
 * The command line under {@code mpirun}: a training command runs as it is on two ranks, and a bad
 * launch — ranks with different configs, a rank that never joins, a command that does not train,
 * MPI missing or another MPI — ends with a message naming the cause instead of hanging. The mpirun
 * tests skip where Open MPI is not installed ({@link MpiLaunch}).
 */
class DistributedCommandsTest {

    /**
     * Launched as {@code java -jar} is — the class path and JVM options from the environment, so
     * that the first argument containing "cp" is {@code cpu} and mpirun's rewrite of the argument
     * after it happens and must be undone.
     */
    @Test
    void pretrainRunsUnderMpirunAsItIs(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        Path work = dir.resolve("pre");
        List<String> command = new ArrayList<>(List.of(MpiLaunch.mpirun(), "--allow-run-as-root", "--oversubscribe", "-np", "2"));
        command.addAll(List.of(MpiLaunch.java(), RtsegCommand.class.getName(), "pretrain", "--config", config.toString(), "--device", "cpu",
                "--work", work.toString(), "--threads", "1", "--set", "training.iterations=3"));
        MpiLaunch.Result run = MpiLaunch.run(dir, command, Map.of("CLASSPATH", System.getProperty("java.class.path"), "JAVA_TOOL_OPTIONS",
                String.join(" ", MpiLaunch.jvmOptions())));
        assertEquals(0, run.code(), run.output());
        assertTrue(Files.exists(work.resolve("model/config.json")) && Files.exists(work.resolve("teacher/config.json")), run.output());
        assertEquals(1 + 3, Files.readAllLines(work.resolve("metrics.csv")).size(), "one row per step, written by rank 0 alone");
        assertEquals(1, run.output().split("pretrained supernet written to", -1).length - 1, "rank 0 alone reports:\n" + run.output());
        assertTrue(run.output().contains("PRETRAIN on 2 ranks: communication"), run.output());
    }

    @Test
    void ranksWithDifferentConfigsStopWithTheCause(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        MpiLaunch.Result run = mpirun(dir, rankByRank(
                rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1"),
                rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1", "--set",
                        "training.learningRate=0.5")), List.of());
        assertNotEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("rank 1 of 2 runs another training run than rank 0"), run.output());
        assertTrue(Files.notExists(dir.resolve("w/metrics.csv")) || Files.readAllLines(dir.resolve("w/metrics.csv")).size() == 1, run.output());
    }

    @Test
    void aRankThatNeverJoinsStopsTheOthers(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        MpiLaunch.Result run = mpirun(dir, rankByRank(
                rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1"),
                rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--no-such-option")), List.of());
        assertNotEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("Unknown option: '--no-such-option'"), run.output());
    }

    @Test
    void aCommandThatDoesNotTrainIsRefusedUnderMpirun(@TempDir Path dir) throws Exception {
        MpiLaunch.Result run = mpirun(dir, List.of("-np", "2"), rtseg("complexity", "--preset", "rtseg-s"));
        assertNotEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("rtseg complexity runs in one process: launch it without mpirun"), run.output());
    }

    /** No mpirun needed: the environment of an mpirun launch, and a library that is missing or is not Open MPI. */
    @Test
    void missingOrForeignMpiIsNamed(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        List<String> pretrain = rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1");
        MpiLaunch.Result missing = MpiLaunch.run(dir, pretrain, Map.of("OMPI_COMM_WORLD_SIZE", "2", "RTSEG_MPI_LIBRARY", dir.resolve("libmpi.so").toString()));
        assertEquals(1, missing.code(), missing.output());
        assertTrue(missing.output().contains("Open MPI's library could not be loaded"), missing.output());
        assertTrue(missing.output().contains("apt-get install openmpi-bin libopenmpi-dev"), missing.output());
        MpiLaunch.Result foreign = MpiLaunch.run(dir, pretrain, Map.of("OMPI_COMM_WORLD_SIZE", "2", "RTSEG_MPI_LIBRARY", "libc.so.6"));
        assertEquals(1, foreign.code(), foreign.output());
        assertTrue(foreign.output().contains("is not Open MPI (it has no ompi_mpi_comm_world)"), foreign.output());
        assertTrue(Files.notExists(dir.resolve("w")), "nothing written");
    }

    /** Open MPI's rewrite for java programs, undone: after the first argument with "cp", or on the first argument. */
    @Test
    void mpirunsRewriteOfJavaArgumentsIsUndone() {
        String cwd = "/home/me/runs";
        assertEquals(List.of("--device", "cpu", "--work", "w"), List.of(RtsegCommand.undoMpirunJavaRewrite(
                new String[] {"--device", "cpu", cwd + ":--work", "w"}, cwd, true)));
        assertEquals(List.of("pretrain", "--work", "w"), List.of(RtsegCommand.undoMpirunJavaRewrite(
                new String[] {cwd + ":pretrain", "--work", "w"}, cwd, true)), "a JVM option held the \"cp\"");
        assertEquals(List.of("--device", "cpu", "--work", "w"), List.of(RtsegCommand.undoMpirunJavaRewrite(
                new String[] {"--device", "cpu", cwd + ":/usr/lib/openmpi/mpi.jar:/usr/lib/openmpi/shmem.jar:--work", "w"}, cwd, true)));
        assertEquals(List.of("--set", "a.cpus=2", "--work", cwd + ":x"), List.of(RtsegCommand.undoMpirunJavaRewrite(
                new String[] {"--set", "a.cpus=2", "--work", cwd + ":x"}, cwd, true)), "only the argument mpirun rewrote");
        assertEquals(List.of("--device", "cpu", cwd + ":--work"), List.of(RtsegCommand.undoMpirunJavaRewrite(
                new String[] {"--device", "cpu", cwd + ":--work"}, cwd, false)), "outside mpirun nothing changes");
    }

    /** Under mpirun, each rank of a machine trains on its equal share of the machine's GPUs. */
    @Test
    void eachRankOfAMachineTakesItsShareOfTheGpus() {
        List<ai.djl.Device> four = List.of(ai.djl.Device.gpu(0), ai.djl.Device.gpu(1), ai.djl.Device.gpu(2), ai.djl.Device.gpu(3));
        assertEquals(List.of(ai.djl.Device.gpu(2), ai.djl.Device.gpu(3)), RuntimeOptions.localShare(four, 1, 2));
        assertEquals(List.of(ai.djl.Device.gpu(1)), RuntimeOptions.localShare(four, 1, 4));
        assertEquals(four, RuntimeOptions.localShare(four, 0, 1));
        assertEquals(List.of(ai.djl.Device.cpu()), RuntimeOptions.localShare(List.of(ai.djl.Device.cpu()), 1, 2), "the CPU is every rank's");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RuntimeOptions.localShare(four, 0, 3));
        assertTrue(e.getMessage().contains("4 GPUs do not split evenly over the 3 ranks"), e.getMessage());
    }

    private static Path config(Path dir) throws Exception {
        Path config = dir.resolve("run.json");
        Files.writeString(config, PhaseCommandsTest.RUN);
        return config;
    }

    /** {@code java -cp … RtsegCommand args}, with this JVM's class path and engine settings. */
    private static List<String> rtseg(String... args) {
        List<String> command = new ArrayList<>(List.of(MpiLaunch.java(), "-cp", System.getProperty("java.class.path")));
        command.addAll(MpiLaunch.jvmOptions());
        command.add(RtsegCommand.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** mpirun's options for two ranks that run different programs (MPMD): {@code -np 1 A : -np 1 B}. */
    private static List<String> rankByRank(List<String> rank0, List<String> rank1) {
        List<String> options = new ArrayList<>(List.of("-np", "1"));
        options.addAll(rank0);
        options.addAll(List.of(":", "-np", "1"));
        options.addAll(rank1);
        return options;
    }

    private static MpiLaunch.Result mpirun(Path dir, List<String> options, List<String> program) throws Exception {
        List<String> command = new ArrayList<>(List.of(MpiLaunch.mpirun(), "--allow-run-as-root", "--oversubscribe"));
        command.addAll(options);
        command.addAll(program);
        return MpiLaunch.run(dir, command, Map.of());
    }
}
