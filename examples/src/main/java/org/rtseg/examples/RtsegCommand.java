package org.rtseg.examples;

import java.util.Set;
import org.rtseg.core.distributed.Communicator;
import org.rtseg.core.distributed.OpenMpi;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rtseg} command line: one subcommand per task of the library. */
@Command(
        name = "rtseg",
        mixinStandardHelpOptions = true,
        version = "rtseg 0.1.0",
        description = "Real-time semantic segmentation (RTSeg, Li et al., AAAI 2023) on the JVM.",
        subcommands = {
            CommandLine.HelpCommand.class,
            DemoCommand.class,
            ReproduceCommand.class,
            EvaluatePredictionsCommand.class,
            ComplexityCommand.class,
            ImportPyTorchCommand.class,
            InferCommand.class,
            BenchmarkCommand.class,
            EvaluateCommand.class,
            TeacherProbeCommand.class,
            ExportCommand.class,
            LatencyCommand.class,
            PretrainCommand.class,
            SearchCommand.class,
            ExtractCommand.class,
            FinetuneCommand.class,
            SearchBenchmarkCommand.class,
            AllreduceBenchmarkCommand.class,
        })
public final class RtsegCommand implements Runnable {

    @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--plugins", paramLabel = "DIR",
            description = "register the block and dataset types of the jars in DIR (ServiceLoader; docs/extending.md) before the command runs")
    void plugins(java.nio.file.Path dir) {
        try {
            Plugins.load(dir);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Exit code of a run that failed the kernel check and is to be run again with safe kernels. */
    private static final int RELAUNCH = 75;

    /** The commands that train data-parallel across the processes of an mpirun; the others run in one. */
    private static final Set<String> DISTRIBUTED = Set.of("pretrain", "search", "finetune", "reproduce", "allreduce-bench");

    public static void main(String[] args) throws Exception {
        args = undoMpirunJavaRewrite(args, System.getProperty("user.dir"), OpenMpi.launchedSize() > 1);
        int code = commandLine().execute(args);
        code = code == RELAUNCH ? SafeKernels.relaunch(args) : code;
        OpenMpi.endWorld(code);
        System.exit(code);
    }

    /**
     * The arguments as the user gave them to {@code mpirun}. For a program named {@code java}, Open
     * MPI's mpirun (4.x, 5.x) takes the first argument containing "cp" for a class-path option and
     * prefixes the next one with the working directory (and with Open MPI's {@code mpi.jar} or
     * {@code shmem.jar} where it has them): {@code --device cpu --work runs} arrives as {@code
     * --device cpu CWD:--work runs}. This removes that prefix — from the first argument when the
     * "cp" was in a JVM option (or the jar's path), else after the first argument with "cp".
     *
     * @param args the arguments received
     * @param workingDirectory the process's working directory, which mpirun prefixed
     * @param underMpirun whether mpirun launched this process
     * @return the arguments as given to mpirun
     */
    static String[] undoMpirunJavaRewrite(String[] args, String workingDirectory, boolean underMpirun) {
        String[] out = args.clone();
        if (!underMpirun || out.length == 0) {
            return out;
        }
        int rewritten = 0;
        if (!out[0].startsWith(workingDirectory + ":")) {
            rewritten = -1;
            for (int i = 0; i + 1 < out.length && rewritten < 0; i++) {
                if (out[i].contains("cp") || out[i].contains("classpath")) {
                    rewritten = i + 1;
                }
            }
        }
        if (rewritten >= 0 && out[rewritten].startsWith(workingDirectory + ":")) {
            String arg = out[rewritten].substring(workingDirectory.length() + 1);
            while (arg.matches("[^:]*/(mpi|shmem)\\.jar:.*")) {
                arg = arg.substring(arg.indexOf(':') + 1);
            }
            out[rewritten] = arg;
        }
        return out;
    }

    /** The configured command line, also used by tests to run subcommands in process. */
    public static CommandLine commandLine() {
        return new CommandLine(new RtsegCommand()).setExecutionExceptionHandler(RtsegCommand::report)
                .setExecutionStrategy(RtsegCommand::execute);
    }

    /**
     * Runs the command; under an mpirun of several processes, only a training command, and with
     * MPI started first so that a broken launch fails before any work.
     */
    private static int execute(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult sub = parsed.subcommand();
        if (OpenMpi.launchedSize() > 1 && sub != null && !sub.isUsageHelpRequested() && !sub.isVersionHelpRequested()) {
            String name = sub.commandSpec().name();
            if (!DISTRIBUTED.contains(name)) {
                throw new CommandLine.ParameterException(sub.commandSpec().commandLine(), "rtseg " + name
                        + " runs in one process: launch it without mpirun (pretrain, search, finetune and reproduce train across processes)");
            }
            try {
                if (!Communicator.world().isRoot()) {
                    // Only rank 0 reports; the others' logs (standard error) still show.
                    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                }
            } catch (IllegalStateException e) {
                throw new CommandLine.ExecutionException(sub.commandSpec().commandLine(), e.getMessage(), e);
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /**
     * Reports a failed command as one line that says what went wrong and how to fix it; the stack
     * trace only with {@code -Drtseg.debug=true}. A failed kernel check with no oneDNN cap chosen
     * asks {@link #main} to run the command again with the safe cap ({@link SafeKernels}).
     */
    private static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (SafeKernels.canFix(e)) {
            return RELAUNCH;
        }
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        int ranks = OpenMpi.launchedSize();
        String where = ranks > 1 ? " (rank " + System.getenv("OMPI_COMM_WORLD_RANK") + " of " + ranks + ")" : "";
        cmd.getErr().println("rtseg " + cmd.getCommandName() + where + ": error: " + message);
        if (Boolean.getBoolean("rtseg.debug")) {
            e.printStackTrace(cmd.getErr());
        }
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
