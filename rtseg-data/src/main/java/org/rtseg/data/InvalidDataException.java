package org.rtseg.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file (image, label, prediction, split list or folder) that cannot be used as it is.
 *
 * <p>It is an {@link IOException} so that it travels through DJL's {@code Dataset.get}, which only
 * declares {@code IOException}; the message always names the file and says how to fix it, because the
 * person reading it usually has thousands of files and needs to know which one and what to do.
 */
public class InvalidDataException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file the offending file or folder
     * @param problem what is wrong with it
     * @param fix what the user should do about it
     */
    public InvalidDataException(Path file, String problem, String fix) {
        this(file, problem, fix, null);
    }

    /**
     * @param file the offending file or folder
     * @param problem what is wrong with it
     * @param fix what the user should do about it
     * @param cause the underlying decoder or file-system error, or null
     */
    public InvalidDataException(Path file, String problem, String fix, Throwable cause) {
        super(file + ": " + problem + (fix.isEmpty() ? "" : ". " + fix), cause);
        this.file = file;
    }

    /**
     * The offending file or folder.
     *
     * @return the path as given; null after deserialisation, as it is not serialised
     */
    public Path file() {
        return file;
    }
}
