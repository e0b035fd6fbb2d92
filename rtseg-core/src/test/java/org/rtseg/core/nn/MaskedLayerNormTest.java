package org.rtseg.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;

/** The masked LayerNorm is the LayerNorm of the kept channels, which is what an extracted subnet runs. */
class MaskedLayerNormTest {

    private static final int CHANNELS = 12;

    @Test
    void maskedEqualsPlainLayerNormOfTheKeptChannels() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            SplittableRandom random = new SplittableRandom(4);
            MaskedLayerNorm masked = norm(m, random, CHANNELS);
            float[] gamma = masked.getParameters().get("gamma").getArray().toFloatArray();
            float[] beta = masked.getParameters().get("beta").getArray().toFloatArray();
            NDArray x = m.randomNormal(1, 2, new Shape(2, CHANNELS, 3, 5), DataType.FLOAT32);
            for (int trial = 0; trial < 8; trial++) {
                float[] mask = new float[CHANNELS];
                for (int c = 0; c < CHANNELS; c++) {
                    mask[c] = random.nextDouble() < 0.6 ? 1 : 0;
                }
                mask[random.nextInt(CHANNELS)] = 1;
                int[] kept = IntStream.range(0, CHANNELS).filter(c -> mask[c] == 1).toArray();
                NDArray maskArray = m.create(mask);
                masked.setMask((ps, device, training) -> maskArray);
                // the masked supernet's input has its pruned channels at zero already
                NDArray input = x.mul(maskArray.reshape(1, CHANNELS, 1, 1));
                NDArray out = forward(m, masked, input);

                MaskedLayerNorm plain = norm(m, random, kept.length);
                plain.getParameters().get("gamma").getArray().set(select(gamma, kept));
                plain.getParameters().get("beta").getArray().set(select(beta, kept));
                NDArray expected = forward(m, plain, channels(m, x, kept));

                assertEquals(0f, out.sub(scatter(m, expected, kept, x.getShape())).abs().max().getFloat(), 1e-5f,
                        "trial " + trial + ": kept channels as the plain LayerNorm of them, pruned channels zero");
            }
        }
    }

    @Test
    void withoutAMaskItIsTheLayerNormOfEachPixel() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            MaskedLayerNorm norm = norm(m, new SplittableRandom(1), CHANNELS);
            NDArray x = m.randomNormal(0, 3, new Shape(1, CHANNELS, 2, 2), DataType.FLOAT32);
            NDArray out = forward(m, norm, x);
            NDArray gamma = norm.getParameters().get("gamma").getArray().reshape(1, CHANNELS, 1, 1);
            NDArray beta = norm.getParameters().get("beta").getArray().reshape(1, CHANNELS, 1, 1);
            NDArray mean = x.mean(new int[] {1}, true);
            NDArray variance = x.sub(mean).square().mean(new int[] {1}, true);
            NDArray expected = x.sub(mean).div(variance.add(MaskedLayerNorm.EPSILON).sqrt()).mul(gamma).add(beta);
            assertEquals(0f, out.sub(expected).abs().max().getFloat(), 1e-5f);
            assertTrue(out.sub(x).abs().max().getFloat() > 0.1f);
        }
    }

    private static MaskedLayerNorm norm(NDManager m, SplittableRandom random, int channels) {
        MaskedLayerNorm norm = new MaskedLayerNorm(channels);
        norm.initialize(m, DataType.FLOAT32, new Shape(1, channels, 1, 1));
        for (String name : new String[] {"gamma", "beta"}) {
            float[] v = new float[channels];
            for (int i = 0; i < channels; i++) {
                v[i] = (float) (random.nextDouble() * 2 - 0.5);
            }
            norm.getParameters().get(name).getArray().set(v);
        }
        return norm;
    }

    private static NDArray forward(NDManager m, MaskedLayerNorm norm, NDArray x) {
        return norm.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }

    private static float[] select(float[] values, int[] kept) {
        float[] out = new float[kept.length];
        for (int i = 0; i < kept.length; i++) {
            out[i] = values[kept[i]];
        }
        return out;
    }

    private static NDArray channels(NDManager m, NDArray x, int[] kept) {
        NDList parts = new NDList();
        for (int c : kept) {
            parts.add(x.get(new NDIndex(":, {}:{}", c, c + 1)));
        }
        return ai.djl.ndarray.NDArrays.concat(parts, 1);
    }

    /** The kept channels back at their places, zeros elsewhere. */
    private static NDArray scatter(NDManager m, NDArray keptChannels, int[] kept, Shape full) {
        NDArray out = m.zeros(full);
        for (int i = 0; i < kept.length; i++) {
            out.set(new NDIndex(":, {}:{}", kept[i], kept[i] + 1), keptChannels.get(new NDIndex(":, {}:{}", i, i + 1)));
        }
        return out;
    }
}
