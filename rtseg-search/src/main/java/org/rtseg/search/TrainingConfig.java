package org.rtseg.search;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import org.rtseg.core.config.ConfigException;

/**
 * The recipe of one training phase (paper §Experiments): SGD with momentum and poly learning rate
 * for the weights, a separate rate for the architecture parameters, the weights of eq. 12 and the
 * Gumbel temperature schedule.
 *
 * <p>One set of defaults, {@link Builder}'s, serves code and JSON alike: {@link #builder()} and
 * {@link #paper} start from them, and a field a JSON recipe leaves out takes them too. Change a
 * recipe with {@link #toBuilder()}, e.g. {@code recipe.toBuilder().beta(0.05).build()}.
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
 * @param kdReduction how eq. 10 reduces the per-pixel KL: {@code sum} over the pixels of each image,
 *     then the mean over the batch, as the paper writes it (the default), or {@code mean} over all
 *     pixels, which makes λ independent of the crop size
 * @param tauStart Gumbel temperature at the first step
 * @param tauEnd Gumbel temperature at the last step (exponential schedule)
 * @param ohem use online hard example mining in the cross-entropy
 * @param ohemThreshold OHEM probability threshold (0.7)
 * @param logEvery a log line every this many steps
 * @param checkpointEvery a checkpoint every this many steps
 * @param seed seed of data order, path sampling, Gumbel noise and dropout, each step's from (seed,
 *     step); {@code rtseg pretrain} also seeds the initial weights with it ({@code
 *     ModelDirectory.create(config, device, seed)})
 */
