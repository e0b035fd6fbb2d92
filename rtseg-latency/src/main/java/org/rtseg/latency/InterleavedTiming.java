package org.rtseg.latency;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rtseg.core.deploy.DeployGraph;

/**
 * Whole networks timed side by side with a reference network, in rounds: each round times the
 * reference and every candidate in turn (who goes first alternating from round to round), and a
 * second instance of the reference against the first as a null check. Ratios taken within a round
 * cancel the drift of a shared machine's speed, which moves whole-network timings here by 5–8 % from
 * one run to the next; a null check whose ratios stray from 1 or spread more than a tolerance says
 * the machine was too noisy for the run to count.
 */
public final class InterleavedTiming {

    /**
     * A candidate's timings over the rounds.
     *
     * @param name the candidate's name
     * @param milliseconds its median latency over the rounds
     * @param speedUp the median over the rounds of reference time / candidate time
     */
    public record Candidate(String name, double milliseconds, double speedUp) {}

    /**
     * The outcome of a run.
     *
     * @param rounds the rounds run
     * @param referenceMs the reference's median latency over every time it ran
     * @param nullRatio the median over the rounds of second reference / first reference
     * @param nullSpread the relative interquartile range of those ratios
     * @param candidates each candidate, in the order given
     */
    public record Result(int rounds, double referenceMs, double nullRatio, double nullSpread, List<Candidate> candidates) {

        /**
         * Whether the null check voids the run: the two instances of the reference differed in the
         * median, or their ratio spread over the rounds, by more than {@code tolerance}.
         *
         * @param tolerance the largest acceptable deviation, e.g. 0.03
         * @return true if the run does not count
         */
        public boolean voided(double tolerance) {
            return Math.abs(nullRatio - 1) > tolerance || nullSpread > tolerance;
        }
    }

    private InterleavedTiming() {}

    /**
     * Times the networks in {@code rounds} interleaved rounds.
     *
     * @param reference the reference network
     * @param referenceAgain a second instance of the reference (same config), for the null check
     * @param candidates the candidates by name
     * @param input the input shape, batch 1
     * @param meter the meter; one trial per timing, in the meter's form
     * @param rounds rounds, at least 1
     * @return the medians and ratios
     * @throws IllegalArgumentException if {@code rounds} is below 1
     */
    public static Result run(Model reference, Model referenceAgain, Map<String, Model> candidates, Shape input, DjlLatencyMeter meter,
            int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("interleaved timing needs at least one round");
        }
        // Each network in the meter's form once, not once per timing.
        List<Model> exported = new ArrayList<>();
        try {
            Map<String, Model> timed = new LinkedHashMap<>();
            candidates.forEach((name, model) -> timed.put(name, inForm(model, meter, exported)));
            return rounds(inForm(reference, meter, exported), inForm(referenceAgain, meter, exported), timed, input, meter, rounds);
        } finally {
            exported.forEach(Model::close);
        }
    }

    /** The model as the meter times it: itself, or its deploy graph, added to {@code exported} for closing. */
    private static Model inForm(Model model, DjlLatencyMeter meter, List<Model> exported) {
        if (meter.form() != DjlLatencyMeter.Form.DEPLOY || DeployGraph.isDeploy(model)) {
            return model;
        }
        Model deploy = DeployGraph.export(model, model.getNDManager().getDevice());
        exported.add(deploy);
        return deploy;
    }

    private static Result rounds(Model reference, Model referenceAgain, Map<String, Model> candidates, Shape input, DjlLatencyMeter meter,
            int rounds) {
        List<Double> referenceMs = new ArrayList<>();
        double[] nullRatios = new double[rounds];
        Map<String, double[]> ms = new LinkedHashMap<>();
        Map<String, double[]> ratios = new LinkedHashMap<>();
        candidates.keySet().forEach(name -> {
            ms.put(name, new double[rounds]);
            ratios.put(name, new double[rounds]);
        });
        for (int r = 0; r < rounds; r++) {
            boolean referenceFirst = r % 2 == 0;
            for (Map.Entry<String, Model> c : candidates.entrySet()) {
                double[] pair = pair(reference, c.getValue(), referenceFirst, input, meter);
                referenceMs.add(pair[0]);
                ms.get(c.getKey())[r] = pair[1];
                ratios.get(c.getKey())[r] = pair[0] / pair[1];
            }
            double[] pair = pair(reference, referenceAgain, referenceFirst, input, meter);
            referenceMs.add(pair[0]);
            nullRatios[r] = pair[1] / pair[0];
        }
        List<Candidate> out = new ArrayList<>();
        for (String name : candidates.keySet()) {
            out.add(new Candidate(name, median(ms.get(name)), median(ratios.get(name))));
        }
        Measurement nul = Measurement.of(nullRatios, rounds);
        return new Result(rounds, median(referenceMs.stream().mapToDouble(Double::doubleValue).toArray()), nul.medianMs(),
                nul.relativeSpread(), out);
    }

    /** Times a and b one after the other, a first or b first; returns {a, b} in ms. */
    private static double[] pair(Model a, Model b, boolean aFirst, Shape input, DjlLatencyMeter meter) {
        double first = NetworkCalibration.measure(aFirst ? a : b, input, meter).medianMs();
        double second = NetworkCalibration.measure(aFirst ? b : a, input, meter).medianMs();
        return aFirst ? new double[] {first, second} : new double[] {second, first};
    }

    private static double median(double[] values) {
        return Measurement.of(values, values.length).medianMs();
    }
}
