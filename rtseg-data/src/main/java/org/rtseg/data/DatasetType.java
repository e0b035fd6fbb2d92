package org.rtseg.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A named kind of file dataset that configs ({@code data.dataset}) and commands ({@code --dataset}) can
 * open: the extension point of the data side, as block types are of the search space.
 *
 * <p>A type names its layout, says which classes it holds and makes a builder; the dataset it builds is a
 * {@link FileSegmentationDataset}, so pairing, validation, decoding, caching and augmentation come with it.
 * The built-in {@code cityscapes}, {@code voc}, {@code ade20k}, {@code camvid} and {@code folder} are
 * registered exactly as a user's type is: with {@link DatasetTypes#register}, or through {@link
 * java.util.ServiceLoader} by listing a public class with a public no-argument constructor in {@code
 * META-INF/services/org.rtseg.data.DatasetType}.
 */
public interface DatasetType {

    /**
     * The name configs and commands use.
     *
     * @return the name, e.g. {@code "camvid"}
     */
    String name();

    /**
     * The classes, palette and label convention of the dataset at {@code root}: the network's class count
     * comes from here before any file is decoded. Most types have one format and ignore {@code root};
     * {@code folder} reads it from the root's {@code dataset.json}.
     *
     * @param root the dataset root, or null where none was given (e.g. drawing predictions of a model)
     * @return the format of the dataset's labels
     * @throws InvalidDataException if the root's own description of its classes is missing or wrong
     * @throws IllegalArgumentException if the type needs a root and {@code root} is null
     */
    LabelFormat format(Path root) throws IOException;

    /**
     * A new builder of the dataset.
     *
     * @return a builder, to be given at least its root ({@code setRoot})
     */
    FileSegmentationDataset.FileBuilder<?> builder();

    /**
     * Whether a split's image folder normally also holds frames without labels (Cityscapes), which
     * training then skips with a warning instead of failing.
     *
     * @return true to skip unlabelled images; false (the default) to report each as an error
     */
    default boolean imagesMayLackLabels() {
        return false;
    }
}
