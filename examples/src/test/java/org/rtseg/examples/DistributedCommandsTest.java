package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line under {@code mpirun}: a training command runs as it is on two ranks, and a bad
 * launch — ranks with different configs, a rank that never joins, a command that does not train,
 * MPI missing or another MPI — ends with a message naming the cause instead of hanging. The mpirun
 * tests skip, with a message, where Open MPI is not installed, unless {@code RTSEG_REQUIRE_MPI} is
 * set (CI sets it).
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
        List<String> command = new ArrayList<>(List.of(mpirunExecutable(), "--allow-run-as-root", "--oversubscribe", "-np", "2"));
        command.addAll(List.of(javaExecutable(), RtsegCommand.class.getName(), "pretrain", "--config", config.toString(), "--device", "cpu",
                "--work", work.toString(), "--threads", "1", "--set", "training.iterations=3"));
        Launch run = launch(dir, command, Map.of("CLASSPATH", System.getProperty("java.class.path"), "JAVA_TOOL_OPTIONS",
                String.join(" ", jvmOptions())));
        assertEquals(0, run.code(), run.output());
        assertTrue(Files.exists(work.resolve("model/config.json")) && Files.exists(work.resolve("teacher/config.json")), run.output());
        assertEquals(1 + 3, Files.readAllLines(work.resolve("metrics.csv")).size(), "one row per step, written by rank 0 alone");
        assertEquals(1, run.output().split("pretrained supernet written to", -1).length - 1, "rank 0 alone reports:\n" + run.output());
        assertTrue(run.output().contains("PRETRAIN on 2 ranks: communication"), run.output());
    }

    @Test
    void ranksWithDifferentConfigsStopWithTheCause(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        List<String> command = new ArrayList<>(List.of("-np", "1"));
        command.addAll(rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1"));
        command.addAll(List.of(":", "-np", "1"));
        command.addAll(rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1", "--set",
                "training.learningRate=0.5"));
        Launch run = mpirun(dir, command, List.of());
        assertNotEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("rank 1 of 2 runs another training run than rank 0"), run.output());
        assertTrue(Files.notExists(dir.resolve("w/metrics.csv")) || Files.readAllLines(dir.resolve("w/metrics.csv")).size() == 1, run.output());
    }

    @Test
    void aRankThatNeverJoinsStopsTheOthers(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        List<String> command = new ArrayList<>(List.of("-np", "1"));
        command.addAll(rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1"));
        command.addAll(List.of(":", "-np", "1"));
        command.addAll(rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--no-such-option"));
        Launch run = mpirun(dir, command, List.of());
        assertNotEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("Unknown option: '--no-such-option'"), run.output());
    }

    @Test
    void aCommandThatDoesNotTrainIsRefusedUnderMpirun(@TempDir Path dir) throws Exception {
        Launch run = mpirun(dir, List.of("-np", "2"), rtseg("complexity", "--preset", "rtseg-s"));
        assertNotEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("rtseg complexity runs in one process: launch it without mpirun"), run.output());
    }

    /** No mpirun needed: the environment of an mpirun launch, and a library that is missing or is not Open MPI. */
    @Test
    void missingOrForeignMpiIsNamed(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        List<String> pretrain = rtseg("pretrain", "--config", config.toString(), "--work", dir.resolve("w").toString(), "--threads", "1");
        Launch missing = launch(dir, pretrain, Map.of("OMPI_COMM_WORLD_SIZE", "2", "RTSEG_MPI_LIBRARY", dir.resolve("libmpi.so").toString()));
        assertEquals(1, missing.code(), missing.output());
        assertTrue(missing.output().contains("Open MPI's library could not be loaded"), missing.output());
        assertTrue(missing.output().contains("apt-get install openmpi-bin libopenmpi-dev"), missing.output());
        Launch foreign = launch(dir, pretrain, Map.of("OMPI_COMM_WORLD_SIZE", "2", "RTSEG_MPI_LIBRARY", "libc.so.6"));
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
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-cp", System.getProperty("java.class.path")));
        command.addAll(jvmOptions());
        command.add(RtsegCommand.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The heap and this JVM's engine settings. */
    private static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xmx1g"));
        for (String property : List.of("ai.djl.offline", "ENGINE_CACHE_DIR", "ai.djl.pytorch.num_interop_threads")) {
            if (System.getProperty(property) != null) {
                options.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        return options;
    }

    private record Launch(int code, String output) {}

    private static Launch mpirun(Path dir, List<String> options, List<String> program) throws Exception {
        List<String> command = new ArrayList<>(List.of(mpirunExecutable(), "--allow-run-as-root", "--oversubscribe"));
        command.addAll(options);
        command.addAll(program);
        return launch(dir, command, Map.of());
    }

    private static Launch launch(Path dir, List<String> command, Map<String, String> environment) throws Exception {
        Path log = Files.createTempFile(dir, "launch", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        boolean ended = p.waitFor(240, TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(ended, "the launch did not end within 240 s (a hang):\n" + output);
        return new Launch(p.exitValue(), output);
    }

    private static String mpirunExecutable() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path mpirun = Path.of(d, "mpirun");
            if (Files.isExecutable(mpirun)) {
                return mpirun.toString();
            }
        }
        assertTrue(System.getenv("RTSEG_REQUIRE_MPI") == null, "RTSEG_REQUIRE_MPI is set but there is no mpirun on the PATH");
        assumeTrue(false, "no mpirun on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to run the MPI tests");
        return null;
    }
}
