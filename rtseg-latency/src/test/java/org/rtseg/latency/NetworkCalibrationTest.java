package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** Each network is timed once per round, and its latency is the median of its rounds, which the log lists. */
    @Test
    void aNetworkIsTheMedianOfItsRounds() {
        DjlLatencyMeter meter = new DjlLatencyMeter(Device.cpu(), new DjlLatencyMeter.Options(1, 2, 2, 1, 1, 1), DjlLatencyMeter.Form.EVAL);
        Shape input = new Shape(1, 3, 32, 64);
        List<String> lines = new ArrayList<>();
        try (LatencyMlp mlp = LatencyMlpTest.fitSynthetic(Fixtures.tiny(), 200, 50, new ArrayList<>())) {
            NetworkCalibration.Result r = NetworkCalibration.run(mlp, Fixtures.tiny(), List.of(Fixtures.tiny()), 2, 0.3, input, meter, Device.cpu(), 5,
                    3, lines::add);
            assertEquals(3, r.networks().size());
            assertEquals(3, lines.size(), lines.toString());
            Pattern rounds = Pattern.compile("measured +([0-9.]+) ms \\(median of rounds ([0-9.]+) / ([0-9.]+) / ([0-9.]+)\\)");
            for (int i = 0; i < 3; i++) {
                Matcher m = rounds.matcher(lines.get(i));
                assertTrue(m.find(), lines.get(i));
                double[] each = {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))};
                Arrays.sort(each);
                assertEquals(each[1], r.networks().get(i).measuredMs(), 0.005, lines.get(i));
                assertEquals(Double.parseDouble(m.group(1)), r.networks().get(i).measuredMs(), 0.005, lines.get(i));
            }
            assertThrows(IllegalArgumentException.class,
                    () -> NetworkCalibration.run(mlp, Fixtures.tiny(), List.of(), 1, 0.3, input, meter, Device.cpu(), 5, 0, lines::add));
        }
    }
}
