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

    @Test
    void pretrainRunsUnderMpirunAsItIs(@TempDir Path dir) throws Exception {
        Path config = config(dir);
        Path work = dir.resolve("pre");
        Launch run = mpirun(dir, List.of("-np", "2"), rtseg("pretrain", "--config", config.toString(), "--work", work.toString(), "--threads",
                "1", "--set", "training.iterations=3"));
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
        assertTrue(run.output().contains("rank [1] of 2 run another training run than rank 0"), run.output());
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

    private static Path config(Path dir) throws Exception {
        Path config = dir.resolve("run.json");
        Files.writeString(config, PhaseCommandsTest.RUN);
        return config;
    }

    /** {@code java … RtsegCommand args}, with this JVM's class path and engine settings. */
    private static List<String> rtseg(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-cp",
                System.getProperty("java.class.path")));
        for (String property : List.of("ai.djl.offline", "ENGINE_CACHE_DIR", "ai.djl.pytorch.num_interop_threads")) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add(RtsegCommand.class.getName());
        command.addAll(List.of(args));
        return command;
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
