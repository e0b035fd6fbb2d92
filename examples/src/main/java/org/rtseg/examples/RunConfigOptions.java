package org.rtseg.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** A run config and its {@code --set} overrides, as every command that trains or probes a run takes them. */
final class RunConfigOptions {

    @Option(names = "--config", required = true, description = "run config JSON (network, data, training, costInput)")
    Path file;

    @Option(names = "--set", description = "override a config field: key=value with a dotted key, e.g. training.iterations=100")
    List<String> overrides = new ArrayList<>();

    /** The config with the overrides applied. */
    RunConfig load() throws IOException {
        return RunConfig.load(file, overrides);
    }
}
