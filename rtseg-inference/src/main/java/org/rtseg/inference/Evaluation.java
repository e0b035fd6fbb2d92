package org.rtseg.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.rtseg.core.ConsoleProgress;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.LabelMap;
import org.rtseg.data.LabeledImage;
import org.rtseg.data.RgbImage;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.data.augment.Normalization;
import org.rtseg.data.eval.ConfusionMatrix;
import org.rtseg.data.eval.SegmentationMetrics;

/** Predicting and scoring whole images, as {@code evaluate}, {@code demo} and {@code reproduce} do. */
public final class Evaluation {

    /** Receives each image with its prediction, e.g. to write it. */
    @FunctionalInterface
    public interface Sink {
        /**
         * Called once per image, in dataset order.
         *
         * @param sample the image and its ground truth
         * @param prediction the predicted class of every pixel
         * @throws IOException when writing fails
         */
        void accept(LabeledImage sample, LabelMap prediction) throws IOException;
    }

    private Evaluation() {}


    /**
     * Scores a network on every image of a dataset, at the images' own size.
     *
     * @param manager where the network's parameters live; each image gets its own scope
     * @param net the network, in eval mode
     * @param data the images and their ground truth
     * @param tta how each image is predicted ({@link TestTimeAugmentation#NONE}: one plain pass)
     * @param label the progress bar's label
     * @param sink told each image and its prediction (e.g. to write it), or {@code (s, p) -> {}}
     * @return the official metrics of the dataset's format
     * @throws IOException if an image cannot be loaded or the sink fails
     */
    public static SegmentationMetrics score(NDManager manager, Supernet net, SegmentationDataset data, TestTimeAugmentation tta,
            String label, Sink sink) throws IOException {
        ConfusionMatrix matrix = new ConfusionMatrix(data.format().numClasses());
        ConsoleProgress bar = new ConsoleProgress(label, data.size());
        for (long i = 0; i < data.size(); i++) {
            LabeledImage sample = data.load(i);
            LabelMap predicted = predict(manager, net, tta, sample.image());
            matrix.update(sample.label(), predicted);
            sink.accept(sample, predicted);
            bar.increment(1);
        }
        bar.end();
        return SegmentationMetrics.of(matrix, data.format());
    }

    /**
     * The class of every pixel of one image, at its size.
     *
     * @param manager where the network's parameters live; the image's arrays get their own scope
     * @param net the network, in eval mode
     * @param tta how the image is predicted
     * @param image the RGB image
     * @return the predicted class ids
     */
    public static LabelMap predict(NDManager manager, Supernet net, TestTimeAugmentation tta, RgbImage image) {
        // Every array of one image belongs to its own scope.
        try (NDManager scope = manager.newSubManager()) {
            NDArray hwc = scope.create(ByteBuffer.wrap(image.pixels()), new Shape(image.height(), image.width(), 3), DataType.UINT8);
            NDArray x = SegmentationTranslator.normalize(hwc, Normalization.IMAGENET);
            NDArray classes = tta.predict(net, new ParameterStore(scope, false), x);
            return new LabelMap(image.width(), image.height(), classes.toType(DataType.UINT8, false).toByteArray());
        }
    }
}
