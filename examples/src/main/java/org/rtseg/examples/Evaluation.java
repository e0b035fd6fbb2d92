package org.rtseg.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Record;
import ai.djl.training.util.ProgressBar;
import java.io.IOException;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.data.SegmentationDataset;
import org.rtseg.data.eval.ConfusionMatrix;
import org.rtseg.data.eval.SegmentationMetrics;

/** Scores a network on a dataset at the images' own size (single scale, no flip). */
final class Evaluation {

    private Evaluation() {}

    /**
     * @param net the network, in eval mode
     * @param data records of normalised image and class-id label
     * @param manager where the network's parameters live; each image gets its own scope
     * @return the official metrics of the dataset's format
     */
    static SegmentationMetrics of(Supernet net, SegmentationDataset data, NDManager manager, String label) throws IOException {
        ConfusionMatrix matrix = new ConfusionMatrix(data.format().numClasses());
        ProgressBar bar = new ProgressBar(label, data.size());
        for (long i = 0; i < data.size(); i++) {
            try (NDManager scope = manager.newSubManager()) {
                Record r = data.get(scope, i);
                NDArray image = r.getData().head().expandDims(0);
                NDArray logits = net.forward(new ParameterStore(scope, false), new NDList(image), false).singletonOrThrow();
                matrix.update(r.getLabels().head(), logits.argMax(1).squeeze(0).toType(DataType.INT32, false));
            }
            bar.increment(1);
        }
        bar.end();
        return SegmentationMetrics.of(matrix, data.format());
    }
}
