package org.rtseg.search;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.rtseg.core.config.ConfigException;

/**
 * The recipe of one training phase (paper §Experiments): SGD with momentum and poly learning rate
 * for the weights, a separate rate for the architecture parameters, the weights of eq. 12 and the
 * Gumbel temperature schedule.
 *
 * @param iterations number of steps
 * @param batchSize images per step (≥ 2)
 * @param learningRate base learning rate of the weights
 * @param momentum SGD momentum (0.9)
 * @param weightDecay weight decay of the weights
 * @param warmupIterations linear warm-up steps before the poly decay
 * @param power poly exponent (0.9)
 * @param archOptimizer optimiser of mask weights and path logits: {@code sgd} (PyTorch-form SGD
 *     with momentum) or {@code adam}
 * @param archLearningRate learning rate of mask weights and path logits
 * @param archMomentum momentum of the architecture optimiser (sgd)
 * @param beta weight of the cost regulariser β (eq. 9, 12)
 * @param gamma weight of the aux-head losses γ (eq. 12)
 * @param lambda weight of self-distillation λ (eq. 12)
 * @param tauStart Gumbel temperature at the first step
 * @param tauEnd Gumbel temperature at the last step (exponential schedule)
 * @param ohem use online hard example mining in the cross-entropy
 * @param ohemThreshold OHEM probability threshold (0.7)
 * @param logEvery a log line every this many steps
 * @param checkpointEvery a checkpoint every this many steps
 * @param seed seed of data order, path sampling and dropout
 */
public record TrainingConfig(
        int iterations,
        int batchSize,
        double learningRate,
        double momentum,
        double weightDecay,
        int warmupIterations,
        double power,
        String archOptimizer,
        double archLearningRate,
        double archMomentum,
        double beta,
        double gamma,
        double lambda,
        double tauStart,
        double tauEnd,
        boolean ohem,
        double ohemThreshold,
        int logEvery,
        int checkpointEvery,
        long seed) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public TrainingConfig {
        positive("iterations", iterations);
        if (batchSize < 2) {
            throw new ConfigException("batchSize must be at least 2 (BatchNorm after global pooling), was " + batchSize);
        }
        positive("learningRate", learningRate);
        range("momentum", momentum, 0, 1);
        range("weightDecay", weightDecay, 0, 1);
        if (warmupIterations < 0 || warmupIterations >= iterations) {
            throw new ConfigException("warmupIterations must be in [0, iterations), was " + warmupIterations);
        }
        positive("power", power);
        if (!"sgd".equals(archOptimizer) && !"adam".equals(archOptimizer)) {
            throw new ConfigException("archOptimizer must be sgd or adam, was " + archOptimizer);
        }
        range("archLearningRate", archLearningRate, 0, Double.MAX_VALUE);
        range("archMomentum", archMomentum, 0, 1);
        range("beta", beta, 0, Double.MAX_VALUE);
        range("gamma", gamma, 0, Double.MAX_VALUE);
        range("lambda", lambda, 0, Double.MAX_VALUE);
        positive("tauStart", tauStart);
        positive("tauEnd", tauEnd);
        if (!(ohemThreshold > 0 && ohemThreshold < 1)) {
            throw new ConfigException("ohemThreshold must be in (0, 1), was " + ohemThreshold);
        }
        positive("logEvery", logEvery);
        positive("checkpointEvery", checkpointEvery);
    }

    /** The paper's recipe (β 0.01, γ 1, λ 0.001, momentum 0.9, poly 0.9) for a given length and rate. */
    public static TrainingConfig paper(int iterations, int batchSize, double learningRate) {
        return new TrainingConfig(iterations, batchSize, learningRate, 0.9, 5e-4, 0, 0.9, "sgd", 0.01, 0.9,
                0.01, 1.0, 0.001, 5.0, 0.5, false, 0.7, 10, Math.max(1, iterations / 4), 0);
    }

    /** This recipe for another number of steps (warm-up shortened if it would not fit). */
    public TrainingConfig withIterations(int steps) {
        return new TrainingConfig(steps, batchSize, learningRate, momentum, weightDecay, Math.min(warmupIterations, steps - 1), power,
                archOptimizer, archLearningRate, archMomentum, beta, gamma, lambda, tauStart, tauEnd, ohem, ohemThreshold, logEvery,
                Math.min(checkpointEvery, steps), seed);
    }

    /** Learning rate of the weights at a step: linear warm-up, then (1 − t/T)^power. */
    public double learningRateAt(long iteration) {
        if (iteration < warmupIterations) {
            return learningRate * (iteration + 1) / warmupIterations;
        }
        double progress = (double) (iteration - warmupIterations) / (iterations - warmupIterations);
        return learningRate * Math.pow(Math.max(0, 1 - progress), power);
    }

    /** The Gumbel temperature at a step, decaying exponentially from tauStart to tauEnd. */
    public float temperatureAt(long iteration) {
        double t = iterations == 1 ? 1 : (double) iteration / (iterations - 1);
        return (float) (tauStart * Math.pow(tauEnd / tauStart, t));
    }

    /** Parses JSON, naming the file in errors. */
    public static TrainingConfig fromJson(String json, String source) {
        try {
            return JSON.readValue(json, TrainingConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof ConfigException c ? c : e;
            throw new ConfigException(source + ": " + (cause instanceof ConfigException ? cause.getMessage() : e.getOriginalMessage()), e);
        }
    }

    /** This config as JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void positive(String field, double v) {
        if (!(v > 0)) {
            throw new ConfigException(field + " must be positive, was " + v);
        }
    }

    private static void range(String field, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new ConfigException(field + " must be in [" + lo + ", " + hi + "], was " + v);
        }
    }
}
