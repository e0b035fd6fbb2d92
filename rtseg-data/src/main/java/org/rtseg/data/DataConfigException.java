package org.rtseg.data;

/**
 * A data config that cannot describe a dataset; the message names the field and the fix. An {@link
 * IllegalArgumentException}, as the configuration errors of the other modules are, so that config loaders
 * report it the same way.
 */
public final class DataConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** @param message the field, what is wrong and the fix */
    public DataConfigException(String message) {
        super(message);
    }

    /**
     * @param message the field, what is wrong and the fix
     * @param cause the parser's error
     */
    public DataConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
