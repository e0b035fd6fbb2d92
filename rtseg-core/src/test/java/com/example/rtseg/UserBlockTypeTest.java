package com.example.rtseg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.PairList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockType;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.core.training.MomentumSgd;
import org.rtseg.core.training.PixelCrossEntropy;

/** A user adds a block type from outside the library and searches over it by name. */
class UserBlockTypeTest {

    /** A toy candidate: depthwise k×k conv-BN-ReLU plus the input. */
    static final class Depthwise extends RtsegBlock {
        private final ConvBnAct conv;

        Depthwise(BlockArgs args) {
            conv = child("dw", ConvBnAct.builder(args.inChannels(), args.outChannels())
                    .kernel(args.intParam("kernel")).depthwise().build(), args.inChannels());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            NDArray x = in.singletonOrThrow();
            return new NDList(Activation.relu(apply(conv, ps, x, training).add(x)));
        }

        @Override
        public Shape count(Shape input, Tally tally) {
            return conv.count(input, tally);
        }
    }

    static final BlockType DW = new BlockType() {
        @Override
        public String name() {
            return "dw";
        }

        @Override
        public Map<String, Double> defaults() {
            return Map.of("kernel", 5.0);
        }

        @Override
        public void validate(BlockArgs args) {
            if (!args.preservesShape()) {
                throw new IllegalArgumentException("dw keeps the shape");
            }
        }

        @Override
        public RtsegBlock build(BlockArgs args) {
            return new Depthwise(args);
        }
    };

    private static SupernetConfig config() {
        BlockTypes.register(DW);
        return SupernetConfig.fromJson("""
                {"name": "user", "numClasses": 3,
                 "detail": {"stages": [[8], [8], [16]]},
                 "segment": {"stemChannels": 8, "stages": [
                   {"channels": 8, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "dw", "params": {"kernel": 5}}, {"type": "skip"}]}]},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}}, "blocks": []},
                   {"channels": 16, "downsample": {"type": "lir", "params": {"expansion": 2}},
                    "blocks": [{"candidates": [{"type": "dw", "params": {"kernel": 5}}]}]}]},
                 "head": {"channels": 16, "dropout": 0.0},
                 "aux": {"enabled": true, "channels": 8, "dropout": 0.0}}
                """, "user config");
    }

    @Test
    void countsItsOwnFormula() {
        Complexity.Report r = Complexity.of(Supernet.of(config()), new Shape(1, 3, 64, 64), Complexity.Options.EVAL);
        long stage1 = r.byModule(3).stream().filter(m -> m.name().equals("segment.stage1.mixed0"))
                .findFirst().orElseThrow().macs();
        assertEquals(8L * 5 * 5 * 8 * 8, stage1, "8 channels · 5×5 depthwise · 8×8 pixels at 1/8");
    }

    @Test
    void trainsAStepByName() {
        try (Model model = ModelDirectory.create(config(), Device.cpu());
                Trainer trainer = model.newTrainer(new DefaultTrainingConfig(new PixelCrossEntropy())
                        .optOptimizer(MomentumSgd.builder().learningRate(Tracker.fixed(0.1f)).build()))) {
            NDManager m = model.getNDManager();
            NDArray x = m.randomNormal(new Shape(2, 3, 64, 64));
            NDArray y = m.randomInteger(0, 3, new Shape(2, 64, 64), ai.djl.ndarray.types.DataType.INT32);
            NDArray weight = model.getBlock().getParameters().get("segment_stage1_mixed0_dw_dw_conv_weight").getArray();
            assertEquals(new Shape(8, 1, 5, 5), weight.getShape());
            NDArray before = weight.duplicate();
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList out = trainer.forward(new NDList(x));
                gc.backward(PixelCrossEntropy.of(out.get(0), y).add(PixelCrossEntropy.of(out.get(1), y)));
            }
            trainer.step();
            assertTrue(weight.sub(before).abs().max().getFloat() > 0, "the user block's weights moved");
        }
    }
}
