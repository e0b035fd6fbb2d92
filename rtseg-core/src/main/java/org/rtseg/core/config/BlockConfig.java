package org.rtseg.core.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;

/**
 * A block by registered type name and its parameters, e.g. {@code {"type": "mhsa", "params":
 * {"heads": 4, "patch": 2}}}; omitted parameters take the type's defaults.
 *
 * @param type a name registered in {@link org.rtseg.core.blocks.BlockTypes}
 * @param params the type's parameters by name
 */
public record BlockConfig(String type, @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Double> params) {

    /**
     * Copies the parameters, sorted by name.
     *
     * @param type a registered block type name
     * @param params the type's parameters by name; null means none
     */
    public BlockConfig {
        params = params == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(params));
    }

    /**
     * A block of that type with default parameters.
     *
     * @param type a registered block type name
     * @return a config with no parameters
     */
    public static BlockConfig of(String type) {
        return new BlockConfig(type, Map.of());
    }
}
