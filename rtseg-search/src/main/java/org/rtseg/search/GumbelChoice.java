package org.rtseg.search;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import java.util.SplittableRandom;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.nn.Tensors;

/**
 * Block search for one mixed block (paper eq. 7): architecture logits α over its candidate paths;
 * each step draws Gumbel noise g, runs only the path k = argmax(α + g), and scales its output by
 * the straight-through sample h_k = y_k + stopgrad(1 − y_k) with y = softmax((α + g)/τ), which is
 * 1 in value while its gradient reaches α. Logits start equal (uniform choice).
 */
public final class GumbelChoice extends AbstractBlock implements MixedBlock.PathGate {

    private final MixedBlock block;
    private final Parameter logits;
    private float[] noise;
    private float temperature = 1f;
    private boolean decided;

    /**
     * The choice of a mixed block's path.
     *
     * @param block the mixed block whose path this chooses; one logit per candidate
     */
    public GumbelChoice(MixedBlock block) {
        this.block = block;
        logits = addParameter(Parameter.builder()
                .setName("alpha")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(block.candidates().size()))
                .optInitializer(new ConstantInitializer(0f))
                .build());
    }

    /**
     * The mixed block this chooses for.
     *
     * @return the block given to the constructor
     */
    public MixedBlock block() {
        return block;
    }

    /**
     * The logits α.
     *
     * @return the parameter α, one entry per candidate path, initialised to 0
     */
    public Parameter logits() {
        return logits;
    }

    /**
     * Draws the Gumbel noise of one step and chooses the path it selects.
     *
     * @param random the step's random source
     * @param tau the temperature τ of this step
     */
    public void sample(SplittableRandom random, float tau) {
        float[] alpha = logits.getArray().toFloatArray();
        noise = new float[alpha.length];
        int best = 0;
        for (int i = 0; i < alpha.length; i++) {
            double u = Math.max(random.nextDouble(), 1e-20);
            noise[i] = (float) -Math.log(-Math.log(u));
            if (alpha[i] + noise[i] > alpha[best] + noise[best]) {
                best = i;
            }
        }
        temperature = tau;
        decided = false;
        block.choose(best);
    }

    /**
     * Chooses the most likely path (argmax α) and stops sampling: the searched architecture. From
     * now on {@link #probabilities} is that choice, so costs are the decided network's own.
     *
     * @return the chosen path, an index into the block's {@link MixedBlock#candidates()}
     */
    public int decide() {
        float[] alpha = logits.getArray().toFloatArray();
        int best = 0;
        for (int i = 1; i < alpha.length; i++) {
            if (alpha[i] > alpha[best]) {
                best = i;
            }
        }
        noise = null;
        decided = true;
        block.choose(best);
        return best;
    }

    /**
     * The path probabilities softmax(α), differentiable: what cost models weigh paths by (eq. 8).
     * After {@link #decide()}, the one-hot vector of the decided path.
     *
     * @param ps the parameter store of the step
     * @param device the device to read the logits on
     * @param training whether the step is a training step (passed to the parameter store)
     * @return a float32 vector with one probability per candidate path, summing to 1
     */
    public NDArray probabilities(ParameterStore ps, Device device, boolean training) {
        NDArray alpha = Tensors.inScope(ps.getManager(), ps.getValue(logits, device, training));
        if (decided) {
            return alpha.getManager().arange(0f, alpha.size(), 1f, DataType.INT32, device)
                    .eq(block.choice()).toType(DataType.FLOAT32, false);
        }
        return alpha.softmax(0);
    }

    @Override
    public NDArray weight(ParameterStore ps, int choice, boolean training) {
        if (noise == null || !training) {
            return null;
        }
        NDArray alpha = ps.getValue(logits, logits.getArray().getDevice(), training);
        NDArray g = ps.getManager().create(noise).toDevice(alpha.getDevice(), false);
        NDArray y = g.add(alpha).div(Tensors.scalar(g, temperature)).softmax(0).get(choice);
        return y.add(Tensors.scalar(y, 1).sub(y).stopGradient());
    }

    /** The path probabilities softmax(α); the input is not used. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(probabilities(ps, logits.getArray().getDevice(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(block.candidates().size())};
    }
}
