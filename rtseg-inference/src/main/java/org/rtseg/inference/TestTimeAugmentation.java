package org.rtseg.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.rtseg.core.nn.Resize;
import org.rtseg.core.supernet.Supernet;

/**
 * How an image is predicted for evaluation, as mmsegmentation's test modes: at several scales,
 * optionally also mirrored, each pass whole or by sliding crops; class probabilities (softmax) are
 * averaged over passes at the image's size. One scale, no flip, whole image is plain inference.
 *
 * @param scales image scales relative to the original size
 * @param flip also predict the mirrored image
 * @param slide sliding-window crops, or {@code null} for whole-image passes
 */
public record TestTimeAugmentation(List<Double> scales, boolean flip, Slide slide) {

    /** One pass over the whole image at its own size. */
    public static final TestTimeAugmentation NONE = new TestTimeAugmentation(List.of(1.0), false, null);

    /**
     * Sliding-window inference (mmsegmentation's {@code slide_inference}): crops at a stride, the
     * last one aligned to the border, logits averaged where crops overlap.
     *
     * @param cropHeight crop height, pixels
     * @param cropWidth crop width, pixels
     * @param strideHeight vertical step between crops, pixels
     * @param strideWidth horizontal step between crops, pixels
     */
    public record Slide(int cropHeight, int cropWidth, int strideHeight, int strideWidth) {
        /**
         * Validates the sizes: positive, stride no larger than crop.
         *
         * @param cropHeight crop height, pixels, positive
         * @param cropWidth crop width, pixels, positive
         * @param strideHeight vertical step, pixels, in [1, cropHeight]
         * @param strideWidth horizontal step, pixels, in [1, cropWidth]
         * @throws IllegalArgumentException if a size is not positive or a stride exceeds its crop
         */
        public Slide {
            if (cropHeight < 1 || cropWidth < 1 || strideHeight < 1 || strideWidth < 1
                    || strideHeight > cropHeight || strideWidth > cropWidth) {
                throw new IllegalArgumentException("slide (--slide) needs positive crop and stride sizes with stride ≤ crop, got "
                        + cropHeight + "x" + cropWidth + "," + strideHeight + "x" + strideWidth);
            }
        }

        /**
         * Parses {@code CROP,STRIDE}, each {@code N} or {@code HxW}, e.g. {@code 1024,768} or {@code 512x1024,341x682}.
         *
         * @param value the text, as the {@code --slide} option takes it; {@code N} means N×N
         * @return the validated sliding window
         * @throws IllegalArgumentException if the text is not of that form or the sizes are invalid
         */
        public static Slide parse(String value) {
            String[] parts = value.split(",");
            if (parts.length != 2) {
                throw new IllegalArgumentException("slide (--slide) is CROP,STRIDE (e.g. 1024,768 or 512x1024,384x768), was '" + value + "'");
            }
            int[] crop = size(parts[0], value);
            int[] stride = size(parts[1], value);
            return new Slide(crop[0], crop[1], stride[0], stride[1]);
        }

        private static int[] size(String s, String whole) {
            String[] hw = s.trim().toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                int h = Integer.parseInt(hw[0].trim());
                return new int[] {h, hw.length == 2 ? Integer.parseInt(hw[1].trim()) : h};
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("slide (--slide) is CROP,STRIDE (e.g. 1024,768 or 512x1024,384x768), was '" + whole + "'", e);
            }
        }

        /** The averaged logits of the crops covering {@code image}. */
        NDArray logits(Supernet net, ParameterStore ps, NDArray image) {
            Shape s = image.getShape();
            long h = s.get(2);
            long w = s.get(3);
            NDArray sum = image.getManager().zeros(new Shape(1, net.config().numClasses(), h, w));
            NDArray count = image.getManager().zeros(new Shape(1, 1, h, w));
            for (long y : starts(h, cropHeight, strideHeight)) {
                for (long x : starts(w, cropWidth, strideWidth)) {
                    long y2 = Math.min(y + cropHeight, h);
                    long x2 = Math.min(x + cropWidth, w);
                    NDIndex window = new NDIndex(":, :, {}:{}, {}:{}", y, y2, x, x2);
                    NDArray logits = net.logits(ps, image.get(window), false, false).get(0);
                    sum.set(window, sum.get(window).add(logits));
                    count.set(window, count.get(window).add(1f));
                }
            }
            return sum.div(count);
        }

        /** Crop origins along one side: every stride, the last crop ending at the border. */
        private static long[] starts(long size, int crop, int stride) {
            int grids = (int) (Math.max(size - crop + stride - 1, 0) / stride + 1);
            long[] starts = new long[grids];
            for (int i = 0; i < grids; i++) {
                long end = Math.min((long) i * stride + crop, size);
                starts[i] = Math.max(end - crop, 0);
            }
            return starts;
        }
    }

    /**
     * Validates the scales: at least one, each positive.
     *
     * @param scales image scales relative to the original size, each positive
     * @param flip also predict the mirrored image
     * @param slide sliding-window crops, or {@code null} for whole-image passes
     * @throws IllegalArgumentException if there is no scale or one is not positive
     */
    public TestTimeAugmentation {
        scales = List.copyOf(scales);
        if (scales.isEmpty() || scales.stream().anyMatch(s -> !(s > 0))) {
            throw new IllegalArgumentException("scales (--scales) must be positive numbers, was " + scales);
        }
    }

    /**
     * The predicted class of every pixel.
     *
     * @param net the network, in eval mode
     * @param ps the parameter store
     * @param image a normalised 1×3×H×W image
     * @return 1×H×W class ids
     */
    public NDArray predict(Supernet net, ParameterStore ps, NDArray image) {
        long h = image.getShape().get(2);
        long w = image.getShape().get(3);
        NDArray probabilities = null;
        for (double scale : scales) {
            NDArray scaled = Resize.to(image, Math.round(h * scale), Math.round(w * scale), Resize.Mode.BILINEAR);
            for (boolean mirrored : flip ? new boolean[] {false, true} : new boolean[] {false}) {
                NDArray logits = logits(net, ps, mirrored ? scaled.flip(3) : scaled);
                NDArray p = Resize.to(mirrored ? logits.flip(3) : logits, h, w, Resize.Mode.BILINEAR).softmax(1);
                probabilities = probabilities == null ? p : probabilities.add(p);
            }
        }
        return probabilities.argMax(1);
    }

    private NDArray logits(Supernet net, ParameterStore ps, NDArray image) {
        return slide == null ? net.logits(ps, image, false, false).get(0) : slide.logits(net, ps, image);
    }

    /**
     * A short description for reports, e.g. {@code scales [0.5, 1.0], flip, slide 1024x1024 stride 768x768}.
     *
     * @return the scales, {@code flip} when set, then the slide or {@code whole image}
     */
    public String describe() {
        String s = "scales " + scales + (flip ? ", flip" : "");
        return slide == null ? s + ", whole image"
                : s + ", slide " + slide.cropHeight() + "x" + slide.cropWidth() + " stride " + slide.strideHeight() + "x" + slide.strideWidth();
    }
}
