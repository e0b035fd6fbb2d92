package org.rtseg.core.config;

/** A configuration that cannot describe a network; the message names the field and the fix. */
public final class ConfigException extends IllegalArgumentException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
