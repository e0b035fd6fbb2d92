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

    public BlockConfig {
        params = params == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(params));
    }

    /** A block of that type with default parameters. */
    public static BlockConfig of(String type) {
        return new BlockConfig(type, Map.of());
    }
}
