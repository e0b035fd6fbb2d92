package org.rtseg.examples;

import org.rtseg.core.distributed.OpenMpi;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rtseg.core.KernelCheck;

/**
 * Runs a command again in a JVM whose oneDNN is capped to the instruction set that computes
 * correctly, when the engine's kernel check failed ({@link KernelCheck}) and the user had not chosen
 * a cap: oneDNN reads {@code ONEDNN_MAX_CPU_ISA} once from the environment, which a running JVM
 * cannot change.
 */
final class SafeKernels {

    private SafeKernels() {}

    /** Whether a failure is the kernel check's and a relaunch with the safe cap could fix it. */
    static boolean canFix(Throwable e) {
        // Under mpirun a relaunched JVM would be a process mpirun does not know: the user sets the cap (mpirun -x).
        if (System.getenv(KernelCheck.ISA_VARIABLE) != null || OpenMpi.launchedSize() > 1) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KernelCheck.WrongKernelsException) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code rtseg args} in a child JVM with the safe cap and the same JVM options; returns its exit code. */
    static int relaunch(String[] args) throws IOException, InterruptedException {
        System.err.println("rtseg: libtorch's convolutions are wrong on this CPU with its default kernels; running again with "
                + KernelCheck.ISA_VARIABLE + "=" + KernelCheck.SAFE_ISA + " (see README, 'Platform note')");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RtsegCommand.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder child = new ProcessBuilder(command).inheritIO();
        child.environment().put(KernelCheck.ISA_VARIABLE, KernelCheck.SAFE_ISA);
        return child.start().waitFor();
    }
}
