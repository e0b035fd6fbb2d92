package org.rtseg.core;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The read-only shared folder beside the project (reference tensors, sample data). */
public final class Shared {

    private Shared() {}

    /** A path under the shared folder; the calling test is skipped, with a message, when absent. */
    public static Path require(String relative) {
        Path root = Path.of(System.getProperty("rtseg.shared", "../shared"));
        Path p = root.resolve(relative);
        assumeTrue(Files.exists(p), "skipped: " + p + " is absent (the shared reference material lives beside the project)");
        return p;
    }
}
