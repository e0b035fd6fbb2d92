package org.rtseg.core.config;

/** A configuration that cannot describe a network; the message names the field and the fix. */
public final class ConfigException extends IllegalArgumentException {

    /**
     * A configuration error.
     *
     * @param message names the field and the fix
     */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * A configuration error caused by another exception (a parse or read error).
     *
     * @param message names the field and the fix
     * @param cause the underlying exception
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
