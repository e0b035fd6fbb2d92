package org.rtseg.examples;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rtseg.core.config.ConfigException;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.data.DataConfig;
import org.rtseg.search.TrainingConfig;

/**
 * The paper's recipe for one dataset (§Experiments): the supernet, the data and augmentation, the
 * three phases' training, and the RTSeg-S/M/L cost targets. Shipped as {@code
 * examples/configs/reproduce/<dataset>.json} (the paper's budget) and {@code <dataset>-cpu.json} (a
 * budget of 2 cores, which also trains a baseline on the same number of images and runs Table 4's
 * booster ablation).
 *
 * @param dataset cityscapes, voc, ade20k or camvid
 * @param network the supernet preset
 * @param data data and augmentation (its root comes from the command line)
 * @param pretrain supernet pretraining
 * @param search the search
 * @param finetune fine-tuning of the subnet
 * @param targets cost targets by preset name, in GMACs at {@code costInput}
 * @param costInput H and W of the cost
 * @param evalSplit the split scored at the end
 * @param baseline a network trained alone on as many images as the three phases see together, to
 *     compare the searched subnet with (or null)
 * @param boosterAblation also search and fine-tune without the boosters (γ = λ = 0; paper Table 4)
 */
record Recipe(String dataset, String network, DataConfig data, TrainingConfig pretrain, TrainingConfig search,
        TrainingConfig finetune, Map<String, Double> targets, List<Integer> costInput, String evalSplit, Baseline baseline,
        boolean boosterAblation) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * A network trained on its own, the comparison's reference.
     *
     * @param network a shipped preset
     * @param training its training
     */
    record Baseline(String network, TrainingConfig training) {}

    Recipe {
        if (baseline != null && baseline.training().iterations() * (long) baseline.training().batchSize() != imagesSeen(pretrain, search, finetune)) {
            throw new ConfigException(String.format(Locale.ROOT, "the baseline sees %d images (iterations x batchSize) and the method %d "
                    + "(pretrain + search + finetune); a fair comparison needs the same number: change their iterations",
                    baseline.training().iterations() * (long) baseline.training().batchSize(), imagesSeen(pretrain, search, finetune)));
        }
    }

    /** Images seen in training by the phases together (one per crop of each batch). */
    static long imagesSeen(TrainingConfig... phases) {
        long n = 0;
        for (TrainingConfig t : phases) {
            n += t.iterations() * (long) t.batchSize();
        }
        return n;
    }

    /**
     * The shipped recipe of a dataset at a budget, or a recipe file, with the data root filled in.
     *
     * @param budget {@code paper}, {@code cpu} or {@code cpu-long}
     * @param overrides {@code --set key=value} with a dotted key ({@code search.beta=1.89e-4}), as the
     *     phase commands take them
     */
    static Recipe load(String dataset, String budget, Path file, String root, List<String> overrides) throws IOException {
        JsonNode tree;
        if (file != null) {
            tree = JSON.readTree(Files.readString(file));
        } else {
            String name = resourceName(dataset, budget);
            try (InputStream in = Recipe.class.getResourceAsStream("configs/reproduce/" + name + ".json")) {
                if (in == null) {
                    throw new ConfigException("no recipe for --dataset " + dataset + " --budget " + budget + "; shipped: cityscapes, voc "
                            + "and ade20k at --budget paper, camvid at --budget cpu or cpu-long (or give --recipe FILE)");
                }
                tree = JSON.readTree(in);
            }
        }
        ((ObjectNode) tree.get("data")).put("root", root);
        for (String o : overrides) {
            RunConfig.apply((ObjectNode) tree, o);
        }
        try {
            return JSON.treeToValue(tree, Recipe.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String why = e.getCause() instanceof IllegalArgumentException c ? c.getMessage() : e.getOriginalMessage();
            throw new ConfigException((file != null ? file : "recipe " + dataset) + ": " + why, e);
        }
    }

    /** The shipped recipe's file name (without .json): the dataset, then the budget unless it is the paper's. */
    static String resourceName(String dataset, String budget) {
        return "paper".equals(budget) ? dataset : dataset + "-" + budget;
    }

    /** The supernet with the dataset's classes. */
    SupernetConfig networkConfig() throws IOException {
        return SupernetConfig.preset(network).withNumClasses(data.numClasses());
    }

    /** The baseline with the dataset's classes. */
    SupernetConfig baselineConfig() throws IOException {
        return SupernetConfig.preset(baseline.network()).withNumClasses(data.numClasses());
    }
}
