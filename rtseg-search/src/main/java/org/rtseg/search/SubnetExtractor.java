package org.rtseg.search;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.config.MixedBlockConfig;
import org.rtseg.core.config.SegmentBranchConfig;
import org.rtseg.core.config.StageConfig;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.ChannelGraph.Space;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.supernet.Supernet;

/**
 * Turns a searched state into a standalone network (paper eq. 5): each mixed block keeps only its
 * most likely path (blocks whose path is the skip disappear), and channels whose binarised mask is
 * 0 are removed for real — output slices of convolutions and BatchNorms, input slices of the
 * convolutions that read them, and slices of the per-channel parameters blocks index by a space
 * ({@link org.rtseg.core.nn.ChannelGraph#indexParameters}, e.g. a LayerNorm's). The result is an
 * ordinary {@link SupernetConfig} (pruned widths in {@code widths}) with weights, whose eval logits
 * equal the masked supernet's.
 */
public final class SubnetExtractor {

    private final SearchSpace space;
    private final Supernet old;
    private final Map<String, Block> oldBlocks = new LinkedHashMap<>();
    private final Map<String, String> renames = new LinkedHashMap<>();

    /** An extractor of the state the search space is in now; call {@link SearchSpace#decide()} first. */
    public SubnetExtractor(SearchSpace space) {
        this.space = space;
        this.old = space.supernet();
        collect("", old, oldBlocks);
    }

    /** The architecture found: chosen paths, kept channels. */
    public SupernetConfig config() {
        SupernetConfig c = old.config();
        List<StageConfig> stages = new ArrayList<>();
        List<org.rtseg.core.supernet.SegmentStage> oldStages = old.segment().stages();
        for (int s = 0; s < oldStages.size(); s++) {
            StageConfig stage = c.segment().stages().get(s);
            List<MixedBlockConfig> blocks = new ArrayList<>();
            List<MixedBlock> mixed = oldStages.get(s).mixedBlocks();
            for (int b = 0; b < mixed.size(); b++) {
                MixedBlockConfig m = stage.blocks().get(b);
                MixedBlock block = mixed.get(b);
                if (!block.chosen().type().equals("skip")) {
                    String from = "segment.stage" + (s + 1) + ".mixed" + b + "." + block.chosen().name();
                    String to = "segment.stage" + (s + 1) + ".mixed" + blocks.size() + "." + block.chosen().type();
                    renames.put(from, to);
                    blocks.add(new MixedBlockConfig(List.of(m.candidates().get(block.choice())), 0));
                }
            }
            int width = kept(space.graph().labeled("segment.stage" + (s + 1))).length;
            stages.add(new StageConfig(width, stage.downsample(), blocks));
        }
        SegmentBranchConfig segment = new SegmentBranchConfig(c.segment().stemChannels(), stages);
        return new SupernetConfig(c.name() + "-subnet", c.numClasses(), c.detail(), segment, c.head(), c.aux(), widths());
    }

    /**
     * The kept count of every convolution that reads a width key. All are written, unchanged ones
     * too: a default may follow another, pruned width (LIR's {@code conv1} defaults to its input's,
     * attention's fixed {@code attn} to its token width, which follows the stage's).
     */
    private Map<String, Integer> widths() {
        Map<String, Integer> widths = new TreeMap<>();
        oldBlocks.forEach((path, block) -> {
            if (block instanceof ConvBnAct conv && conv.widthKey() != null) {
                String newPath = rename(path);
                Space out = space.graph().convolutionOutputs().get(conv);
                if (newPath != null && out != null) {
                    widths.put(parent(newPath) + "." + conv.widthKey(), kept(out).length);
                }
            }
        });
        return widths;
    }

    /**
     * The subnet with the supernet's weights, pruned channels removed.
     *
     * @param device where the new model lives
     * @return a model whose block is the subnet's {@link Supernet}
     */
    public Model extract(Device device) {
        SupernetConfig config = config();
        Model model = ModelDirectory.create(config, device);
        Map<String, Block> newBlocks = new LinkedHashMap<>();
        collect("", ModelDirectory.network(model), newBlocks);
        oldBlocks.forEach((path, block) -> {
            String newPath = rename(path);
            if (newPath == null || ancestorIsConvolution(path)) {
                return;
            }
            Block target = newBlocks.get(newPath);
            if (block instanceof ConvBnAct conv) {
                copyConvolution(conv, (ConvBnAct) target);
            } else if (block.getDirectParameters().size() > 0) {
                Space indexedBy = space.graph().indexedParameters().get(block);
                copyDirect(block, target, indexedBy == null ? null : kept(indexedBy));
            }
        });
        return model;
    }