@JsonDeserialize(builder = TrainingConfig.Builder.class)
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
        String kdReduction,
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

    /**
     * Checks every field, naming the one out of range and its valid range.
     *
     * @param iterations number of steps, positive
     * @param batchSize images per step and device, at least 2
     * @param learningRate base learning rate of the weights, positive
     * @param momentum SGD momentum of the weights, in [0, 1]
     * @param weightDecay weight decay of the weights, in [0, 1]
     * @param warmupIterations linear warm-up steps, in [0, iterations)
     * @param power poly exponent, positive
     * @param archOptimizer {@code sgd} or {@code adam}
     * @param archLearningRate learning rate of mask weights and path logits, 0 or more
     * @param archMomentum momentum of the architecture optimiser (sgd), in [0, 1]
     * @param beta weight β of the cost regulariser (eq. 9, 12), 0 or more
     * @param gamma weight γ of the aux-head losses (eq. 12), 0 or more
     * @param lambda weight λ of self-distillation (eq. 12), 0 or more
     * @param kdReduction {@code sum} or {@code mean}; null for {@code sum}
     * @param tauStart Gumbel temperature at the first step, positive
     * @param tauEnd Gumbel temperature at the last step, positive
     * @param ohem use online hard example mining in the cross-entropy
     * @param ohemThreshold OHEM probability threshold, in (0, 1)
     * @param logEvery a log line every this many steps, positive
     * @param checkpointEvery a checkpoint every this many steps, positive
     * @param seed seed of data order, path sampling, Gumbel noise and dropout; any value
     * @throws ConfigException naming the first field out of range and its valid range
     */
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
        kdReduction = kdReduction == null ? SelfDistillationLoss.Reduction.SUM.configName() : kdReduction;
        SelfDistillationLoss.Reduction.of(kdReduction);
        positive("tauStart", tauStart);
        positive("tauEnd", tauEnd);
        if (!(ohemThreshold > 0 && ohemThreshold < 1)) {
            throw new ConfigException("ohemThreshold must be in (0, 1), was " + ohemThreshold);
        }
        positive("logEvery", logEvery);
        positive("checkpointEvery", checkpointEvery);
    }

    /**
     * The paper's recipe ({@link Builder}'s defaults) for a given length, batch and rate.
     *
     * @param iterations number of steps, positive
     * @param batchSize images per step and device, at least 2
     * @param learningRate base learning rate of the weights, positive
     * @return the recipe
     * @throws ConfigException when a value is out of range
     */
    public static TrainingConfig paper(int iterations, int batchSize, double learningRate) {
        return builder().iterations(iterations).batchSize(batchSize).learningRate(learningRate).build();
    }

    /**
     * A builder starting from the paper's recipe.
     *
     * @return a new builder holding {@link Builder}'s defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from this recipe.
     *
     * @return a new builder holding every field of this recipe
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * This recipe for another number of steps (warm-up and checkpoint interval shortened if they would not fit).
     *
     * @param steps the new number of steps, positive
     * @return a copy with {@code iterations = steps}, warm-up at most {@code steps - 1} and checkpoint
     *     interval at most {@code steps}
     * @throws ConfigException when {@code steps} is not positive
     */
    public TrainingConfig withIterations(int steps) {
        return toBuilder().iterations(steps).warmupIterations(Math.min(warmupIterations, steps - 1))
                .checkpointEvery(Math.min(checkpointEvery, steps)).build();
    }

    /**
     * The reduction of eq. 10 ({@link #kdReduction}).
     *
     * @return the reduction that {@link #kdReduction} names
     */
    public SelfDistillationLoss.Reduction distillationReduction() {
        return SelfDistillationLoss.Reduction.of(kdReduction);
    }

    /**
     * Learning rate of the weights at a step: linear warm-up, then (1 − t/T)^power.
     *
     * @param iteration the step, from 0; t and T count from the end of the warm-up
     * @return the rate: {@code learningRate · (iteration + 1) / warmupIterations} during the warm-up, then
     *     the poly decay, 0 from step {@code iterations} on
     */
    public double learningRateAt(long iteration) {
        if (iteration < warmupIterations) {
            return learningRate * (iteration + 1) / warmupIterations;
        }
        double progress = (double) (iteration - warmupIterations) / (iterations - warmupIterations);
        return learningRate * Math.pow(Math.max(0, 1 - progress), power);
    }

    /**
     * The Gumbel temperature at a step, decaying exponentially from tauStart to tauEnd.
     *
     * @param iteration the step, from 0
     * @return τ: {@code tauStart} at step 0, {@code tauEnd} at step {@code iterations - 1}
     */
    public float temperatureAt(long iteration) {
        double t = iterations == 1 ? 1 : (double) iteration / (iterations - 1);
        return (float) (tauStart * Math.pow(tauEnd / tauStart, t));
    }

    /**
     * Parses JSON, naming the file in errors; a field left out takes {@link Builder}'s default.
     *
     * @param json a JSON object with the fields of this record; unknown fields are errors
     * @param source where the text came from, e.g. the file name, used in error messages
     * @return the recipe
     * @throws ConfigException when the text is not valid JSON, has an unknown field or a value out of range
     */
    public static TrainingConfig fromJson(String json, String source) {
        try {
            return JSON.readValue(json, TrainingConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof ConfigException c ? c : e;
            throw new ConfigException(source + ": " + (cause instanceof ConfigException ? cause.getMessage() : e.getOriginalMessage()), e);
        }
    }

    /**
     * This config as JSON.
     *
     * @return a pretty-printed JSON object with every field, which {@link #fromJson} reads back
     */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Builds a recipe; every field starts at the paper's setting (§Experiments: SGD momentum 0.9,
     * weight decay 5e-4, poly 0.9, β 0.01, γ 1, λ 0.001, eq. 10 summed over pixels) or, where the
     * paper states none, at rtseg's: 1000 steps of batch 8 at learning rate 0.01 without warm-up,
     * Adam at 0.01 for the architecture parameters (momentum 0.9 if switched to SGD), Gumbel
     * temperature 5 → 0.5, OHEM off (threshold 0.7 when on), a log line every 10 steps, a
     * checkpoint every 500, seed 0. docs/search.md lists where the shipped recipes depart from
     * these, and why.
     */
    @JsonPOJOBuilder(withPrefix = "")
    public static final class Builder {
        private int iterations = 1000;
        private int batchSize = 8;
        private double learningRate = 0.01;
        private double momentum = 0.9;
        private double weightDecay = 5e-4;
        private int warmupIterations;
        private double power = 0.9;
        private String archOptimizer = "adam";
        private double archLearningRate = 0.01;
        private double archMomentum = 0.9;
        private double beta = 0.01;
        private double gamma = 1.0;
        private double lambda = 0.001;
        private String kdReduction = SelfDistillationLoss.Reduction.SUM.configName();
        private double tauStart = 5.0;
        private double tauEnd = 0.5;
        private boolean ohem;
        private double ohemThreshold = 0.7;
        private int logEvery = 10;
        private int checkpointEvery = 500;
        private long seed;

        private Builder() {}

        private Builder(TrainingConfig c) {
            iterations = c.iterations;
            batchSize = c.batchSize;
            learningRate = c.learningRate;
            momentum = c.momentum;
            weightDecay = c.weightDecay;
            warmupIterations = c.warmupIterations;
            power = c.power;
            archOptimizer = c.archOptimizer;
            archLearningRate = c.archLearningRate;
            archMomentum = c.archMomentum;
            beta = c.beta;
            gamma = c.gamma;
            lambda = c.lambda;
            kdReduction = c.kdReduction;
            tauStart = c.tauStart;
            tauEnd = c.tauEnd;
            ohem = c.ohem;
            ohemThreshold = c.ohemThreshold;
            logEvery = c.logEvery;
            checkpointEvery = c.checkpointEvery;
            seed = c.seed;
        }

        /**
         * Number of steps.
         *
         * @param v number of steps, positive (default 1000)
         * @return this builder
         */
        public Builder iterations(int v) {
            iterations = v;
            return this;
        }

        /**
         * Images per step and device (at least 2: BatchNorm after global pooling).
         *
         * @param v images per step and device, at least 2 (default 8)
         * @return this builder
         */
        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        /**
         * Base learning rate of the weights.
         *
         * @param v the base rate, positive (default 0.01)
         * @return this builder
         */
        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /**
         * SGD momentum of the weights.
         *
         * @param v the momentum, in [0, 1] (default 0.9)
         * @return this builder
         */
        public Builder momentum(double v) {
            momentum = v;
            return this;
        }

        /**
         * Weight decay of convolution weights (biases and norms have none).
         *
         * @param v the decay, in [0, 1] (default 5e-4)
         * @return this builder
         */
        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /**
         * Steps of linear warm-up before the poly decay, fewer than the iterations.
         *
         * @param v warm-up steps, in [0, iterations) (default 0)
         * @return this builder
         */
        public Builder warmupIterations(int v) {
            warmupIterations = v;
            return this;
        }

        /**
         * Exponent of the poly decay (1 − t/T)^power.
         *
         * @param v the exponent, positive (default 0.9)
         * @return this builder
         */
        public Builder power(double v) {
            power = v;
            return this;
        }

        /**
         * Optimiser of mask weights and path logits: {@code adam} or {@code sgd}.
         *
         * @param v {@code adam} (the default) or {@code sgd}
         * @return this builder
         */
        public Builder archOptimizer(String v) {
            archOptimizer = v;
            return this;
        }

        /**
         * Learning rate of mask weights and path logits.
         *
         * @param v the rate, 0 or more (default 0.01)
         * @return this builder
         */
        public Builder archLearningRate(double v) {
            archLearningRate = v;
            return this;
        }

        /**
         * Momentum of the architecture optimiser when it is {@code sgd}.
         *
         * @param v the momentum, in [0, 1] (default 0.9)
         * @return this builder
         */
        public Builder archMomentum(double v) {
            archMomentum = v;
            return this;
        }

        /**
         * Weight β of the cost regulariser (eq. 9, 12).
         *
         * @param v β, 0 or more (default 0.01)
         * @return this builder
         */
        public Builder beta(double v) {
            beta = v;
            return this;
        }

        /**
         * Weight γ of the aux-head losses (eq. 12).
         *
         * @param v γ, 0 or more (default 1)
         * @return this builder
         */
        public Builder gamma(double v) {
            gamma = v;
            return this;
        }

        /**
         * Weight λ of self-distillation (eq. 12).
         *
         * @param v λ, 0 or more (default 0.001); 0 turns distillation off
         * @return this builder
         */
        public Builder lambda(double v) {
            lambda = v;
            return this;
        }

        /**
         * How eq. 10 reduces the per-pixel KL.
         *
         * @param v the reduction (default {@link SelfDistillationLoss.Reduction#SUM}), not null
         * @return this builder
         */
        public Builder kdReduction(SelfDistillationLoss.Reduction v) {
            kdReduction = v.configName();
            return this;
        }

        /**
         * Gumbel temperature τ of eq. 7 at the first step.
         *
         * @param v τ at step 0, positive (default 5)
         * @return this builder
         */
        public Builder tauStart(double v) {
            tauStart = v;
            return this;
        }

        /**
         * Gumbel temperature τ at the last step; it decays exponentially from {@link #tauStart}.
         *
         * @param v τ at the last step, positive (default 0.5)
         * @return this builder
         */
        public Builder tauEnd(double v) {
            tauEnd = v;
            return this;
        }

        /**
         * Whether the cross-entropy mines hard pixels online (OHEM).
         *
         * @param on true to mine hard pixels (default false)
         * @return this builder
         */
        public Builder ohem(boolean on) {
            ohem = on;
            return this;
        }

        /**
         * OHEM probability threshold, in (0, 1).
         *
         * @param v the probability below which a pixel is hard, in (0, 1) (default 0.7)
         * @return this builder
         */
        public Builder ohemThreshold(double v) {
            ohemThreshold = v;
            return this;
        }

        /**
         * A log line every this many steps.
         *
         * @param v the interval in steps, positive (default 10)
         * @return this builder
         */
        public Builder logEvery(int v) {
            logEvery = v;
            return this;
        }

        /**
         * A checkpoint every this many steps (and at the end of a run).
         *
         * @param v the interval in steps, positive (default 500)
         * @return this builder
         */
        public Builder checkpointEvery(int v) {
            checkpointEvery = v;
            return this;
        }

        /**
         * Seed of initial weights, data order, path sampling, Gumbel noise and dropout.
         *
         * @param v any value (default 0)
         * @return this builder
         */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /**
         * The recipe, validated.
         *
         * @return the recipe
         * @throws ConfigException naming the first field out of range and its valid range
         */
        public TrainingConfig build() {
            return new TrainingConfig(iterations, batchSize, learningRate, momentum, weightDecay, warmupIterations, power,
                    archOptimizer, archLearningRate, archMomentum, beta, gamma, lambda, kdReduction, tauStart, tauEnd, ohem,
                    ohemThreshold, logEvery, checkpointEvery, seed);
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
