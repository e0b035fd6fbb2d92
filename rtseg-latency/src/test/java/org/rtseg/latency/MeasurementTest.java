package org.rtseg.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MeasurementTest {

    @Test
    void oneTrialIsTheMedianAndInterquartileRangeOfItsRuns() {
        Measurement m = Measurement.of(new double[] {5, 1, 3, 2, 4, 99}, 5);
        assertEquals(3, m.medianMs(), 1e-12);
        assertEquals(2, m.iqrMs(), 1e-12);
        assertEquals(5, m.repetitions());
    }

    @Test
    void trialsGiveTheMedianOfTheirMediansAndShowTheirDisagreementAsSpread() {
        Measurement a = new Measurement(10, 0.2, 5);
        Measurement b = new Measurement(13, 0.1, 7);
        Measurement c = new Measurement(11, 0.3, 5);
        Measurement m = Measurement.ofTrials(a, b, c);
        assertEquals(11, m.medianMs(), 1e-12);
        assertEquals(3, m.iqrMs(), 1e-12, "the medians range from 10 to 13, wider than any trial's IQR");
        assertEquals(17, m.repetitions());
        assertEquals(0.3, Measurement.ofTrials(new Measurement(10, 0.3, 5), new Measurement(10.1, 0.2, 5)).iqrMs(), 1e-12);
    }

    @Test
    void impossibleValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Measurement(-1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Measurement(1, 0, 0));
    }
}
