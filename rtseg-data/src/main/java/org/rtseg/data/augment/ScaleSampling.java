package org.rtseg.data.augment;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How the random rescale factor of training augmentation is drawn, relative to the original image
 * size: uniformly from a set (e.g. {0.5, 0.75, 1.0, 2.0}) or from a range (e.g. [0.5, 2.0]).
 *
 * @param choices the set to pick from; empty for a range
 * @param min lower end of the range (ignored with choices)
 * @param max upper end of the range (ignored with choices)
 */
public record ScaleSampling(List<Double> choices, double min, double max) {

    /**
     * Checks positive scales.
     *
     * @param choices the factors to pick from, each positive; empty for a range; copied
     * @param min lower end of the range, positive (ignored with choices)
     * @param max upper end of the range, at least {@code min} (ignored with choices)
     * @throws IllegalArgumentException when a choice is not positive, or without choices when the range
     *     is not {@code 0 < min <= max}
     */
    public ScaleSampling {
        choices = List.copyOf(choices);
        for (double s : choices) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("scales must be positive: " + choices);
            }
        }
        if (choices.isEmpty() && !(min > 0 && max >= min)) {
            throw new IllegalArgumentException("scale range needs 0 < min <= max: [" + min + ", " + max + "]");
        }
    }

    /**
     * A uniform pick from {@code scales}.
     *
     * @param scales the factors, each positive, e.g. {@code 0.5, 0.75, 1.0, 2.0}
     * @return the sampling
     */
    public static ScaleSampling choices(double... scales) {
        return new ScaleSampling(Arrays.stream(scales).boxed().toList(), 0, 0);
    }

    /**
     * A uniform draw from [{@code min}, {@code max}].
     *
     * @param min the smallest factor, positive
     * @param max the largest factor, at least {@code min}
     * @return the sampling
     */
    public static ScaleSampling range(double min, double max) {
        return new ScaleSampling(List.of(), min, max);
    }

    /**
     * Always {@code scale}.
     *
     * @param scale the factor, positive; 1 keeps the original size
     * @return the sampling
     */
    public static ScaleSampling fixed(double scale) {
        return choices(scale);
    }

    /** Draws one factor. */
    double draw(SplittableRandom random) {
        if (!choices.isEmpty()) {
            return choices.get(random.nextInt(choices.size()));
        }
        return min == max ? min : random.nextDouble(min, max);
    }
}
