package org.rtseg.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipInputStream;

/**
 * NumPy {@code .npy} and {@code .npz} files through DJL's own numpy codec, so tensors move between
 * Java and PyTorch/NumPy without conversion code of ours.
 */
public final class Npy {

    private Npy() {}

    /**
     * Reads an {@code .npy} array or every array of an {@code .npz} (named as in the archive).
     *
     * @param manager owns the arrays read
     * @param file the {@code .npy} or {@code .npz} file
     * @return the arrays, in archive order
     * @throws IOException if the file is missing, unreadable or not in NumPy's format
     */
    public static NDList read(NDManager manager, Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file; give the path of a NumPy .npy/.npz file");
        }
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            return NDList.decode(manager, in);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException(file + ": not a readable NumPy .npy/.npz file (" + e.getMessage()
                    + "); save it with numpy.save / numpy.savez", e);
        }
    }

    /**
     * Reads a single {@code .npy} array.
     *
     * @param manager owns the array read
     * @param file the {@code .npy} file
     * @return the array
     * @throws IOException if the file is missing, unreadable, not in NumPy's format or holds other
     *     than exactly one array
     */
    public static NDArray readArray(NDManager manager, Path file) throws IOException {
        NDList list = read(manager, file);
        if (list.size() != 1) {
            throw new IOException(file + ": expected one array (.npy), found " + list.size());
        }
        return list.get(0);
    }

    /**
     * Writes one array as {@code .npy}, atomically.
     *
     * @param array the array to write
     * @param file the file to write; replaced only once the new content is complete
     * @throws IOException if the file cannot be written
     */
    public static void write(NDArray array, Path file) throws IOException {
        // DJL writes numpy only inside an npz: encode one, then keep its single entry.
        ByteArrayOutputStream npz = new ByteArrayOutputStream();
        new NDList(array).encode(npz, NDList.Encoding.NPZ);
        byte[] npy;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(npz.toByteArray()))) {
            zip.getNextEntry();
            npy = zip.readAllBytes();
        }
        AtomicFiles.write(file, out -> out.write(npy));
    }
}
