package org.rtseg.core.nn;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.rtseg.core.config.ConfigException;

/**
 * Width overrides of one module: channel counts, by local key, that replace the defaults the
 * config's widths and expansions imply. Width search writes them (paper eq. 5: pruned channels are
 * removed), so a searched subnet is an ordinary config. A key a module does not know is an error.
 */
public final class Widths {

    private final String scope;
    private final Map<String, Integer> overrides;
    private final Set<String> used = new HashSet<>();

    /**
     * @param scope the module path the keys are relative to, for messages
     * @param overrides local key → channels
     */
    public Widths(String scope, Map<String, Integer> overrides) {
        this.scope = scope;
        this.overrides = Map.copyOf(overrides);
    }

    /**
     * No overrides.
     *
     * @param scope the module path, for messages
     * @return widths that always give the default
     */
    public static Widths none(String scope) {
        return new Widths(scope, Map.of());
    }

    /**
     * The overrides of every module below a path, from the network-wide map.
     *
     * @param all full key (module path + "." + local key) → channels
     * @param scope the module path
     * @return the overrides whose key is {@code scope} + "." + a local key (no deeper module)
     */
    public static Widths of(Map<String, Integer> all, String scope) {
        Map<String, Integer> local = new HashMap<>();
        String prefix = scope + ".";
        all.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.indexOf('.', prefix.length()) < 0) {
                local.put(k.substring(prefix.length()), v);
            }
        });
        return new Widths(scope, local);
    }

    /**
     * The width under {@code key}, or the default.
     *
     * <p>Marks the key as read, for {@link #requireAllUsed}.
     *
     * @param key the local key, e.g. {@code expand}
     * @param defaultWidth the channel count the config implies
     * @return the overriding channel count, or {@code defaultWidth} if none
     * @throws ConfigException if the override is not positive
     */
    public int get(String key, int defaultWidth) {
        used.add(key);
        Integer w = overrides.get(key);
        if (w == null) {
            return defaultWidth;
        }
        if (w <= 0) {
            throw new ConfigException("widths." + scope + "." + key + " must be positive, was " + w);
        }
        return w;
    }

    /**
     * The local overrides, for block arguments.
     *
     * @return local key → channels; unmodifiable
     */
    public Map<String, Integer> asMap() {
        return overrides;
    }

    /**
     * The network-wide overrides ({@code SupernetConfig.widths}) handed out module by module while
     * a network is built; keys of modules that do not exist are reported at the end.
     */
    public static final class Table {
        private final Map<String, Integer> all;
        private final Set<String> scopes = new HashSet<>();
        private final java.util.List<Widths> handedOut = new java.util.ArrayList<>();

        /**
         * A table of the network-wide overrides.
         *
         * @param all full key (module path + "." + local key) → channels
         */
        public Table(Map<String, Integer> all) {
            this.all = Map.copyOf(all);
        }

        /**
         * The overrides of a module that reads them itself.
         *
         * @param path the module path, e.g. {@code segment.stem}
         * @return the module's overrides, checked by {@link #requireAllUsed}
         */
        public Widths scope(String path) {
            Widths w = Widths.of(all, path);
            scopes.add(path);
            handedOut.add(w);
            return w;
        }

        /**
         * The overrides of a block built from {@link org.rtseg.core.blocks.BlockArgs}, which checks them.
         *
         * @param path the block's module path
         * @return local key → channels for that block
         */
        public Map<String, Integer> delegate(String path) {
            scopes.add(path);
            return Widths.of(all, path).asMap();
        }

        /**
         * Fails on any key that no module read.
         *
         * @throws ConfigException naming the keys that no module read
         */
        public void requireAllUsed() {
            handedOut.forEach(Widths::requireAllUsed);
            Set<String> orphans = new TreeSet<>();
            for (String key : all.keySet()) {
                int dot = key.lastIndexOf('.');
                if (dot < 0 || !scopes.contains(key.substring(0, dot))) {
                    orphans.add(key);
                }
            }
            if (!orphans.isEmpty()) {
                throw new ConfigException("widths: " + orphans + " name no module of this network (keys are module path + '.' + width, e.g. segment.stem.left0)");
            }
        }
    }

    /**
     * Fails on keys no module read: they would silently not apply.
     *
     * @throws ConfigException naming the keys never passed to {@link #get}
     */
    public void requireAllUsed() {
        Set<String> unknown = new TreeSet<>(overrides.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) {
            throw new ConfigException("widths: " + unknown.stream().map(k -> scope + "." + k).toList()
                    + " name no width of " + scope + " (known: " + new TreeSet<>(used) + ")");
        }
    }
}
