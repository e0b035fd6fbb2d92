package org.rtseg.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.nn.ConvBnAct;

class SupernetConfigTest {

    @Test
    void presetsRoundTripThroughJson(@TempDir Path dir) throws Exception {
        for (String name : SupernetConfig.PRESETS) {
            SupernetConfig c = SupernetConfig.preset(name);
            Path file = dir.resolve(name + ".json");
            c.save(file);
            assertEquals(c, SupernetConfig.load(file), name);
        }
    }

    /**
     * Each edit of the bisenetv2 preset must fail with a message naming the field: the JSON object
     * at a pointer gets a field set to a value.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|numClasses|0|numClasses must be positive, was 0",
        "/segment|colour|1|segment.colour: unknown field; known fields here: [stages, stemChannels]",
        "/segment/stages/0|channels|-4|segment.stages[0].channels must be positive, was -4",
        "/head|x|0|head.x: unknown field; known fields here: [channels, dropout]",
        "/head|dropout|1.5|head.dropout must be in [0, 1), was 1.5",
        "/segment/stages/0/downsample|type|\"skip\"|segment.stages[0].downsample: a skip cannot change the shape",
        "/segment/stages/0/downsample|params|{\"expansoin\": 4}|unknown parameter 'expansoin' for block type 'ge' (known: [expansion])",
        "/segment/stages/0/downsample|type|\"conv7\"|unknown block type 'conv7'",
        "/segment/stages/1/downsample|params|{\"expansion\": 1.5}|segment.stages[1].downsample: parameter 'expansion' must be a positive integer, was 1.5",
        "/segment/stages/1/blocks/0|choice|3|segment.stages[1].blocks[0].choice: 3 is not an index of its 1 candidates",
        "/segment/stages/1/blocks/0|candidates|[]|segment.stages[1].blocks[0].candidates: a mixed block needs at least one candidate path",
        "/detail|stages|[[64], [64]]|detail.stages: the detail branch has 3 stages (1/2, 1/4, 1/8), got 2",
        "/detail|stages|[[64], [64, 0], [128]]|detail.stages[1][1] must be positive, was 0",
        "''|aux|null|aux is missing",
    })
    void badFieldsAreNamed(String pointer, String field, String value, String message) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(SupernetConfig.preset("bisenetv2").toJson());
        ((ObjectNode) root.at(pointer)).set(field, json.readTree(value));
        String bad = json.writeValueAsString(root);
        ConfigException e = assertThrows(ConfigException.class, () -> SupernetConfig.fromJson(bad, "bad.json"));
        assertTrue(e.getMessage().startsWith("bad.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(message), "message: " + e.getMessage());
    }

    @Test
    void mhsaHeadsMustDivideTheTokenWidth() {
        String json = SupernetConfig.preset("supernet").toJson().replaceFirst("\"heads\" : 4\\.0", "\"heads\" : 3");
        ConfigException e = assertThrows(ConfigException.class, () -> SupernetConfig.fromJson(json, "s.json"));
        assertTrue(e.getMessage().contains("segment.stages[0].blocks[0].candidates[1]: token width P²C = 448 is not divisible by heads = 3"),
                e.getMessage());
    }

    /**
     * A pruned stage width need not make a token width the heads divide: the attention width is
     * written out and checked instead, in the config as when the block is built.
     */
    @Test
    void aPrunedMhsaIsCheckedWithItsAttentionWidth() {
        SupernetConfig full = SupernetConfig.preset("supernet");
        SupernetConfig pruned = withStage2Width(full, 37, 192);
        MixedBlock.Candidate mhsa = org.rtseg.core.supernet.Supernet.of(pruned).segment().stages().get(1).mixedBlocks().get(0).candidates().get(1);
        assertEquals(192, ((ConvBnAct) mhsa.block().getChildren().get("query")).outChannels());
        ConfigException e = assertThrows(ConfigException.class, () -> withStage2Width(full, 37, 190));
        assertTrue(e.getMessage().contains("segment.stages[1].blocks[0].candidates[1]: attention width attn = 190 is not divisible by heads = 4"),
                e.getMessage());
        ConfigException unpruned = assertThrows(ConfigException.class, () -> withStage2Width(full, 37, null));
        assertTrue(unpruned.getMessage().contains("token width P²C = 37 is not divisible by heads = 4"), unpruned.getMessage());
    }

    /** The supernet with stage 2 pruned to {@code width} channels and its first attention width set (null: none). */
    private static SupernetConfig withStage2Width(SupernetConfig c, int width, Integer firstAttn) {
        List<StageConfig> stages = new ArrayList<>(c.segment().stages());
        StageConfig second = stages.get(1);
        stages.set(1, new StageConfig(width, second.downsample(), second.blocks()));
        Map<String, Integer> widths = new TreeMap<>();
        if (firstAttn != null) {
            widths.put("segment.stage2.mixed0.mhsa.attn", firstAttn);
            widths.put("segment.stage2.mixed1.mhsa.attn", 192);
            widths.put("segment.stage2.mixed2.mhsa.attn", 192);
        }
        return new SupernetConfig(c.name(), c.numClasses(), c.detail(), new SegmentBranchConfig(c.segment().stemChannels(), stages),
                c.head(), c.aux(), widths);
    }

    @Test
    void missingFileAndBrokenJsonNameTheFile(@TempDir Path dir) throws Exception {
        ConfigException missing = assertThrows(ConfigException.class, () -> SupernetConfig.load(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("nope.json: no such config file"), missing.getMessage());
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"name\": ");
        ConfigException e = assertThrows(ConfigException.class, () -> SupernetConfig.load(broken));
        assertTrue(e.getMessage().startsWith(broken + ": "), e.getMessage());
    }
}
