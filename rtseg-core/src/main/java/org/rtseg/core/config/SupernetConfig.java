package org.rtseg.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.io.AtomicFiles;
import org.rtseg.core.nn.Widths;

/**
 * The whole network as data (paper Fig. 1–2): detail branch, segment branch (stem, three stages of
 * a downsample block and mixed blocks), heads. A supernet, a searched subnet and the BiSeNetV2
 * baseline are all instances. Loaded and saved as JSON; every instance is validated, with errors
 * that name the field.
 *
 * @param name a label for reports
 * @param numClasses number of classes of every head
 * @param detail the detail branch
 * @param segment the segment branch
 * @param head the main segmentation head
 * @param aux the auxiliary heads
 * @param widths channel counts that width search changed, by module path + "." + width name (e.g.
 *     {@code segment.stage1.mixed0.lir.expand}, {@code bga.inner}); empty for an unpruned network
 */
public record SupernetConfig(
        String name,
        int numClasses,
        DetailBranchConfig detail,
        SegmentBranchConfig segment,
        HeadConfig head,
        AuxHeadsConfig aux,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Integer> widths) {

    /** The names of the presets shipped as resources. */
    public static final List<String> PRESETS = List.of("bisenetv2", "bisenetv2-lir", "supernet", "supernet-ge", "supernet-cpu");

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Validates the config.
     *
     * @param name a label for reports
     * @param numClasses number of classes of every head, positive
     * @param detail the detail branch
     * @param segment the segment branch
     * @param head the main segmentation head
     * @param aux the auxiliary heads
     * @param widths width overrides by module path + "." + width name; null means none
     * @throws ConfigException naming the first field that makes no network
     */
    public SupernetConfig {
        widths = widths == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(widths));
        validate(numClasses, detail, segment, head, aux, widths);
    }

    /**
     * This config with another class count.
     *
     * @param classes number of classes of every head, positive
     * @return a new config, otherwise the same
     */
    public SupernetConfig withNumClasses(int classes) {
        return new SupernetConfig(name, classes, detail, segment, head, aux, widths);
    }

    /**
     * This supernet as a whole: every mixed block with a path other than skip averages its paths
     * ({@link MixedBlock#AVERAGE}) — the self-distillation teacher.
     *
     * @return a new config whose mixed blocks' choices are {@link MixedBlock#AVERAGE}, except those
     *     with only skip paths
     */
    public SupernetConfig withAveragedPaths() {
        List<StageConfig> stages = segment.stages().stream().map(st -> new StageConfig(st.channels(), st.downsample(),
                st.blocks().stream().map(m -> m.candidates().stream().allMatch(c -> "skip".equals(c.type()))
                        ? m : new MixedBlockConfig(m.candidates(), MixedBlock.AVERAGE)).toList())).toList();
        return new SupernetConfig(name, numClasses, detail, new SegmentBranchConfig(segment.stemChannels(), stages), head, aux, widths);
    }

    /**
     * A shipped preset by name (see {@link #PRESETS}).
     *
     * @param name one of {@link #PRESETS}
     * @return the preset's config
     * @throws ConfigException if there is no preset of that name
     */
    public static SupernetConfig preset(String name) {
        String resource = "/org/rtseg/core/presets/" + name + ".json";
        try (InputStream in = SupernetConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ConfigException("unknown preset '" + name + "'; presets: " + PRESETS);
            }
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), "preset " + name);
        } catch (IOException e) {
            throw new ConfigException("cannot read preset " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a config file.
     *
     * @param file a JSON config file
     * @return the validated config
     * @throws ConfigException if the file is missing or unreadable, or its content is not a valid
     *     config
     */
    public static SupernetConfig load(Path file) {
        try {
            return fromJson(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such config file; give an existing JSON file or a --preset", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Parses JSON.
     *
     * @param json the text
     * @param source where it comes from, for messages
     * @return the validated config
     * @throws ConfigException if the text is not JSON or not a valid config, naming the field
     */
    public static SupernetConfig fromJson(String json, String source) {
        try {
            return JSON.readValue(json, SupernetConfig.class);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining());
            String why;
            if (e instanceof UnrecognizedPropertyException u) {
                why = "unknown field; known fields here: " + new TreeSet<>(u.getKnownPropertyIds().stream().map(String::valueOf).toList());
            } else {
                why = e.getCause() instanceof ConfigException c ? c.getMessage() : e.getOriginalMessage();
            }
            throw new ConfigException(source + ": " + (field.isEmpty() ? "" : field.substring(1) + ": ") + why, e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * This config as JSON.
     *
     * @return indented JSON that {@link #fromJson} reads back; empty widths are left out
     */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Saves as JSON, atomically.
     *
     * @param file the file to write; replaced only once the new content is complete
     * @throws IOException if the file cannot be written
     */
    public void save(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }

    private static void validate(int numClasses, DetailBranchConfig detail, SegmentBranchConfig segment, HeadConfig head,
            AuxHeadsConfig aux, Map<String, Integer> widths) {
        positive("numClasses", numClasses);
        require(detail != null && detail.stages() != null, "detail.stages is missing");
        require(segment != null && segment.stages() != null, "segment.stages is missing");
        require(head != null, "head is missing");
        require(aux != null, "aux is missing");
        // BGA fuses the detail branch at 1/8 with the segment branch at 1/32: exactly three
        // stride-2 stages on each side.
        require(detail.stages().size() == 3,
                "detail.stages: the detail branch has 3 stages (1/2, 1/4, 1/8), got " + detail.stages().size());
        for (int s = 0; s < 3; s++) {
            List<Integer> layers = detail.stages().get(s);
            require(layers != null && !layers.isEmpty(), "detail.stages[" + s + "]: needs at least one layer");
            for (int l = 0; l < layers.size(); l++) {
                positive("detail.stages[" + s + "][" + l + "]", layers.get(l) == null ? 0 : layers.get(l));
            }
        }
        positive("segment.stemChannels", segment.stemChannels());
        require(segment.stemChannels() % 2 == 0,
                "segment.stemChannels must be even (the stem's 1×1 reduces to half), was " + segment.stemChannels());
        require(segment.stages().size() == 3,
                "segment.stages: the segment branch has 3 stages (1/8, 1/16, 1/32), got " + segment.stages().size());
        int in = segment.stemChannels();
        for (int s = 0; s < 3; s++) {
            in = validateStage("segment.stages[" + s + "]", segment.stages().get(s), in, widths, "segment.stage" + (s + 1));
        }
        positive("head.channels", head.channels());
        probability("head.dropout", head.dropout());
        if (aux.enabled()) {
            positive("aux.channels", aux.channels());
            probability("aux.dropout", aux.dropout());
        }
    }

    /**
     * Checks a stage; blocks are checked with their width overrides ({@code module} is the stage's
     * module path), since a pruned width can decide what is possible (e.g. attention heads).
     */
    private static int validateStage(String path, StageConfig stage, int in, Map<String, Integer> widths, String module) {
        require(stage != null, path + " is missing");
        positive(path + ".channels", stage.channels());
        require(stage.downsample() != null, path + ".downsample is missing");
        validateBlock(path + ".downsample", stage.downsample(), in, stage.channels(), 2, Widths.of(widths, module + ".down").asMap());
        for (int b = 0; b < stage.blocks().size(); b++) {
            String bp = path + ".blocks[" + b + "]";
            MixedBlockConfig mixed = stage.blocks().get(b);
            require(mixed != null && mixed.candidates() != null && !mixed.candidates().isEmpty(),
                    bp + ".candidates: a mixed block needs at least one candidate path");
            require(mixed.choice() >= MixedBlock.AVERAGE && mixed.choice() < mixed.candidates().size(),
                    bp + ".choice: " + mixed.choice() + " is not an index of its " + mixed.candidates().size() + " candidates (or "
                            + MixedBlock.AVERAGE + ", the average of the paths)");
            require(mixed.choice() != MixedBlock.AVERAGE || mixed.candidates().stream().anyMatch(c -> c != null && !"skip".equals(c.type())),
                    bp + ".choice: " + MixedBlock.AVERAGE + " averages the paths other than skip, and this block has none");
            List<String> types = new ArrayList<>();
            for (int c = 0; c < mixed.candidates().size(); c++) {
                String cp = bp + ".candidates[" + c + "]";
                BlockConfig candidate = mixed.candidates().get(c);
                require(candidate != null && candidate.type() != null, cp + ".type is missing");
                String name = MixedBlock.candidateName(types, candidate.type());
                validateBlock(cp, candidate, stage.channels(), stage.channels(), 1, Widths.of(widths, module + ".mixed" + b + "." + name).asMap());
                types.add(candidate.type());
            }
        }
        return stage.channels();
    }

    private static void validateBlock(String path, BlockConfig block, int in, int out, int stride, Map<String, Integer> widths) {
        require(block != null && block.type() != null, path + ".type is missing");
        try {
            BlockTypes.resolve(block.type(), in, out, stride, block.params(), widths);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path + ": " + e.getMessage(), e);
        }
    }

    private static void positive(String field, int value) {
        require(value > 0, field + " must be positive, was " + value);
    }

    private static void probability(String field, double p) {
        require(p >= 0 && p < 1, field + " must be in [0, 1), was " + p);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }
}
