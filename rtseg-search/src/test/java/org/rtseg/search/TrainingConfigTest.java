package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rtseg.core.config.ConfigException;

/** The recipe: the paper's settings, the learning-rate and temperature schedules, JSON. */
class TrainingConfigTest {

    @Test
    void paperRecipeHasThePapersSettings() {
        TrainingConfig c = TrainingConfig.paper(1000, 8, 0.1);
        assertEquals(0.01, c.beta());
        assertEquals(1.0, c.gamma());
        assertEquals(0.001, c.lambda());
        assertEquals(SelfDistillationLoss.Reduction.SUM, c.distillationReduction(), "eq. 10 sums over pixels");
        assertEquals(0.9, c.momentum());
        assertEquals(0.9, c.power());
        assertEquals(5e-4, c.weightDecay());
        assertEquals(1000, c.iterations());
        assertEquals(8, c.batchSize());
        assertEquals(0.1, c.learningRate());
    }

    @Test
    void learningRateWarmsUpLinearlyThenDecaysPolynomially() {
        TrainingConfig c = TrainingConfig.builder().iterations(110).learningRate(0.1).warmupIterations(10).build();
        assertEquals(0.01, c.learningRateAt(0), 1e-12);
        assertEquals(0.05, c.learningRateAt(4), 1e-12);
        assertEquals(0.1, c.learningRateAt(9), 1e-12);
        assertEquals(0.1, c.learningRateAt(10), 1e-12, "the poly decay starts at the peak");
        assertEquals(0.1 * Math.pow(0.5, 0.9), c.learningRateAt(60), 1e-12);
        assertEquals(0.1 * Math.pow(0.01, 0.9), c.learningRateAt(109), 1e-12);
        TrainingConfig noWarmup = c.toBuilder().warmupIterations(0).iterations(100).build();
        assertEquals(0.1 * Math.pow(0.75, 0.9), noWarmup.learningRateAt(25), 1e-12);
    }

    @Test
    void temperatureDecaysExponentiallyFromStartToEnd() {
        TrainingConfig c = TrainingConfig.builder().iterations(11).tauStart(5).tauEnd(0.5).build();
        assertEquals(5.0, c.temperatureAt(0), 1e-6);
        assertEquals(Math.sqrt(5 * 0.5), c.temperatureAt(5), 1e-6);
        assertEquals(0.5, c.temperatureAt(10), 1e-6);
    }

    @Test
    void jsonRoundTripsAndAMissingReductionIsThePapers() {
        TrainingConfig c = TrainingConfig.builder().iterations(50).kdReduction(SelfDistillationLoss.Reduction.MEAN).ohem(true).seed(3).build();
        assertEquals(c, TrainingConfig.fromJson(c.toJson(), "test"));
        String withoutReduction = c.toJson().replaceAll(",?\\s*\"kdReduction\"\\s*:\\s*\"mean\"", "");
        assertEquals(SelfDistillationLoss.Reduction.SUM, TrainingConfig.fromJson(withoutReduction, "old.json").distillationReduction());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainingConfig.fromJson(c.toJson().replace("\"mean\"", "\"median\""), "run.json"));
        assertTrue(e.getMessage().contains("run.json") && e.getMessage().contains("kdReduction"), e.getMessage());
    }

    /** A recipe with no field at its default: copying or writing it loses nothing. */
    private static TrainingConfig everyFieldSet() {
        return TrainingConfig.builder().iterations(300).batchSize(4).learningRate(0.05).momentum(0.8).weightDecay(1e-4)
                .warmupIterations(20).power(1.0).archOptimizer("sgd").archLearningRate(0.002).archMomentum(0.7).beta(0.5).gamma(0.4)
                .lambda(0.02).kdReduction(SelfDistillationLoss.Reduction.MEAN).tauStart(4).tauEnd(0.25).ohem(true).ohemThreshold(0.6)
                .logEvery(7).checkpointEvery(50).seed(11).build();
    }

    @Test
    void toBuilderAndJsonKeepEveryField() {
        TrainingConfig c = everyFieldSet();
        TrainingConfig defaults = TrainingConfig.builder().build();
        for (java.lang.reflect.RecordComponent field : TrainingConfig.class.getRecordComponents()) {
            assertNotEquals(value(field, defaults), value(field, c), field.getName() + " differs from its default in this test");
        }
        assertEquals(c, c.toBuilder().build());
        assertEquals(c, TrainingConfig.fromJson(c.toJson(), "test"));
    }

    private static Object value(java.lang.reflect.RecordComponent field, TrainingConfig c) {
        try {
            return field.getAccessor().invoke(c);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** JSON, the builder and {@code paper} share one set of defaults: a field left out of JSON takes the builder's. */
    @Test
    void jsonLeavesOutWhatKeepsTheDefault() {
        TrainingConfig fromJson = TrainingConfig.fromJson("{\"iterations\": 200, \"batchSize\": 4, \"learningRate\": 0.05}", "short.json");
        assertEquals(TrainingConfig.paper(200, 4, 0.05), fromJson);
        assertEquals(TrainingConfig.builder().iterations(200).batchSize(4).learningRate(0.05).build(), fromJson);
        assertEquals("adam", fromJson.archOptimizer(), "the architecture optimiser of the shipped recipes");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainingConfig.fromJson("{\"batchSize\": 1}", "run.json"));
        assertTrue(e.getMessage().startsWith("run.json: batchSize must be at least 2"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainingConfig.fromJson("{\"betta\": 0.1}", "run.json"));
        assertTrue(e.getMessage().contains("run.json") && e.getMessage().contains("betta"), e.getMessage());
    }

    @Test
    void withIterationsShortensWarmupAndCheckpointInterval() {
        TrainingConfig c = TrainingConfig.builder().iterations(1000).warmupIterations(50).checkpointEvery(500).build();
        TrainingConfig shorter = c.withIterations(20);
        assertEquals(20, shorter.iterations());
        assertEquals(19, shorter.warmupIterations());
        assertEquals(20, shorter.checkpointEvery());
        assertEquals(c.beta(), shorter.beta());
    }
}
