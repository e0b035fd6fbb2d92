package org.rtseg.examples;

import java.io.IOException;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.core.onnx.OnnxExport;
import org.rtseg.core.onnx.OnnxExportable;
import org.rtseg.core.onnx.OnnxGraph;
import org.rtseg.inference.OnnxRuntimeModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.deploy.DeployGraph;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ChannelTraceable;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.supernet.Supernet;

/** The worked example of docs/extending.md, which quotes the regions between the [doc:NAME] markers. */
class ExtendingExampleTest {

    // [doc:block]
    /** Depthwise residual: 1×1 expand → k×k depthwise → 1×1 project, plus the input, then ReLU. */
    static final class DepthwiseResidual extends RtsegBlock implements ChannelTraceable, OnnxExportable {
        private final ConvBnAct expand;
        private final ConvBnAct depthwise;
        private final ConvBnAct project;

        DepthwiseResidual(BlockArgs args) {
            int c = args.inChannels();
            Widths widths = args.widthOverrides("dwres");
            int mid = widths.get("expand", c * args.intParam("expansion"));
            expand = child("expand", ConvBnAct.builder(c, mid).kernel(1).widthKey("expand").build(), c);
            depthwise = child("dw", ConvBnAct.builder(mid, mid).kernel(args.intParam("kernel")).depthwise().build(), mid);
            project = child("project", ConvBnAct.builder(mid, c).kernel(1).noActivation().build(), mid);
            widths.requireAllUsed();
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            NDArray x = in.singletonOrThrow();
            NDArray y = apply(project, ps, apply(depthwise, ps, apply(expand, ps, x, training), training), training);
            return new NDList(Activation.relu(y.add(x)));
        }
    // [/doc:block]

        // [doc:count]
        /** MACs and parameters: the three convolutions count themselves (Cout·Hout·Wout·k²·Cin/groups). */
        @Override
        public Shape count(Shape input, Tally tally) {
            return project.count(depthwise.count(expand.count(input, tally), tally), tally);
        }
        // [/doc:count]

        // [doc:trace]
        /** The expansion is a prunable space; the output is added to the input, so they are one space. */
        @Override
        public ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph) {
            ChannelGraph.Space out = project.trace(depthwise.trace(expand.trace(input, graph), graph), graph);
            graph.tie(out, input);
            return out;
        }
        // [/doc:trace]

        // [doc:onnx]
        /** The forward pass in ONNX operators; each unit exports itself (Conv with the folded BatchNorm, Relu). */
        @Override
        public String exportOnnx(OnnxGraph graph, String x) {
            String y = exportChild(graph, project, exportChild(graph, depthwise, exportChild(graph, expand, x)));
            return graph.relu(graph.add(y, x));
        }
        // [/doc:onnx]
    }

    // [doc:type]
    static final BlockType DWRES = new BlockType() {
        @Override
        public String name() {
            return "dwres";
        }

        @Override
        public Map<String, Double> defaults() {
            return Map.of("expansion", 2.0, "kernel", 5.0);
        }

        @Override
        public void validate(BlockArgs args) {
            args.intParam("expansion");
            if (!args.preservesShape() || args.intParam("kernel") % 2 == 0) {
                throw new IllegalArgumentException("dwres keeps the shape and needs an odd kernel, got " + args);
            }
        }

        @Override
        public RtsegBlock build(BlockArgs args) {
            return new DepthwiseResidual(args);
        }
    };
    // [/doc:type]

    // [doc:config]
    static SupernetConfig config() {
        BlockTypes.register(DWRES);
        return SupernetConfig.fromJson("""
                {"name": "with-dwres", "numClasses": 4,
                 "detail": {"stages": [[8], [8], [16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "dwres", "params": {"kernel": 3}}, {"type": "lir"}, {"type": "skip"}]}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
                   {"channels": 16, "downsample": {"type": "ge", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "dwres"}]}]}]},
                 "head": {"channels": 16, "dropout": 0.1},
                 "aux": {"enabled": true, "channels": 8, "dropout": 0.1}}
                """, "with-dwres");
    }
    // [/doc:config]

    // [doc:test]
    @Test
    void theNewBlockCountsTracesAndExports(@TempDir Path dir) throws IOException {
        Supernet net = Supernet.of(config());
        long macs = Complexity.of(net, new Shape(1, 3, 64, 64), Complexity.Options.EVAL).byModule(3).stream()
                .filter(m -> m.name().equals("segment.stage1.mixed0")).findFirst().orElseThrow().macs();
        long pixels = 8 * 8; // stage 1 runs at 1/8
        assertEquals(pixels * (16 * 8 + 16 * 3 * 3 + 8 * 16), macs, "expand + depthwise + project");

        ChannelGraph graph = net.channelGraph();
        long prunable = net.mixedBlocks().stream().flatMap(b -> b.candidates().stream())
                .filter(c -> c.type().equals("dwres"))
                .map(c -> (ConvBnAct) c.block().getChildren().get("expand"))
                .filter(conv -> ((ChannelGraph.Base) graph.convolutionOutputs().get(conv)).root().prunable()).count();
        assertEquals(2, prunable, "width search may prune both expansions");

        try (Model model = ModelDirectory.create(config(), Device.cpu());
                Model deploy = DeployGraph.export(model, Device.cpu());
                NDManager m = model.getNDManager().newSubManager()) {
            NDArray x = m.randomNormal(new Shape(1, 3, 64, 64));
            NDArray eval = model.getBlock().forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            NDArray folded = deploy.getBlock().forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            assertTrue(eval.sub(folded).abs().max().getFloat() <= 1e-4f, "its BatchNorms fold like the built-in blocks'");

            Path onnx = dir.resolve("with-dwres.onnx");
            OnnxExport.write(model, OnnxExport.Options.builder().build(), onnx);
            try (OnnxRuntimeModel runtime = OnnxRuntimeModel.open(onnx, 1)) {
                assertTrue(eval.sub(runtime.predict(x)).abs().max().getFloat() <= 1e-4f, "ONNX Runtime runs it as the eval graph");
            }
        }
    }
    // [/doc:test]

    /** Every region quoted in docs/extending.md is the code above, character for character. */
    @Test
    void docsQuoteThisCode() throws Exception {
        String source = Files.readString(Path.of("src/test/java/org/rtseg/examples/ExtendingExampleTest.java"));
        String doc = Files.readString(Path.of("../docs/extending.md"));
        Matcher region = Pattern.compile("(?s)// \\[doc:(\\w+)]\\n(.*?)\\n\\s*// \\[/doc:\\1]").matcher(source);
        List<String> quoted = new ArrayList<>();
        while (region.find()) {
            String code = dedent(region.group(2));
            assertTrue(doc.contains("```java\n" + code + "\n```"), "docs/extending.md does not quote region '" + region.group(1)
                    + "' as it is in the test:\n" + code);
            quoted.add(region.group(1));
        }
        assertEquals(List.of("block", "count", "trace", "onnx", "type", "config", "test"), quoted);
    }

    /** Removes the indentation common to all non-blank lines. */
    private static String dedent(String code) {
        List<String> lines = code.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList());
    }
}
