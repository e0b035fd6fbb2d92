package org.rtseg.examples;

import java.nio.file.Path;
import org.rtseg.core.config.SupernetConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Which network: a shipped preset or a config file. */
final class NetworkOptions {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--preset", description = "a shipped network: ${COMPLETION-CANDIDATES}", completionCandidates = Presets.class)
        String preset;

        @Option(names = "--config", description = "a SupernetConfig JSON file")
        Path config;
    }

    /** The names of the presets, for help texts. */
    static final class Presets extends java.util.ArrayList<String> {
        Presets() {
            super(SupernetConfig.PRESETS);
        }
    }

    SupernetConfig config() {
        return source.preset != null ? SupernetConfig.preset(source.preset) : SupernetConfig.load(source.config);
    }
}
