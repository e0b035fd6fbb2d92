package org.rtseg.search;

import ai.djl.Model;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.core.training.BatchNormCalibration;

/**
 * The teacher T of self-distillation (paper §Boosters, eq. 10–12), "the strong supernet": the
 * pretrained supernet as a whole, each mixed block averaging its paths other than skip (eq. 7 with
 * h spread evenly, {@link org.rtseg.core.blocks.MixedBlock#AVERAGE}), with BatchNorm statistics
 * re-estimated for exactly that network ({@link BatchNormCalibration}).
 *
 * <p>Why the average and not one path: every path had only a share of the pretraining steps, and no
 * single path is the supernet the paper distils from; the average is the one network that uses all
 * of the supernet's trained weights, and it needs no choice made on validation data. Why the
 * re-estimation: pretraining accumulates running statistics over randomly sampled paths, which fit
 * none of them (docs/search.md gives the figures of both decisions).
 */
public final class SupernetTeacher {

    /** Train-mode forward passes that re-estimate the BatchNorm statistics by default. */
    public static final int CALIBRATION_BATCHES = 200;

    private SupernetTeacher() {}

    /**
     * Builds the teacher of a pretrained supernet; the pretrained model is left as it was.
     *
     * @param pretrained a pretrained supernet
     * @param batches training batches (their images re-estimate the BatchNorm statistics)
     * @param calibrationBatches how many batches
     * @return a new model on the same device, ready to save with {@link ModelDirectory#save}
     * @throws IOException when the supernet's parameters do not fit the averaged network
     */
    public static Model build(Model pretrained, BatchSource batches, int calibrationBatches) throws IOException {
        Supernet source = ModelDirectory.network(pretrained);
        Model teacher = ModelDirectory.create(source.config().withAveragedPaths(), pretrained.getNDManager().getDevice());
        try {
            copyParameters(source, ModelDirectory.network(teacher), teacher);
            BatchNormCalibration.recalibrate(teacher.getBlock(), teacher.getNDManager(), calibrationBatches,
                    (scope, i) -> batches.batch(scope, i).get(0));
            return teacher;
        } catch (IOException | RuntimeException e) {
            teacher.close();
            throw e;
        }
    }

    /** The same parameters (the averaged network has the supernet's blocks, only another choice). */
    private static void copyParameters(Supernet from, Supernet to, Model into) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        from.saveParameters(new DataOutputStream(bytes));
        try {
            to.loadParameters(into.getNDManager(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        } catch (ai.djl.MalformedModelException e) {
            throw new IOException("the teacher's network does not match its supernet: " + e.getMessage(), e);
        }
    }
}
