package org.rtseg.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes files so that readers see the old content or the whole new one, never half. */
public final class AtomicFiles {

    /** Writes the body of a file. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the file's content.
         *
         * @param out the temporary file's stream; closed by the caller
         * @throws IOException if writing fails; the target file is then left as it was
         */
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes through a temporary file in the same folder, then renames it over {@code file}.
     *
     * @param file the file to write; its folder is created if missing
     * @param writer writes the content
     * @throws IOException if writing or the atomic rename fails; {@code file} then keeps its old
     *     content and the temporary file is deleted
     */
    public static void write(Path file, Writer writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes a text file.
     *
     * @param file the file to write, atomically
     * @param text the content, written as UTF-8
     * @throws IOException if the file cannot be written
     */
    public static void writeString(Path file, String text) throws IOException {
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
