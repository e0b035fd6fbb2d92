package org.rtseg.inference;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import java.util.List;
import org.rtseg.data.LabelFormat;
import org.rtseg.data.augment.Normalization;

/**
 * Makes an rtseg model usable through DJL's standard {@code Predictor} API, {@link Image} in and
 * {@link CategoryMask} out, the way DJL users run any segmentation model:
 *
 * <pre>{@code
 * try (Model model = DeployGraph.loadForInference(dir, Device.cpu());
 *         Predictor<Image, CategoryMask> p = model.newPredictor(SegmentationTranslator.of(LabelFormat.CITYSCAPES))) {
 *     CategoryMask mask = p.predict(ImageFactory.getInstance().fromFile(path));
 * }
 * }</pre>
 *
 * The image is normalised as in training, the network pads it to its stride itself, and the mask is
 * the per-pixel argmax at the image's size. Works with a training-graph and a deploy model alike.
 */
public final class SegmentationTranslator implements NoBatchifyTranslator<Image, CategoryMask> {

    private final List<String> classes;
    private final Normalization normalization;

    /**
     * @param classes the class names, in the model's class order
     * @param normalization the normalisation the model was trained with
     */
    public SegmentationTranslator(List<String> classes, Normalization normalization) {
        this.classes = List.copyOf(classes);
        this.normalization = normalization;
    }

    /**
     * A translator for a dataset's classes and ImageNet normalisation (rtseg's training default).
     *
     * @param format the dataset the model was trained on; gives the class names
     * @return a new translator
     */
    public static SegmentationTranslator of(LabelFormat format) {
        return new SegmentationTranslator(format.classNames(), Normalization.IMAGENET);
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
        return new NDList(normalize(input.toNDArray(ctx.getNDManager(), Image.Flag.COLOR), normalization));
    }

    @Override
    public CategoryMask processOutput(TranslatorContext ctx, NDList list) throws TranslateException {
        NDArray logits = list.get(0);
        if (logits.getShape().get(1) != classes.size()) {
            throw new TranslateException("the model predicts " + logits.getShape().get(1) + " classes but the translator names "
                    + classes.size() + "; give it the class names of the model's dataset");
        }
        NDArray ids = logits.get(0).argMax(0).toType(DataType.INT32, false);
        int height = (int) ids.getShape().get(0);
        int width = (int) ids.getShape().get(1);
        int[] flat = ids.toIntArray();
        int[][] mask = new int[height][width];
        for (int y = 0; y < height; y++) {
            System.arraycopy(flat, y * width, mask[y], 0, width);
        }
        return new CategoryMask(classes, mask);
    }

    /**
     * An H×W×3 RGB image (any numeric type, 0..255) as the network's 1×3×H×W float32 input, {@code (x /
     * 255 − mean) / std} per channel.
     *
     * @param hwc the image, height × width × RGB
     * @param normalization the per-channel mean and std
     * @return the network's input, in the image's manager
     */
    public static NDArray normalize(NDArray hwc, Normalization normalization) {
        NDArray mean = hwc.getManager().create(normalization.mean()).reshape(3, 1, 1);
        NDArray std = hwc.getManager().create(normalization.std()).reshape(3, 1, 1);
        return hwc.toType(DataType.FLOAT32, false).transpose(2, 0, 1).div(255f).sub(mean).div(std).expandDims(0);
    }
}
