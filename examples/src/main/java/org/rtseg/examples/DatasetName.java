package org.rtseg.examples;

import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.rtseg.data.Ade20k;
import org.rtseg.data.CamVid;
import org.rtseg.data.Cityscapes;
import org.rtseg.data.FileSegmentationDataset;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.PascalVoc;

/**
 * The datasets in official layouts that the command line reads by name ({@code --dataset},
 * {@code data.dataset}). One list, so that every command accepts the same names and every message
 * that lists them lists them all.
 */
enum DatasetName {
    cityscapes(LabelFormat.CITYSCAPES, Cityscapes::builder),
    voc(LabelFormat.VOC, PascalVoc::builder),
    ade20k(LabelFormat.ADE20K, Ade20k::builder),
    camvid(LabelFormat.CAMVID, CamVid::builder);

    private final LabelFormat format;
    private final Supplier<FileSegmentationDataset.FileBuilder<?>> builder;

    DatasetName(LabelFormat format, Supplier<FileSegmentationDataset.FileBuilder<?>> builder) {
        this.format = format;
        this.builder = builder;
    }

    /** Class names, palette and file convention of the dataset. */
    LabelFormat format() {
        return format;
    }

    /** A new builder of the dataset, to be given at least its root. */
    FileSegmentationDataset.FileBuilder<?> builder() {
        return builder.get();
    }

    /** Whether {@code name} is one of the datasets. */
    static boolean has(String name) {
        return Arrays.stream(values()).anyMatch(d -> d.name().equals(name));
    }

    /** The names, comma-separated, for messages. */
    static String list() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
