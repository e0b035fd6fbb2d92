package org.rtseg.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * The registry of dataset types by name, which every config and command reads. The built-in types are
 * registered first, exactly as a user's type is, then the types found by {@link ServiceLoader}; names keep
 * that order in messages.
 */
public final class DatasetTypes {

    private static final Map<String, DatasetType> TYPES = new LinkedHashMap<>();

    static {
        register(new BuiltIn("cityscapes", root -> LabelFormat.CITYSCAPES, Cityscapes::builder, true));
        register(new BuiltIn("voc", root -> LabelFormat.VOC, PascalVoc::builder, false));
        register(new BuiltIn("ade20k", root -> LabelFormat.ADE20K, Ade20k::builder, false));
        register(new BuiltIn("camvid", root -> LabelFormat.CAMVID, CamVid::builder, false));
        register(new BuiltIn(FolderDataset.NAME, root -> FolderSpec.read(root).format(), FolderDataset::builder, false));
        for (DatasetType type : ServiceLoader.load(DatasetType.class)) {
            register(type);
        }
    }

    private DatasetTypes() {}

    /**
     * Registers every type a class loader provides through {@link ServiceLoader} ({@code
     * META-INF/services/org.rtseg.data.DatasetType}), e.g. the jars of a plugin folder.
     *
     * @param loader where to look
     * @return the names registered
     */
    public static synchronized List<String> loadFrom(ClassLoader loader) {
        List<String> names = new java.util.ArrayList<>();
        for (DatasetType type : ServiceLoader.load(DatasetType.class, loader)) {
            register(type);
            names.add(type.name());
        }
        return names;
    }

    /**
     * Registers a type; a type of the same name is replaced, so a user may override a built-in.
     *
     * @param type the type to add
     * @throws IllegalArgumentException if the name is blank or {@code synthetic}, which names the drawn
     *     scenes of {@link DataConfig}
     */
    public static synchronized void register(DatasetType type) {
        String name = type.name();
        if (name == null || name.isBlank() || name.equals(DataConfig.SYNTHETIC)) {
            throw new IllegalArgumentException(
                    type.getClass().getName() + ": a dataset type needs a name other than '" + DataConfig.SYNTHETIC
                            + "', was '" + name + "'");
        }
        TYPES.put(name, type);
    }

    /**
     * The type of that name.
     *
     * @param name a registered name
     * @return its type
     * @throws IllegalArgumentException naming the registered types when there is none of that name
     */
    public static synchronized DatasetType get(String name) {
        DatasetType type = TYPES.get(name);
        if (type == null) {
            throw new IllegalArgumentException(
                    "unknown dataset '" + name + "'; registered datasets: " + String.join(", ", names())
                            + " (register your own with DatasetTypes.register or in"
                            + " META-INF/services/org.rtseg.data.DatasetType)");
        }
        return type;
    }

    /**
     * Whether a type of that name is registered.
     *
     * @param name any name
     * @return true if {@link #get} finds it
     */
    public static synchronized boolean has(String name) {
        return TYPES.containsKey(name);
    }

    /**
     * The registered names, for messages.
     *
     * @return the built-in names first, then the others in the order they were registered
     */
    public static synchronized List<String> names() {
        return List.copyOf(TYPES.keySet());
    }

    /** The format of a built-in type at a root, which only {@code folder} reads. */
    private interface FormatAt {
        LabelFormat at(Path root) throws IOException;
    }

    private record BuiltIn(
            String name,
            FormatAt formatAt,
            Supplier<FileSegmentationDataset.FileBuilder<?>> builders,
            boolean imagesMayLackLabels) implements DatasetType {

        @Override
        public LabelFormat format(Path root) throws IOException {
            return formatAt.at(root);
        }

        @Override
        public FileSegmentationDataset.FileBuilder<?> builder() {
            return builders.get();
        }
    }
}
