package org.rtseg.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adam in PyTorch's form, with a saveable state (see {@link StatefulOptimizer}): m ← β1·m + (1−β1)·g,
 * v ← β2·v + (1−β2)·g², w ← w − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε), weight decay added to g.
 * Searches often use it for architecture parameters.
 */
public final class Adam extends Optimizer implements StatefulOptimizer {

    private final ParameterTracker learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    /** Per parameter: m, v and the step count t as a scalar. */
    private final Map<String, NDArray[]> moments = new ConcurrentHashMap<>();

    private Adam(Builder builder) {
        super(builder);
        learningRate = builder.learningRate;
        beta1 = builder.beta1;
        beta2 = builder.beta2;
        epsilon = builder.epsilon;
        weightDecay = builder.weightDecay;
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
        NDArray[] mv = moments.computeIfAbsent(parameterId,
                k -> new NDArray[] {weight.zerosLike(), weight.zerosLike(), weight.getManager().create(0f)});
        int t = (int) mv[2].addi(1f).getFloat();
        try (NDArray g = weightDecay == 0f ? grad.duplicate() : grad.add(weight.mul(weightDecay));
                NDArray g2 = g.square()) {
            mv[0].muli(beta1).addi(g.muli(1 - beta1));
            mv[1].muli(beta2).addi(g2.muli(1 - beta2));
        }
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        try (NDArray vHat = mv[1].div((float) c2);
                NDArray denom = vHat.sqrt().addi(epsilon);
                NDArray delta = mv[0].mul((float) (lr / c1)).divi(denom)) {
            weight.subi(delta);
        }
        try (NDArray stale = weight.getGradient()) {
            stale.subi(stale);
        }
    }

    @Override
    public Map<String, NDArray> state() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        moments.forEach((k, mv) -> {
            state.put(k + "/m", mv[0]);
            state.put(k + "/v", mv[1]);
            state.put(k + "/t", mv[2]);
        });
        return state;
    }

    @Override
    public void restore(Map<String, NDArray> saved) {
        moments.clear();
        saved.forEach((key, array) -> {
            int slash = key.lastIndexOf('/');
            int slot = "mvt".indexOf(key.charAt(slash + 1));
            moments.computeIfAbsent(key.substring(0, slash), k -> new NDArray[3])[slot] = array;
        });
    }

    /** Builder: learning-rate tracker (required), β1 0.9, β2 0.999, ε 1e-8, weight decay 0. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRate;
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private float weightDecay;

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the learning-rate schedule.
         *
         * @param tracker gives lr for each parameter and update count
         * @return this builder
         */
        public Builder learningRate(ParameterTracker tracker) {
            this.learningRate = tracker;
            return this;
        }

        /**
         * Sets the moments' decay rates.
         *
         * @param beta1 β1, decay of the first moment m, in [0, 1) (default 0.9)
         * @param beta2 β2, decay of the second moment v, in [0, 1) (default 0.999)
         * @return this builder
         */
        public Builder betas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /**
         * Sets the weight decay.
         *
         * @param weightDecay the L2 factor on w added to the gradient (default 0, none)
         * @return this builder
         */
        public Builder weightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Builds the optimiser.
         *
         * @return a new optimiser with no moment estimates yet
         * @throws IllegalArgumentException if no learning rate was set
         */
        public Adam build() {
            if (learningRate == null) {
                throw new IllegalArgumentException("Adam needs a learning-rate tracker");
            }
            return new Adam(this);
        }
    }
}
