package org.rtseg.examples;

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
final class Evaluation {

    /** Receives each image with its prediction, e.g. to write it. */
    @FunctionalInterface
    interface Sink {
        void accept(LabeledImage sample, LabelMap prediction) throws IOException;
    }

    private Evaluation() {}

    /**
     * Scores a network on every image of a dataset, at the images' own size.
     *
     * @param manager where the network's parameters live; each image gets its own scope
     * @param sink told each image and its prediction
     * @return the official metrics of the dataset's format
     */
    static SegmentationMetrics score(NDManager manager, Supernet net, SegmentationDataset data, TestTimeAugmentation tta,
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

    /** The class of every pixel of one image, at its size. */
    static LabelMap predict(NDManager manager, Supernet net, TestTimeAugmentation tta, RgbImage image) {
        // Every array of one image belongs to its own scope.
        try (NDManager scope = manager.newSubManager()) {
            NDArray hwc = scope.create(ByteBuffer.wrap(image.pixels()), new Shape(image.height(), image.width(), 3), DataType.UINT8);
            NDArray x = SegmentationTranslator.normalize(hwc, Normalization.IMAGENET);
            NDArray classes = tta.predict(net, new ParameterStore(scope, false), x);
            return new LabelMap(image.width(), image.height(), classes.toType(DataType.UINT8, false).toByteArray());
        }
    }
}