    private void copyConvolution(ConvBnAct from, ConvBnAct to) {
        int[] out = kept(space.graph().convolutionOutputs().get(from));
        int[] in = from.groups() == 1 ? kept(space.graph().convolutionInputs().get(from)) : null;
        Block conv = from.getChildren().get("conv");
        Block newConv = to.getChildren().get("conv");
        set(newConv, "weight", slice(param(conv, "weight"), out, in));
        if (from.hasBias()) {
            set(newConv, "bias", slice(param(conv, "bias"), out, null));
        }
        if (from.hasNorm()) {
            copyDirect(from.getChildren().get("bn"), to.getChildren().get("bn"), out);
        }
    }

    /** Copies every direct parameter, sliced on axis 0 when {@code channels} is given. */
    private static void copyDirect(Block from, Block to, int[] channels) {
        for (Pair<String, Parameter> p : from.getDirectParameters()) {
            set(to, p.getKey(), slice(p.getValue().getArray(), channels, null));
        }
    }

    private static NDArray param(Block block, String name) {
        return block.getDirectParameters().get(name).getArray();
    }

    private static void set(Block block, String name, float[] values) {
        NDArray target = block.getDirectParameters().get(name).getArray();
        if (target.size() != values.length) {
            throw new IllegalStateException("extracted " + name + " has " + values.length + " values for " + target.getShape());
        }
        target.set(values);
    }

    /** The values of {@code a} restricted to the given indices on axes 0 and 1 (null = all). */
    static float[] slice(NDArray a, int[] axis0, int[] axis1) {
        float[] data = a.toFloatArray();
        Shape s = a.getShape();
        int d0 = (int) s.get(0);
        int d1 = s.dimension() > 1 ? (int) s.get(1) : 1;
        int inner = (int) (s.size() / ((long) d0 * d1));
        int[] rows = axis0 != null ? axis0 : java.util.stream.IntStream.range(0, d0).toArray();
        int[] cols = axis1 != null ? axis1 : java.util.stream.IntStream.range(0, d1).toArray();
        float[] out = new float[rows.length * cols.length * inner];
        int k = 0;
        for (int r : rows) {
            for (int c : cols) {
                System.arraycopy(data, (r * d1 + c) * inner, out, k, inner);
                k += inner;
            }
        }
        return out;
    }

    private int[] kept(Space s) {
        return space.kept(s);
    }

    /** The subnet's path of a supernet module, or null when the module is not in the subnet. */
    private String rename(String path) {
        if (!path.matches("segment\\.stage\\d+\\.mixed\\d+(\\..*)?")) {
            return path;
        }
        for (Map.Entry<String, String> e : renames.entrySet()) {
            if (path.equals(e.getKey()) || path.startsWith(e.getKey() + ".")) {
                return e.getValue() + path.substring(e.getKey().length());
            }
        }
        String[] parts = path.split("\\.");
        return parts.length == 3 ? renamedBlock(path) : null;
    }

    /** A mixed block itself (no candidate in the path) maps to its new index when it survives. */
    private String renamedBlock(String path) {
        for (Map.Entry<String, String> e : renames.entrySet()) {
            if (e.getKey().startsWith(path + ".")) {
                return parent(e.getValue());
            }
        }
        return null;
    }

    private boolean ancestorIsConvolution(String path) {
        for (String p = parent(path); !p.isEmpty(); p = parent(p)) {
            if (oldBlocks.get(p) instanceof ConvBnAct) {
                return true;
            }
        }
        return false;
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }

    private static void collect(String path, Block block, Map<String, Block> into) {
        into.put(path, block);
        for (Pair<String, Block> child : block.getChildren()) {
            collect(path.isEmpty() ? child.getKey() : path + "." + child.getKey(), child.getValue(), into);
        }
    }
}
