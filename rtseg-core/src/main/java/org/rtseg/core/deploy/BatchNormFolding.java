package org.rtseg.core.deploy;

/**
 * Folds an eval-mode BatchNorm into the convolution before it. In eval mode BatchNorm is a fixed
 * per-channel affine map, {@code y = γ·(x − μ)/√(σ² + ε) + β}, so with {@code s = γ/√(σ² + ε)} the
 * pair conv → BN equals one convolution with weights {@code s·W} and bias {@code s·(b − μ) + β}: the
 * BatchNorm's pass over the feature map disappears. Computed in double precision, so the folded
 * network differs from the original only by float32 rounding of the products.
 */
public final class BatchNormFolding {

    /**
     * The folded convolution.
     *
     * @param weight {@code Cout × Cin/groups × k × k} weights, row-major as the original
     * @param bias {@code Cout} biases
     */
    public record Folded(float[] weight, float[] bias) {}

    private BatchNormFolding() {}

    /**
     * Folds one BatchNorm into its convolution.
     *
     * @param weight the convolution's weights, row-major with the output channel first
     * @param bias the convolution's bias, or {@code null} when it has none
     * @param gamma BatchNorm scale γ
     * @param beta BatchNorm shift β
     * @param mean running mean μ
     * @param variance running variance σ²
     * @param epsilon the BatchNorm's ε
     * @return weights and bias of the single equivalent convolution
     */
    public static Folded fold(
            float[] weight, float[] bias, float[] gamma, float[] beta, float[] mean, float[] variance, double epsilon) {
        int channels = gamma.length;
        if (beta.length != channels || mean.length != channels || variance.length != channels
                || (bias != null && bias.length != channels) || channels == 0 || weight.length % channels != 0) {
            throw new IllegalArgumentException("BatchNorm of " + channels + " channels does not fit a convolution with "
                    + weight.length + " weights" + (bias == null ? "" : " and " + bias.length + " biases"));
        }
        int perChannel = weight.length / channels;
        float[] w = new float[weight.length];
        float[] b = new float[channels];
        for (int c = 0; c < channels; c++) {
            double scale = gamma[c] / Math.sqrt((double) variance[c] + epsilon);
            for (int i = c * perChannel; i < (c + 1) * perChannel; i++) {
                w[i] = (float) (weight[i] * scale);
            }
            double original = bias == null ? 0 : bias[c];
            b[c] = (float) ((original - mean[c]) * scale + beta[c]);
        }
        return new Folded(w, b);
    }
}
