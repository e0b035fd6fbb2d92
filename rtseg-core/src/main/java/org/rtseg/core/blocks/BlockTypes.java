package org.rtseg.core.blocks;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.rtseg.core.nn.RtsegBlock;

/**
 * The registry of block types by name. The built-in {@code skip}, {@code ge}, {@code lir} and
 * {@code mhsa} are registered exactly as a user's type is; types found by {@link ServiceLoader}
 * are added on first use.
 */
public final class BlockTypes {

    private static final Map<String, BlockType> TYPES = new ConcurrentHashMap<>();

    static {
        register(Skip.TYPE);
        register(GatherExpand.TYPE);
        register(LightweightInvertedResidual.TYPE);
        register(MultiHeadSelfAttention.TYPE);
        for (BlockType type : ServiceLoader.load(BlockType.class)) {
            register(type);
        }
    }

    private BlockTypes() {}

    /**
     * Registers every type a class loader provides through {@link ServiceLoader} ({@code
     * META-INF/services/org.rtseg.core.blocks.BlockType} naming public classes with a no-argument
     * constructor), e.g. the jars of a plugin folder.
     *
     * @param loader where to look
     * @return the names registered
     */
    public static java.util.List<String> loadFrom(ClassLoader loader) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (BlockType type : ServiceLoader.load(BlockType.class, loader)) {
            register(type);
            names.add(type.name());
        }
        return names;
    }

    /**
     * Registers a type; a type of the same name is replaced, so a user may override a built-in.
     *
     * @param type the type to register under its {@link BlockType#name()}
     */
    public static void register(BlockType type) {
        TYPES.put(type.name(), type);
    }

    /**
     * The type of that name.
     *
     * @param name the type's name, as configs write it (e.g. {@code "lir"})
     * @return the registered type
     * @throws IllegalArgumentException if no type of that name is registered
     */
    public static BlockType get(String name) {
        BlockType type = TYPES.get(name);
        if (type == null) {
            throw new IllegalArgumentException(
                    "unknown block type '" + name + "'; registered types: " + new TreeSet<>(TYPES.keySet())
                            + " (register your own with BlockTypes.register)");
        }
        return type;
    }

    /**
     * Completes and checks the arguments of a block: unknown parameters and impossible shapes are
     * reported with the type's name.
     *
     * @param type the block type's name
     * @param in input channels
     * @param out output channels
     * @param stride spatial stride (1, or 2 for a stage's downsample block)
     * @param params the type's parameters by name; those left out take the type's defaults
     * @return the completed, validated arguments, with no width overrides
     * @throws IllegalArgumentException if the type is unknown, a parameter is unknown or null, or
     *     the type rejects the arguments
     */
    public static BlockArgs resolve(String type, int in, int out, int stride, Map<String, Double> params) {
        return resolve(type, in, out, stride, params, Map.of());
    }

    /**
     * As {@link #resolve(String, int, int, int, Map)}, with internal width overrides.
     *
     * @param type the block type's name
     * @param in input channels
     * @param out output channels
     * @param stride spatial stride (1, or 2 for a stage's downsample block)
     * @param params the type's parameters by name; those left out take the type's defaults
     * @param widths internal widths by local key, as width search writes them; empty for none
     * @return the completed, validated arguments
     * @throws IllegalArgumentException if the type is unknown, a parameter is unknown or null, or
     *     the type rejects the arguments
     */
    public static BlockArgs resolve(
            String type, int in, int out, int stride, Map<String, Double> params, Map<String, Integer> widths) {
        BlockType t = get(type);
        Map<String, Double> merged = new HashMap<>(t.defaults());
        for (Map.Entry<String, Double> e : params.entrySet()) {
            if (!merged.containsKey(e.getKey())) {
                throw new IllegalArgumentException(
                        "unknown parameter '" + e.getKey() + "' for block type '" + type
                                + "' (known: " + new TreeSet<>(t.defaults().keySet()) + ")");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' has no value");
            }
            merged.put(e.getKey(), e.getValue());
        }
        BlockArgs args = new BlockArgs(in, out, stride, merged, widths);
        t.validate(args);
        return args;
    }

    /**
     * Resolves and builds a block.
     *
     * @param type the block type's name
     * @param in input channels
     * @param out output channels
     * @param stride spatial stride (1, or 2 for a stage's downsample block)
     * @param params the type's parameters by name; those left out take the type's defaults
     * @return a new, uninitialised block
     * @throws IllegalArgumentException as {@link #resolve(String, int, int, int, Map)} does
     */
    public static RtsegBlock build(String type, int in, int out, int stride, Map<String, Double> params) {
        return build(type, resolve(type, in, out, stride, params));
    }

    /**
     * Builds a block from resolved arguments.
     *
     * @param type the block type's name
     * @param args arguments from {@link #resolve}
     * @return a new, uninitialised block
     * @throws IllegalArgumentException if the type is unknown
     */
    public static RtsegBlock build(String type, BlockArgs args) {
        return get(type).build(args);
    }
}
