package org.rtseg.examples;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.rtseg.core.config.ConfigException;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.data.DataConfig;
import org.rtseg.search.TrainingConfig;

/**
 * One phase of an experiment as JSON: the network, the data, the training recipe and the size the
 * cost is measured at. {@code --set key=value} edits any field by its dotted path before it is read.
 *
 * @param preset a shipped network (or null when {@code network} is given)
 * @param network an inline network config (or null)
 * @param data the training data
 * @param training the recipe
 * @param costInput H and W at which MACs and latency are counted (paper: 512×1024)
 */
public record RunConfig(String preset, SupernetConfig network, DataConfig data, TrainingConfig training, List<Integer> costInput) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public RunConfig {
        if ((preset == null) == (network == null)) {
            throw new ConfigException("give exactly one of 'preset' and 'network'");
        }
        if (data == null || training == null) {
            throw new ConfigException("'data' and 'training' are required");
        }
        costInput = costInput == null ? List.of(512, 1024) : List.copyOf(costInput);
        if (costInput.size() != 2 || costInput.get(0) <= 0 || costInput.get(1) <= 0) {
            throw new ConfigException("costInput must be [height, width], was " + costInput);
        }
    }

    /**
     * The network, with the dataset's class count.
     *
     * @throws org.rtseg.data.InvalidDataException if the dataset describes its classes in a file that is
     *     missing or wrong ({@code folder}'s {@code dataset.json})
     */
    public SupernetConfig networkConfig() throws IOException {
        SupernetConfig base = network != null ? network : SupernetConfig.preset(preset);
        return base.withNumClasses(data.numClasses());
    }

    /**
     * Reads a run config and applies overrides.
     *
     * @param file the JSON file
     * @param overrides {@code key=value} with a dotted key ({@code training.iterations=100}); the
     *     value is JSON when it parses as JSON, else a string
     */
    public static RunConfig load(Path file, List<String> overrides) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such run config; see examples/configs/ for examples", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        for (String o : overrides) {
            apply((ObjectNode) root, o);
        }
        try {
            return JSON.treeToValue(root, RunConfig.class);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String field = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce("", String::concat);
            // The configs of every module (ConfigException, DataConfigException) say what is wrong in their message.
            String why = e.getCause() instanceof IllegalArgumentException c ? c.getMessage() : e.getOriginalMessage();
            throw new ConfigException(file + ": " + (field.isEmpty() ? "" : field.substring(1) + ": ") + why, e);
        }
    }

    /** Applies one {@code --set key=value} to a config tree (a run config's, or a recipe's). */
    static void apply(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + override + ": expected key=value with a dotted key, e.g. training.iterations=100 in a "
                    + "run config, search.beta=1e-4 in a recipe");
        }
        String[] path = override.substring(0, eq).split("\\.");
        String text = override.substring(eq + 1);
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode next = node.get(path[i]);
            if (next == null || !next.isObject()) {
                next = node.putObject(path[i]);
            }
            node = (ObjectNode) next;
        }
        JsonNode value;
        try {
            value = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            value = JSON.getNodeFactory().textNode(text);
        }
        node.set(path[path.length - 1], value);
    }

    /** Writes the resolved config (after overrides) into the work dir. */
    public void save(Path file) throws IOException {
        AtomicFiles.writeString(file, JSON.writeValueAsString(this));
    }
}
