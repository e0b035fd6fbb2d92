package org.rtseg.latency;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rtseg.core.blocks.BlockArgs;
import org.rtseg.core.blocks.BlockSpec;
import org.rtseg.core.blocks.BlockTypes;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.config.BlockConfig;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;
import org.rtseg.core.supernet.ContextEmbedding;
import org.rtseg.core.supernet.SegmentStage;
import org.rtseg.core.supernet.Supernet;

/**
 * A network's eval graph cut into timed units (see {@link Units}): each detail-branch layer
 * ({@code conv}), the {@code stem}, each stage's downsample block (its registered type), each mixed
 * block's path (its registered type; with {@code allCandidates} every candidate), the context
 * embedding ({@code ce}), the aggregation ({@code bga}) and the main {@code head}. Aux heads are
 * not part of the eval graph, and a {@code skip} path is no unit (the identity costs nothing). Summed, the units' MACs are the network's eval MACs; summed, their
 * latencies approximate the network's, up to a per-network scale (framework overhead, cache state).
 *
 * <p>Each unit also says where its channel counts come from in the network's {@link
 * org.rtseg.core.nn.ChannelGraph}, so that {@link LatencyCost} can replace them by the soft counts
 * of width search.
 */
public final class NetworkUnits {

    private NetworkUnits() {}

    /** Where a unit's channel count comes from. */
    public sealed interface Ref permits ConvOut, ConvIn, Label, Fixed {}

    /**
     * The output space of a convolution.
     *
     * @param conv the convolution
     */
    public record ConvOut(ConvBnAct conv) implements Ref {}

    /**
     * The input space of a convolution.
     *
     * @param conv the convolution
     */
    public record ConvIn(ConvBnAct conv) implements Ref {}

    /**
     * A labelled space of the graph, e.g. {@code segment.stage2}.
     *
     * @param label the label given by {@link ChannelGraph#label}
     */
    public record Label(String label) implements Ref {}

    /** A count search cannot change (the image, the classes). */
    public record Fixed() implements Ref {}

    /**
     * The channel space a reference names in the network's graph, or null for a {@link Fixed} count.
     *
     * @param ref the reference
     * @param graph the network's channel graph
     * @return the space, or null for {@link Fixed} (or a convolution or label the graph lacks)
     */
    public static ChannelGraph.Space space(Ref ref, ChannelGraph graph) {
        if (ref instanceof ConvOut o) {
            return graph.convolutionOutputs().get(o.conv());
        }
        if (ref instanceof ConvIn i) {
            return graph.convolutionInputs().get(i.conv());
        }
        return ref instanceof Label l ? graph.labeled(l.label()) : null;
    }

    /**
     * One unit.
     *
     * @param path the module path in the network
     * @param spec the latency key at the network's current (hard) widths
     * @param in where the input channels come from
     * @param out where the output channels come from
     * @param widths where each internal width comes from (keys of {@code spec.args().widths()})
     * @param mixed the mixed block this unit is a path of, or null
     * @param candidate the candidate index in {@code mixed}, or -1
     */
    public record Unit(String path, BlockSpec spec, Ref in, Ref out, Map<String, Ref> widths, MixedBlock mixed, int candidate) {}

    /**
     * The units of the eval graph: chosen paths only.
     *
     * @param net the network
     * @param input the NCHW input shape; height and width are rounded up to multiples of 32
     * @return the units in forward order; unmodifiable
     */
    public static List<Unit> of(Supernet net, Shape input) {
        return decompose(net, input, false);
    }

    /**
     * The units with every candidate path of every mixed block (the search space).
     *
     * @param net the network
     * @param input the NCHW input shape; height and width are rounded up to multiples of 32
     * @return the units in forward order, skip paths left out; unmodifiable
     */
    public static List<Unit> allCandidates(Supernet net, Shape input) {
        return decompose(net, input, true);
    }

    /**
     * The specs of {@link #of}.
     *
     * @param net the network
     * @param input the NCHW input shape; height and width are rounded up to multiples of 32
     * @return the eval graph's unit specs, in forward order
     */
    public static List<BlockSpec> specs(Supernet net, Shape input) {
        return of(net, input).stream().map(Unit::spec).toList();
    }

