package org.rtseg.core.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.Shared;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.io.Npy;
import org.rtseg.core.io.PyTorchImporter;
import org.rtseg.core.supernet.Supernet;

/** Exporting to the deploy form keeps the eval logits and drops everything inference does not run. */
class DeployGraphTest {

    /**
     * A small network whose first mixed block chose the second of two LIR paths (renamed in the
     * deploy form, with a pruned expansion), whose last chose MHSA, and which has aux heads.
     */
    private static SupernetConfig searched() {
        return SupernetConfig.fromJson("""
                {"name": "searched", "numClasses": 5,
                 "detail": {"stages": [[8], [8, 8], [16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "lir", "params": {"expansion": 2}}, {"type": "lir", "params": {"expansion": 3}}], "choice": 1},
                               {"candidates": [{"type": "ge"}, {"type": "skip"}], "choice": 1}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "lir"}, {"type": "mhsa", "params": {"heads": 2, "patch": 1}}], "choice": 1}]}]},
                 "head": {"channels": 16, "dropout": 0.1},
                 "aux": {"enabled": true, "channels": 8, "dropout": 0.1},
                 "widths": {"segment.stage1.mixed0.lir1.expand": 17, "segment.stage1.mixed0.lir.expand": 9, "aux1.conv": 6, "detail.S2_0": 12}}
                """, "searched");
    }

    @Test
    void deployLogitsEqualEvalLogits() {
        try (Model trained = trainedLike(searched()); Model deploy = DeployGraph.export(trained, Device.cpu())) {
            assertTrue(DeployGraph.isDeploy(deploy));
            assertFalse(DeployGraph.isDeploy(trained));
            assertMaxDiff(trained, deploy, new Shape(2, 3, 64, 96), 1e-4);
            assertMaxDiff(trained, deploy, new Shape(1, 3, 50, 70), 1e-4); // padded to the stride and cropped
        }
    }

    @Test
    void deployConfigKeepsOnlyTheChosenPathsAndNoAuxHeads() {
        try (Model trained = trainedLike(searched()); Model deploy = DeployGraph.export(trained, Device.cpu())) {
            SupernetConfig c = ModelDirectory.network(deploy).config();
            assertEquals("searched-deploy", c.name());
            assertFalse(c.aux().enabled());
            assertEquals(0.0, c.head().dropout());
            assertEquals(Map.of("segment.stage1.mixed0.lir.expand", 17, "detail.S2_0", 12), c.widths());
            c.segment().stages().forEach(s -> s.blocks().forEach(b -> assertEquals(1, b.candidates().size())));
            assertEquals("mhsa", c.segment().stages().get(2).blocks().get(0).candidates().get(0).type());
            Supernet net = ModelDirectory.network(deploy);
            assertTrue(net.auxHeads().isEmpty());
            long norms = 0;
            for (Pair<String, Parameter> p : net.getParameters()) {
                assertFalse(p.getKey().startsWith("aux"), p.getKey());
                norms += p.getKey().endsWith("_runningVar") ? 1 : 0;
            }
            assertEquals(1, norms, "only the context embedding's BatchNorm (on pooled features) stays");
            assertTrue(net.segment().contextEmbedding().getChildren().get("bn") instanceof BatchNorm);
            assertTrue(net.head().getChildren().get("dropout") instanceof Dropout);

            Shape input = new Shape(1, 3, 512, 1024);
            Complexity.Report eval = Complexity.of(ModelDirectory.network(trained), input, Complexity.Options.EVAL);
            Complexity.Report folded = Complexity.of(net, input, Complexity.Options.EVAL);
            assertEquals(eval.macs(), folded.macs(), "folding moves no MACs");
            assertTrue(folded.params() < eval.params(), folded.params() + " vs " + eval.params());
        }
    }

