package org.rtseg.data.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;

/**
 * A sample ready for the network: normalised image and class-id label, still in Java arrays so that it
 * can be built on any thread and turned into NDArrays in one copy.
 *
 * @param key the sample's name in its dataset
 * @param image CHW float32, normalised, 0 on padding
 * @param label HW class ids, 255 = ignore (and on padding)
 * @param height rows
 * @param width columns
 */
public record TransformedSample(String key, float[] image, int[] label, int height, int width) {

    /**
     * Checks buffer sizes.
     *
     * @param key the sample's name in its dataset
     * @param image {@code 3 * height * width} floats, CHW, normalised; kept, not copied
     * @param label {@code height * width} class ids, 255 = ignore; kept, not copied
     * @param height rows
     * @param width columns
     * @throws IllegalArgumentException when a buffer does not match the size
     */
    public TransformedSample {
        if (image.length != 3 * height * width || label.length != height * width) {
            throw new IllegalArgumentException("sample buffers do not match " + height + "x" + width);
        }
    }

    /**
     * A DJL record: data = image {@code (3, H, W)} float32, labels = label {@code (H, W)} int32, both
     * attached to {@code manager}.
     *
     * @param manager the manager that owns the two new arrays
     * @return the record, one array in its data and one in its labels
     */
    public Record toRecord(NDManager manager) {
        NDArray x = manager.create(image, new Shape(3, height, width));
        NDArray y = manager.create(label, new Shape(height, width));
        return new Record(new NDList(x), new NDList(y));
    }
}
