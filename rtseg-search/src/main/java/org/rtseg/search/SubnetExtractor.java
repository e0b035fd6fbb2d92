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
import java.util.function.Function;
import java.util.stream.IntStream;
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
    private final Function<Space, int[]> keep;
    /** A trial only checks that every parameter of the subnet has the shape its slice will have. */
    private final boolean trial;

    /**
     * An extractor of the state the search space is in now; call {@link SearchSpace#decide()} first.
     *
     * @param space the searched space
     */
    public SubnetExtractor(SearchSpace space) {
        this(space, space::kept, false);
    }

    private SubnetExtractor(SearchSpace space, Function<Space, int[]> keep, boolean trial) {
        this.space = space;
        this.old = space.supernet();
        this.keep = keep;
        this.trial = trial;
        collect("", old, oldBlocks);
    }

    /**
     * Extracts, in trial, the subnets that keep all but the last channel of every prunable group,
     * once per candidate position (every mixed block on its k-th path): every block type whose config
     * does not follow its pruned widths fails here, named, before any search.
     */
    static void validate(SearchSpace space) {
        List<MixedBlock> blocks = space.supernet().mixedBlocks();
        int[] choices = blocks.stream().mapToInt(MixedBlock::choice).toArray();
        int paths = blocks.stream().mapToInt(b -> b.candidates().size()).max().orElse(1);
        Function<ChannelMask, int[]> allButLast = m -> IntStream.range(0, Math.max(1, m.channels() - 1)).toArray();
        try {
            for (int k = 0; k < paths; k++) {
                for (MixedBlock block : blocks) {
                    block.choose(Math.min(k, block.candidates().size() - 1));
                }
                try (Model subnet = new SubnetExtractor(space, s -> space.kept(s, allButLast), true).extract(Device.cpu())) {
                    // Nothing to keep: the trial only checks shapes.
                }
            }
        } finally {
            for (int i = 0; i < choices.length; i++) {
                blocks.get(i).choose(choices[i]);
            }
        }
    }

    /**
     * The architecture found: chosen paths, kept channels.
     *
     * @return a config named {@code <supernet>-subnet} whose mixed blocks have one candidate each (skips
     *     dropped) and whose {@code widths} hold the kept channel counts
     */
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
            if (target == null) {
                throw new IllegalArgumentException(path + ": the subnet built from the extracted config has no block at " + newPath
                        + "; a block type must build the same children whatever its widths");
            }
            if (block instanceof ConvBnAct conv) {
                copyConvolution(path, conv, (ConvBnAct) target);
            } else if (block.getDirectParameters().size() > 0) {
                Space indexedBy = space.graph().indexedParameters().get(block);
                copyDirect(path, block, target, indexedBy == null ? null : kept(indexedBy));
            }
        });
        return model;
    }

    private void copyConvolution(String path, ConvBnAct from, ConvBnAct to) {
        int[] out = kept(space.graph().convolutionOutputs().get(from));
        int[] in = from.groups() == 1 ? kept(space.graph().convolutionInputs().get(from)) : null;
        Block conv = from.getChildren().get("conv");
        Block newConv = to.getChildren().get("conv");
        set(path + ".conv", newConv, "weight", param(conv, "weight"), out, in, from.widthKey());
        if (from.hasBias()) {
            set(path + ".conv", newConv, "bias", param(conv, "bias"), out, null, from.widthKey());
        }
        if (from.hasNorm()) {
            copyDirect(path + ".bn", from.getChildren().get("bn"), to.getChildren().get("bn"), out);
        }
    }

    /** Copies every direct parameter, sliced on axis 0 when {@code channels} is given. */
    private void copyDirect(String path, Block from, Block to, int[] channels) {
        for (Pair<String, Parameter> p : from.getDirectParameters()) {
            set(path, to, p.getKey(), p.getValue().getArray(), channels, null, null);
        }
    }

    private static NDArray param(Block block, String name) {
        return block.getDirectParameters().get(name).getArray();
    }

    /** Writes the slice of {@code source} into the subnet's parameter, or in a trial only checks that it fits. */
    private void set(String path, Block block, String name, NDArray source, int[] axis0, int[] axis1, String widthKey) {
        NDArray target = block.getDirectParameters().get(name).getArray();
        long expected = slicedSize(source.getShape(), axis0, axis1);
        if (target.size() != expected) {
            throw new IllegalArgumentException(path + "." + name + ": the extracted subnet's parameter has shape " + target.getShape()
                    + " but the kept channels need " + expected + " values (supernet shape " + source.getShape() + ", "
                    + (axis0 == null ? "all" : axis0.length) + " output channels kept); "
                    + (widthKey == null
                            ? "the block type builds this convolution at a fixed width: give it a widthKey (ConvBnAct.Builder#widthKey) and read "
                                    + "the width back from BlockArgs#widthOverrides, or keep its channel space out of pruning (docs/extending.md)"
                            : "the block type must read width '" + widthKey + "' back from BlockArgs#widthOverrides (docs/extending.md)"));
        }
        if (!trial) {
            target.set(slice(source, axis0, axis1));
        }
    }

    private static long slicedSize(Shape s, int[] axis0, int[] axis1) {
        long d0 = s.get(0);
        long d1 = s.dimension() > 1 ? s.get(1) : 1;
        long inner = s.size() / (d0 * d1);
        return (axis0 != null ? axis0.length : d0) * (axis1 != null ? axis1.length : d1) * inner;
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
        return keep.apply(s);
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