    private static List<Unit> decompose(Supernet net, Shape input, boolean all) {
        List<Unit> units = new ArrayList<>();
        long h = ceil32(input.get(2));
        long w = ceil32(input.get(3));
        Shape image = new Shape(1, 3, h, w);
        SupernetConfig config = net.config();

        // Detail branch: one conv unit per layer.
        Shape d = image;
        ConvBnAct lastDetail = null;
        for (Pair<String, Block> child : net.detail().getChildren()) {
            ConvBnAct conv = (ConvBnAct) child.getValue();
            Map<String, Double> params = new TreeMap<>();
            params.put("kernel", (double) conv.kernel());
            if (conv.groups() != 1) {
                params.put("groups", (double) conv.groups());
            }
            BlockSpec spec = new BlockSpec("conv", new BlockArgs(conv.inChannels(), conv.outChannels(), conv.stride(), params), d.get(2), d.get(3));
            units.add(new Unit("detail." + child.getKey(), spec, lastDetail == null ? new Fixed() : new ConvIn(conv), new ConvOut(conv),
                    Map.of(), null, -1));
            d = conv.count(d, Tally.discarding());
            lastDetail = conv;
        }

        // Segment branch.
        RtsegBlock stem = (RtsegBlock) net.segment().getChildren().get("stem");
        ConvBnAct fuse = conv(stem, "fuse");
        Map<String, Integer> stemWidths = new TreeMap<>();
        Map<String, Ref> stemRefs = new TreeMap<>();
        for (String k : List.of("conv", "left0", "left1", "fuse")) {
            stemWidths.put(k, conv(stem, k).outChannels());
            stemRefs.put(k, new ConvOut(conv(stem, k)));
        }
        units.add(new Unit("segment.stem", new BlockSpec("stem", new BlockArgs(3, fuse.outChannels(), 4, Map.of(), stemWidths), h, w),
                new Fixed(), new ConvOut(fuse), stemRefs, null, -1));
        Shape s = stem.count(image, Tally.discarding());
        Ref previous = new ConvOut(fuse);
        List<SegmentStage> stages = net.segment().stages();
        for (int i = 0; i < stages.size(); i++) {
            SegmentStage stage = stages.get(i);
            String path = "segment.stage" + (i + 1);
            Ref here = new Label(path);
            RtsegBlock down = (RtsegBlock) stage.getChildren().get("down");
            BlockConfig dc = config.segment().stages().get(i).downsample();
            BlockArgs args = BlockTypes.resolve(dc.type(), (int) s.get(1), stage.outChannels(), 2, dc.params(),
                    Widths.of(config.widths(), path + ".down").asMap());
            BlockSpec downSpec = Units.canonical(new BlockSpec(dc.type(), args, s.get(2), s.get(3)));
            units.add(new Unit(path + ".down", downSpec, previous, here, widthRefs(down, downSpec), null, -1));
            s = down.count(s, Tally.discarding());
            List<MixedBlock> mixed = stage.mixedBlocks();
            for (int b = 0; b < mixed.size(); b++) {
                MixedBlock block = mixed.get(b);
                for (int c = 0; c < block.candidates().size(); c++) {
                    if (!all && c != block.choice()) {
                        continue;
                    }
                    MixedBlock.Candidate cand = block.candidates().get(c);
                    if (cand.type().equals("skip")) {
                        continue; // the identity: no unit, no latency
                    }
                    BlockSpec spec = Units.canonical(new BlockSpec(cand.type(), cand.args(), s.get(2), s.get(3)));
                    units.add(new Unit(path + ".mixed" + b + "." + cand.name(), spec, here, here, widthRefs(cand.block(), spec), block, c));
                }
                s = block.count(s, Tally.discarding());
            }
            previous = here;
        }
        ContextEmbedding ce = net.segment().contextEmbedding();
        ConvBnAct convLast = conv(ce, "conv_last");
        units.add(new Unit("segment.ce", new BlockSpec("ce", new BlockArgs((int) s.get(1), ce.outChannels(), 1, Map.of(),
                Map.of("conv_last", ce.outChannels())), s.get(2), s.get(3)), previous, new ConvOut(convLast),
                Map.of("conv_last", new ConvOut(convLast)), null, -1));

        // Aggregation and head, at the detail branch's 1/8.
        RtsegBlock bga = net.bga();
        ConvBnAct bgaConv = conv(bga, "conv");
        Map<String, Integer> bgaWidths = new TreeMap<>(Map.of("inner", conv(bga, "left1_pw").outChannels(), "conv", bgaConv.outChannels(),
                "segment", ce.outChannels()));
        Map<String, Ref> bgaRefs = new TreeMap<>(Map.of("inner", new ConvOut(conv(bga, "left1_pw")), "conv", new ConvOut(bgaConv),
                "segment", new ConvOut(convLast)));
        units.add(new Unit("bga", new BlockSpec("bga", new BlockArgs((int) d.get(1), bgaConv.outChannels(), 1, Map.of(), bgaWidths),
                d.get(2), d.get(3)), new ConvOut(lastDetail), new ConvOut(bgaConv), bgaRefs, null, -1));
        RtsegBlock head = net.head();
        ConvBnAct headConv = conv(head, "conv");
        units.add(new Unit("head", new BlockSpec("head", new BlockArgs(bgaConv.outChannels(), config.numClasses(), 1, Map.of("factor", 8.0),
                Map.of("conv", headConv.outChannels())), d.get(2), d.get(3)), new ConvOut(bgaConv), new Fixed(),
                Map.of("conv", new ConvOut(headConv)), null, -1));
        return Collections.unmodifiableList(units);
    }

    /** Width references: the block's direct convolutions that carry a width key of the spec. */
    private static Map<String, Ref> widthRefs(Block block, BlockSpec spec) {
        Map<String, Ref> refs = new LinkedHashMap<>();
        for (Pair<String, Block> child : block.getChildren()) {
            if (child.getValue() instanceof ConvBnAct conv && conv.widthKey() != null && spec.args().widths().containsKey(conv.widthKey())) {
                refs.putIfAbsent(conv.widthKey(), new ConvOut(conv));
            }
        }
        return refs;
    }

    private static ConvBnAct conv(Block parent, String name) {
        Block b = parent.getChildren().get(name);
        if (!(b instanceof ConvBnAct c)) {
            throw new IllegalStateException("expected a convolution '" + name + "' in " + parent.getClass().getSimpleName());
        }
        return c;
    }

    private static long ceil32(long v) {
        return (v + Supernet.STRIDE - 1) / Supernet.STRIDE * Supernet.STRIDE;
    }
}
