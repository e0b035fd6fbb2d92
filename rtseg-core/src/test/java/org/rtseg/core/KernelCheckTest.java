package org.rtseg.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's convolutions are checked against float64 before rtseg uses them. */
class KernelCheckTest {

    @Test
    void convolutionsAreRightUnderTheBuildsSettings() {
        // The build caps oneDNN (rtseg.test.onednnIsa); with -Drtseg.test.onednnIsa=ALL on the
        // AMD EPYC machines of this project the probes fail, which is what the check is for.
        assertEquals(List.of(), KernelCheck.failures(Engines.pytorch()));
    }

    @Test
    void relativeErrorIsLargestDeviationOverLargestValueAndNaNIsWrong() {
        assertEquals(0.125, KernelCheck.relativeError(new float[] {1, 2.5f, -4}, new double[] {1, 2, -4}), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, KernelCheck.relativeError(new float[] {Float.NaN, 2}, new double[] {1, 2}));
        assertTrue(KernelCheck.relativeError(new float[] {1.000001f}, new double[] {1}) <= KernelCheck.TOLERANCE);
    }

    @Test
    void messageNamesTheProbeAndTheFix() {
        String m = KernelCheck.message(List.of("3x3 convolution 12->8, batch 2 off by 94 % of its largest value"), "AVX2");
        assertTrue(m.contains("12->8") && m.contains("ONEDNN_MAX_CPU_ISA=AVX2") && m.contains("ONEDNN_MAX_CPU_ISA=SSE41")
                && m.contains("-Drtseg.kernelCheck=false"), m);
    }
}
