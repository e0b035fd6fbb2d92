package org.rtseg.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * SGD with momentum in PyTorch's form (paper §Experiments: momentum 0.9, poly learning rate):
 *
 * <pre>
 *   buf ← μ·buf + g + wd·w
 *   w   ← w − lr·buf
 * </pre>
 *
 * DJL's {@code Sgd} folds the learning rate into the buffer ({@code buf ← μ·buf − lr·g}), which
 * differs from PyTorch whenever the learning rate changes, i.e. at every step of a poly schedule;
 * recipes tuned in PyTorch need this form. The buffers are exposed so that checkpoints can save and
 * restore them. Weight decay can be limited to some parameters ({@link Builder#decayOnly}), as
 * recipes that exempt biases and normalisation parameters do.
 */
public final class MomentumSgd extends Optimizer implements StatefulOptimizer {

    private final ParameterTracker learningRate;
    private final float momentum;
    private final float weightDecay;
    private final Predicate<String> decayed;
    private final Map<String, NDArray> buffers = new ConcurrentHashMap<>();

    private MomentumSgd(Builder builder) {
        super(builder);
        learningRate = builder.learningRate;
        momentum = builder.momentum;
        weightDecay = builder.weightDecay;
        decayed = builder.decayed;
    }

    /**
     * A builder with the defaults above; the learning rate must be set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        float lr = learningRate.getNewValue(parameterId, updateCount(parameterId));
        // Temporaries are closed here: results of ops belong to the first operand's manager,
        // which for weights is the model's and lives for the whole run.
        try (NDArray decay = weightDecay == 0f || !decayed.test(parameterId) ? null : weight.mul(weightDecay)) {
            NDArray buf = buffers.get(parameterId);
            if (buf == null) {
                // PyTorch starts the buffer at the first gradient, not at zero.
                buf = grad.duplicate();
                buf.attach(weight.getManager());
                buffers.put(parameterId, buf);
            } else {
                buf.muli(momentum).addi(grad);
            }
            if (decay != null) {
                buf.addi(decay);
            }
        }
        try (NDArray delta = buffers.get(parameterId).mul(lr)) {
            weight.subi(delta);
        }
        // DJL's PyTorch optimisers clear the gradient after the update; the next backward adds to it.
        try (NDArray stale = weight.getGradient()) {
            stale.subi(stale);
        }
    }

    /** Replaces the momentum buffers (by parameter id), e.g. from a checkpoint; the arrays are taken over. */
    @Override
    public void restore(Map<String, NDArray> saved) {
        buffers.clear();
        buffers.putAll(saved);
    }

    /** The momentum buffers by parameter id (live arrays; copy before the next step). */
    @Override
    public Map<String, NDArray> state() {
        return buffers;
    }

    /** Builder: learning-rate tracker (required), momentum (0.9), weight decay (0). */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRate;
        private float momentum = 0.9f;
        private float weightDecay;
        private Predicate<String> decayed = id -> true;

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the learning-rate schedule.
         *
         * @param tracker gives lr for each parameter and update count (e.g. a poly schedule)
         * @return this builder
         */
        public Builder learningRate(ParameterTracker tracker) {
            this.learningRate = tracker;
            return this;
        }

        /**
         * Sets the momentum.
         *
         * @param momentum μ, usually in [0, 1) (default 0.9)
         * @return this builder
         */
        public Builder momentum(float momentum) {
            this.momentum = momentum;
            return this;
        }

        /**
         * Sets the weight decay.
         *
         * @param weightDecay wd, the L2 factor added to the gradient (default 0, none)
         * @return this builder
         */
        public Builder weightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Applies weight decay only to the parameters whose id passes (default: all).
         *
         * @param parameterIds true for the parameter ids that are decayed
         * @return this builder
         */
        public Builder decayOnly(Predicate<String> parameterIds) {
            this.decayed = parameterIds;
            return this;
        }

        /**
         * Builds the optimiser.
         *
         * @return a new optimiser with empty momentum buffers
         * @throws IllegalArgumentException if no learning rate was set
         */
        public MomentumSgd build() {
            if (learningRate == null) {
                throw new IllegalArgumentException("MomentumSgd needs a learning-rate tracker");
            }
            return new MomentumSgd(this);
        }
    }
}
