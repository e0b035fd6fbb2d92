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
import java.util.Map;
import org.rtseg.core.config.ConfigException;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.data.DataConfig;
import org.rtseg.search.TrainingConfig;

/**
 * The paper's recipe for one dataset (§Experiments): the supernet, the data and augmentation, the
 * three phases' training, and the RTSeg-S/M/L cost targets. Shipped as {@code
 * examples/configs/reproduce/<dataset>.json}.
 *
 * @param dataset cityscapes, voc or ade20k
 * @param network the supernet preset
 * @param data data and augmentation (its root comes from the command line)
 * @param pretrain supernet pretraining
 * @param search the search
 * @param finetune fine-tuning of the subnet
 * @param targets cost targets by preset name, in GMACs at {@code costInput}
 * @param costInput H and W of the cost
 * @param evalSplit the split scored at the end
 */
record Recipe(String dataset, String network, DataConfig data, TrainingConfig pretrain, TrainingConfig search,
        TrainingConfig finetune, Map<String, Double> targets, List<Integer> costInput, String evalSplit) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The shipped recipe of a dataset, or a recipe file, with the data root filled in. */
    static Recipe load(String dataset, Path file, String root) throws IOException {
        JsonNode tree;
        if (file != null) {
            tree = JSON.readTree(Files.readString(file));
        } else {
            try (InputStream in = Recipe.class.getResourceAsStream("configs/reproduce/" + dataset + ".json")) {
                if (in == null) {
                    throw new ConfigException("no recipe for dataset '" + dataset + "'; recipes: cityscapes, voc, ade20k");
                }
                tree = JSON.readTree(in);
            }
        }
        ((ObjectNode) tree.get("data")).put("root", root);
        try {
            return JSON.treeToValue(tree, Recipe.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String why = e.getCause() instanceof IllegalArgumentException c ? c.getMessage() : e.getOriginalMessage();
            throw new ConfigException((file != null ? file : "recipe " + dataset) + ": " + why, e);
        }
    }

    /** The supernet with the dataset's classes. */
    SupernetConfig networkConfig() throws IOException {
        return SupernetConfig.preset(network).withNumClasses(data.numClasses());
    }

    /** A run config of one phase. */
    RunConfig run(TrainingConfig training) {
        return new RunConfig(network, null, data, training, costInput);
    }
}
