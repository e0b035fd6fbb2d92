package org.rtseg.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rtseg.core.Engines;
import org.rtseg.core.nn.ConvBnAct;

/** Re-estimated running statistics are the mean of the batches' statistics, weights untouched. */
class BatchNormCalibrationTest {

    @Test
    void runningStatisticsBecomeTheMeanOfTheBatchStatistics() {
        try (NDManager m = Engines.pytorch().newBaseManager()) {
            ConvBnAct unit = ConvBnAct.builder(3, 4).kernel(1).build();
            unit.initialize(m, DataType.FLOAT32, new Shape(2, 3, 5, 6));
            List<NDArray> batches = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                batches.add(m.randomNormal(i, 1 + i, new Shape(2, 3, 5, 6), DataType.FLOAT32));
            }
            NDArray weightBefore = unit.getParameters().get("conv_weight").getArray().duplicate();
            int reached = BatchNormCalibration.recalibrate(unit, m, 3, (scope, i) -> batches.get(i));
            assertEquals(1, reached);
            double[] mean = new double[4];
            double[] var = new double[4];
            for (NDArray x : batches) {
                NDArray y = unit.getChildren().get("conv").forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
                // Per channel over N, H, W; the variance unbiased, as PyTorch keeps it.
                float[] v = y.transpose(1, 0, 2, 3).reshape(4, -1).toFloatArray();
                int n = v.length / 4;
                for (int c = 0; c < 4; c++) {
                    double s = 0;
                    double sq = 0;
                    for (int k = 0; k < n; k++) {
                        s += v[c * n + k];
                    }
                    double mu = s / n;
                    for (int k = 0; k < n; k++) {
                        sq += (v[c * n + k] - mu) * (v[c * n + k] - mu);
                    }
                    mean[c] += mu / 3;
                    var[c] += sq / (n - 1) / 3;
                }
            }
            BatchNorm bn = (BatchNorm) unit.getChildren().get("bn");
            assertArrayEquals(toFloat(mean), bn.getDirectParameters().get("runningMean").getArray().toFloatArray(), 1e-4f);
            assertArrayEquals(toFloat(var), bn.getDirectParameters().get("runningVar").getArray().toFloatArray(), 1e-3f);
            assertEquals(weightBefore, unit.getParameters().get("conv_weight").getArray(), "no weight changes");
        }
    }

    @Test
    void batchNormsOfPathsNotRunKeepTheirStatistics() {
        try (ai.djl.Model model = org.rtseg.core.io.ModelDirectory.create(org.rtseg.core.TinyConfigs.tinySupernet(5), ai.djl.Device.cpu())) {
            org.rtseg.core.supernet.Supernet net = org.rtseg.core.io.ModelDirectory.network(model);
            org.rtseg.core.blocks.MixedBlock first = net.mixedBlocks().get(0);
            first.choose(1); // skip: the LIR candidate does not run
            NDArray idle = first.candidates().get(0).block().getParameters().stream()
                    .filter(p -> p.getKey().endsWith("runningVar")).findFirst().orElseThrow().getValue().getArray();
            NDArray used = net.getParameters().get("detail_S1_0_bn_runningVar").getArray();
            float[] idleBefore = idle.toFloatArray();
            float[] usedBefore = used.toFloatArray();
            NDManager m = model.getNDManager();
            int reached = BatchNormCalibration.recalibrate(net, m, 2, (scope, i) -> scope.randomNormal(new Shape(2, 3, 64, 64)));
            assertArrayEquals(idleBefore, idle.toFloatArray(), "a path that did not run keeps its statistics");
            org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(usedBefore, used.toFloatArray()));
            org.junit.jupiter.api.Assertions.assertTrue(reached > 10 && reached < countNorms(net), reached + " BatchNorms re-estimated");
        }
    }

    private static int countNorms(ai.djl.nn.Block block) {
        int n = block instanceof BatchNorm ? 1 : 0;
        for (var child : block.getChildren()) {
            n += countNorms(child.getValue());
        }
        return n;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
