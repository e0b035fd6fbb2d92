package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rtseg.core.io.ModelDirectory;

/** Interleaved rounds: every candidate against the reference, and the reference against itself. */
class InterleavedTimingTest {

    private static final DjlLatencyMeter METER = new DjlLatencyMeter(Device.cpu(), new DjlLatencyMeter.Options(1, 2, 2, 1, 1, 1),
            DjlLatencyMeter.Form.EVAL);

    @Test
    void eachCandidateGetsItsMedianAndSpeedUpInTheGivenOrder() {
        Shape input = new Shape(1, 3, 32, 64);
        try (Model reference = ModelDirectory.create(Fixtures.tiny(), Device.cpu(), 1);
                Model again = ModelDirectory.create(Fixtures.tiny(), Device.cpu(), 2);
                Model small = NetworkCalibration.randomSubnet(Fixtures.tiny(), 5, 0, 0.3, Device.cpu());
                Model smaller = NetworkCalibration.randomSubnet(Fixtures.tiny(), 5, 1, 0, Device.cpu())) {
            Map<String, Model> candidates = new LinkedHashMap<>();
            candidates.put("b", small);
            candidates.put("a", smaller);
            InterleavedTiming.Result r = InterleavedTiming.run(reference, again, candidates, input, METER, 3);
            assertEquals(3, r.rounds());
            assertEquals(List.of("b", "a"), r.candidates().stream().map(InterleavedTiming.Candidate::name).toList());
            assertTrue(r.referenceMs() > 0 && r.nullRatio() > 0 && r.nullSpread() >= 0, r.toString());
            for (InterleavedTiming.Candidate c : r.candidates()) {
                assertTrue(c.milliseconds() > 0 && c.speedUp() > 0, c.toString());
            }
        }
    }

    @Test
    void theNullCheckVoidsARunWhoseReferenceDisagreesWithItself() {
        assertFalse(new InterleavedTiming.Result(7, 600, 1.01, 0.02, List.of()).voided(0.03));
        assertTrue(new InterleavedTiming.Result(7, 600, 1.04, 0.02, List.of()).voided(0.03), "median off by 4 %");
        assertTrue(new InterleavedTiming.Result(7, 600, 0.99, 0.05, List.of()).voided(0.03), "spread of 5 %");
        assertThrows(IllegalArgumentException.class, () -> InterleavedTiming.run(null, null, Map.of(), new Shape(1, 3, 32, 32), METER, 0));
    }
}
