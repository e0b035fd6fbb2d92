package org.rtseg.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;

/** The teacher is the supernet as a whole: its weights, every path averaged, BatchNorm statistics of its own. */
class SupernetTeacherTest {

    @Test
    void teacherAveragesThePathsWithTheSupernetsWeightsAndItsOwnStatistics(@TempDir Path dir) throws Exception {
        try (Model pretrained = ModelDirectory.create(SearchFixtures.tiny(4), Device.cpu())) {
            SearchFixtures.randomize(ModelDirectory.network(pretrained), 3);
            Map<String, float[]> before = values(pretrained);
            try (Model teacher = SupernetTeacher.build(pretrained, SegmentationTrainerTest.bands(2, 64, 64), 3)) {
                Supernet t = ModelDirectory.network(teacher);
                for (MixedBlock block : t.mixedBlocks()) {
                    assertEquals(block.candidates().stream().allMatch(c -> c.type().equals("skip")) ? 0 : MixedBlock.AVERAGE, block.choice());
                }
                Map<String, float[]> after = values(teacher);
                int restated = 0;
                for (String name : before.keySet()) {
                    if (name.endsWith("runningMean") || name.endsWith("runningVar")) {
                        restated += java.util.Arrays.equals(before.get(name), after.get(name)) ? 0 : 1;
                    } else {
                        assertArrayEquals(before.get(name), after.get(name), name + " is the supernet's");
                    }
                }
                assertTrue(restated > 20, "BatchNorm statistics re-estimated: " + restated);
                before.forEach((name, v) -> assertArrayEquals(v, values(pretrained).get(name), "the pretrained supernet is left alone"));
                NDManager m = teacher.getNDManager();
                NDArray x = SearchFixtures.input(m, 1, 64, 64);
                NDArray logits = t.forward(new ParameterStore(m, false), new NDList(x), false).head();
                NDArray single = ModelDirectory.network(pretrained).forward(new ParameterStore(m, false), new NDList(x), false).head();
                assertFalse(logits.isNaN().any().getBoolean());
                assertTrue(logits.sub(single).abs().max().getFloat() > 1e-3f, "the teacher is not the configured path");
                ModelDirectory.save(teacher, dir.resolve("teacher"));
                try (Model loaded = ModelDirectory.load(dir.resolve("teacher"), Device.cpu())) {
                    NDArray again = loaded.getBlock().forward(new ParameterStore(m, false), new NDList(x), false).head();
                    assertEquals(0f, again.sub(logits).abs().max().getFloat(), "a saved teacher is the same teacher");
                }
            }
        }
    }

    private static Map<String, float[]> values(Model model) {
        Map<String, float[]> v = new TreeMap<>();
        model.getBlock().getParameters().forEach(p -> v.put(p.getKey(), p.getValue().getArray().toFloatArray()));
        return v;
    }
}
