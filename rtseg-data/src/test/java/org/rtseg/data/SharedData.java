package org.rtseg.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the real sample frames of {@code ../shared/data}; tests that need them skip without them. */
public final class SharedData {

    private SharedData() {}

    /** {@code <shared>/data/<relative>}, skipping the test with a message when it is absent. */
    public static Path require(String relative) {
        String shared = System.getProperty("rtseg.shared");
        Path path = shared == null ? null : Path.of(shared, "data", relative);
        assumeTrue(path != null && Files.exists(path),
                "real sample data not found (" + path + "); set -Drtseg.shared to the shared folder");
        return path;
    }

    /** The Cityscapes sample root. */
    public static Path cityscapes() {
        return require("cityscapes");
    }

    /** The VOC sample root. */
    public static Path voc() {
        return require("voc2012");
    }

    /** The ADE20K sample root. */
    public static Path ade20k() {
        return require("ade20k");
    }

    /** The CamVid root (SegNet layout: train/, trainannot/, val/, valannot/). */
    public static Path camvid() {
        return require("camvid/CamVid");
    }

    /** The labelIds file of the annotated Cityscapes frame. */
    public static Path cityscapesLabelIds() {
        return require("cityscapes/gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelIds.png");
    }
}
