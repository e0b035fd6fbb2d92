package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-network scale: the median ratio of measured to Σ units. */
class NetworkCalibrationTest {

    @Test
    void aShareOfOverheadIsFittedAsAScaleThatHoldsForSmallAndLargeNetworks() {
        // Every network runs 12 % over its units, from 60 to 960 ms: an offset cannot fit both ends.
        List<NetworkCalibration.Network> nets = List.of(
                new NetworkCalibration.Network("a", 1.12 * 60, 60),
                new NetworkCalibration.Network("b", 1.12 * 120, 120),
                new NetworkCalibration.Network("c", 1.12 * 240, 240),
                new NetworkCalibration.Network("d", 1.12 * 480, 480),
                new NetworkCalibration.Network("e", 1.12 * 960, 960),
                new NetworkCalibration.Network("f", 1.12 * 90, 90));
        NetworkCalibration.Result r = NetworkCalibration.calibrate(nets);
        assertEquals(1.12, r.scale(), 1e-12);
        assertEquals(6, r.scaled().count());
        assertEquals(0, r.scaled().mape(), 1e-9);
        assertEquals(100 * (1 - 1 / 1.12), r.unscaled().mape(), 1e-9);
    }

    @Test
    void theScaleIsTheMedianRatioSoOutliersDoNotMoveIt() {
        List<NetworkCalibration.Network> nets = List.of(
                new NetworkCalibration.Network("a", 110, 100),
                new NetworkCalibration.Network("b", 5000, 1000),
                new NetworkCalibration.Network("c", 26, 20),
                new NetworkCalibration.Network("d", 100, 100),
                new NetworkCalibration.Network("e", 60, 50));
        assertEquals(1.2, NetworkCalibration.calibrate(nets).scale(), 1e-12);
    }
}