    @Test
    void savedDeployModelLoadsInEitherWay(@TempDir Path dir) throws Exception {
        Path trainedDir = dir.resolve("trained");
        Path deployDir = dir.resolve("deploy");
        try (Model trained = trainedLike(searched()); Model deploy = DeployGraph.export(trained, Device.cpu())) {
            ModelDirectory.save(trained, trainedDir);
            ModelDirectory.save(deploy, deployDir);
        }
        assertTrue(DeployGraph.isDeploy(deployDir));
        assertFalse(DeployGraph.isDeploy(trainedDir));
        assertFalse(DeployGraph.isDeploy(dir.resolve("none")));
        try (Model trained = ModelDirectory.load(trainedDir, Device.cpu());
                Model loaded = DeployGraph.loadForInference(deployDir, Device.cpu());
                Model either = DeployGraph.loadForInference(trainedDir, Device.cpu())) {
            assertTrue(DeployGraph.isDeploy(loaded));
            assertFalse(DeployGraph.isDeploy(either));
            assertMaxDiff(trained, loaded, new Shape(1, 3, 64, 64), 1e-4);
        }
        IOException notDeploy = assertThrows(IOException.class, () -> DeployGraph.load(trainedDir, Device.cpu()));
        assertTrue(notDeploy.getMessage().contains("rtseg export"), notDeploy.getMessage());
        try (Model deploy = DeployGraph.load(deployDir, Device.cpu())) {
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                    () -> DeployGraph.export(deploy, Device.cpu()));
            assertTrue(twice.getMessage().contains("already in deploy form"));
        }
    }

    @Test
    void realBiSeNetV2WeightsFoldWithinTolerance() throws Exception {
        Path reference = Shared.require("reference/bisenetv2");
        try (Model trained = ModelDirectory.create(SupernetConfig.preset("bisenetv2"), Device.cpu())) {
            PyTorchImporter.load(ModelDirectory.network(trained), reference.resolve("weights.npz"));
            try (Model deploy = DeployGraph.export(trained, Device.cpu()); NDManager m = deploy.getNDManager().newSubManager()) {
                NDArray input = Npy.readArray(m, reference.resolve("io/input.npy"));
                NDArray eval = forward(trained, input);
                NDArray folded = forward(deploy, input);
                float diff = eval.sub(folded).abs().max().getFloat();
                assertTrue(diff <= 1e-4f, "deploy vs eval max |Δ| = " + diff);
                NDArray pytorch = Npy.readArray(m, reference.resolve("io/logits.npy"));
                float toPyTorch = pytorch.sub(folded).abs().max().getFloat();
                assertTrue(toPyTorch <= 1e-4f, "deploy vs PyTorch max |Δ| = " + toPyTorch);
            }
        }
    }

    /** A fresh model with non-trivial BatchNorm statistics, as after training. */
    private static Model trainedLike(SupernetConfig config) {
        Model model = ModelDirectory.create(config, Device.cpu());
        NDManager m = model.getNDManager();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            NDArray a = p.getValue().getArray();
            String name = p.getKey();
            if (name.endsWith("_runningVar")) {
                a.set(m.randomUniform(0.2f, 2f, a.getShape()).toFloatArray());
            } else if (name.endsWith("_runningMean") || name.endsWith("_beta")) {
                a.set(m.randomNormal(0, 0.3f, a.getShape(), a.getDataType()).toFloatArray());
            } else if (name.endsWith("_gamma")) {
                a.set(m.randomUniform(0.5f, 1.5f, a.getShape()).toFloatArray());
            }
        }
        return model;
    }

    private static void assertMaxDiff(Model trained, Model deploy, Shape input, double tolerance) {
        try (NDManager m = trained.getNDManager().newSubManager()) {
            NDArray x = m.randomNormal(input);
            NDArray expected = forward(trained, x);
            NDArray actual = forward(deploy, x);
            assertEquals(expected.getShape(), actual.getShape());
            float diff = expected.sub(actual).abs().max().getFloat();
            assertTrue(diff <= tolerance, "max |Δ| = " + diff);
            assertTrue(expected.abs().max().getFloat() > 0.1f, "logits are not trivial");
        }
    }

    private static NDArray forward(Model model, NDArray x) {
        return model.getBlock().forward(new ParameterStore(x.getManager(), false), new NDList(x), false).singletonOrThrow();
    }
}
