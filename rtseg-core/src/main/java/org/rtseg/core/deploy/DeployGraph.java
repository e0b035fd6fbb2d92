package org.rtseg.core.deploy;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rtseg.core.Engines;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.config.AuxHeadsConfig;
import org.rtseg.core.config.HeadConfig;
import org.rtseg.core.config.MixedBlockConfig;
import org.rtseg.core.config.SegmentBranchConfig;
import org.rtseg.core.config.StageConfig;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.FusedOps;
import org.rtseg.core.supernet.SegmentStage;
import org.rtseg.core.supernet.Supernet;

/**
 * The deploy form of a network: only what eval-mode inference computes, with every BatchNorm that
 * follows a convolution folded into it ({@link BatchNormFolding}). Unchosen candidate paths and the
 * aux heads are gone, dropout is 0 (in eval it is the identity anyway); pruned channels are already
 * gone from an extracted subnet. The logits equal the eval-mode logits of the trained network up to
 * float32 rounding, while every folded BatchNorm saves a pass over its feature map. Beyond what
 * DJL's eager API offers, the deploy network runs its eval-mode passes channels-last and applies
 * each folded unit's ReLU in place ({@link FusedOps}).
 *
 * <p>A deploy model is an ordinary model directory ({@code config.json} holds the deploy config,
 * {@code rtseg-0000.params} the folded weights) whose params carry the model property {@value
 * #FORM_PROPERTY}{@code =}{@value #DEPLOY_FORM}; {@link #loadForInference} opens either form. The
 * BatchNorm of the context embedding stays: it normalises globally pooled features, not a
 * convolution's output, and costs one value per channel.
 */
public final class DeployGraph {

    /** The model property that marks the form of a saved network. */
    public static final String FORM_PROPERTY = "rtseg.form";

    /** The value of {@link #FORM_PROPERTY} of a deploy model. */
    public static final String DEPLOY_FORM = "deploy";

    private DeployGraph() {}

    /**
     * The deploy config of a network: each mixed block reduced to the path it has chosen (width
     * overrides renamed to match), no aux heads, no dropout.
     *
     * @param trained the network whose mixed blocks' choices are kept; it is not changed
     * @return the deploy config, named after the network's with {@code -deploy} appended
     * @throws IllegalStateException if a mixed block averages its paths (a supernet teacher)
     */
    public static SupernetConfig config(Supernet trained) {
        SupernetConfig c = trained.config();
        ChosenPaths paths = new ChosenPaths(trained);
        List<StageConfig> stages = new ArrayList<>();
        for (int s = 0; s < c.segment().stages().size(); s++) {
            StageConfig stage = c.segment().stages().get(s);
            List<MixedBlock> mixed = trained.segment().stages().get(s).mixedBlocks();
            List<MixedBlockConfig> blocks = new ArrayList<>();
            for (int b = 0; b < mixed.size(); b++) {
                blocks.add(new MixedBlockConfig(List.of(stage.blocks().get(b).candidates().get(mixed.get(b).choice())), 0));
            }
            stages.add(new StageConfig(stage.channels(), stage.downsample(), blocks));
        }
        Map<String, Integer> widths = new TreeMap<>();
        c.widths().forEach((key, width) -> {
            String renamed = paths.rename(key);
            if (renamed != null) {
                widths.put(renamed, width);
            }
        });
        return new SupernetConfig(c.name() + "-deploy", c.numClasses(), c.detail(),
                new SegmentBranchConfig(c.segment().stemChannels(), stages), new HeadConfig(c.head().channels(), 0),
                new AuxHeadsConfig(false, c.aux().channels(), c.aux().dropout()), widths);
    }

    /**
     * Exports a trained network (a model made by {@link ModelDirectory}) to its deploy form.
     *
     * @param trained the trained model; it is not changed
     * @param device where the deploy model lives
     * @return a new model whose block is the deploy {@link Supernet}
     * @throws IllegalArgumentException if {@code trained} is already in deploy form
     */
    public static Model export(Model trained, Device device) {
        if (isDeploy(trained)) {
            throw new IllegalArgumentException("the model is already in deploy form");
        }
        Supernet source = ModelDirectory.network(trained);
        Model model = create(config(source), device);
        try {
            copyFolded(source, ModelDirectory.network(model));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return model;
    }

    /**
     * Whether a loaded or exported model is in deploy form.
     *
     * @param model the model
     * @return true if its {@value #FORM_PROPERTY} property is {@value #DEPLOY_FORM}
     */
    public static boolean isDeploy(Model model) {
        return DEPLOY_FORM.equals(model.getProperty(FORM_PROPERTY));
    }

    /**
     * Whether a model directory holds a deploy model, read from its params header (DJL's format:
     * magic, version, name, data type, input shapes, then the properties).
     *
     * @param dir the model directory
     * @return true if its params carry {@value #FORM_PROPERTY}{@code =}{@value #DEPLOY_FORM}; false
     *     if they do not, or there is no params file or it is not in DJL's format
     * @throws IOException if the params file cannot be read or ends inside its header
     */
    public static boolean isDeploy(Path dir) throws IOException {
        Path params = dir.resolve(ModelDirectory.MODEL_NAME + "-0000.params");
        if (!Files.isRegularFile(params)) {
            return false;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(params)))) {
            byte[] magic = new byte[4];
            in.readFully(magic);
            if (!"DJL@".equals(new String(magic, StandardCharsets.US_ASCII))) {
                return false;
            }
            in.readInt();
            in.readUTF();
            in.readUTF();
            int inputs = in.readInt();
            for (int i = 0; i < inputs; i++) {
                in.readUTF();
                Shape.decode(in);
            }
            int properties = in.readInt();
            for (int i = 0; i < properties; i++) {
                String key = in.readUTF();
                String value = in.readUTF();
                if (FORM_PROPERTY.equals(key)) {
                    return DEPLOY_FORM.equals(value);
                }
            }
            return false;
        }
    }

    /**
     * Loads a deploy model directory written by {@link ModelDirectory#save} of an exported model.
     *
     * @param dir the model directory
     * @param device where the model lives
     * @return the loaded deploy model; the caller closes it
     * @throws IOException if {@code dir} holds no config, is not in deploy form, or its parameters
     *     cannot be read or do not match the config
     */
    public static Model load(Path dir, Device device) throws IOException {
        Path config = dir.resolve(ModelDirectory.CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new NoSuchFileException(config.toString(), null,
                    "not a model directory (no " + ModelDirectory.CONFIG + "); make a deploy model with 'rtseg export'");
        }
        if (!isDeploy(dir)) {
            throw new IOException(dir + ": not a deploy model; export it with 'rtseg export --model " + dir + " --out DIR'");
        }
        Model model = create(SupernetConfig.load(config), device);
        try {
            model.load(dir, ModelDirectory.MODEL_NAME);
        } catch (MalformedModelException | IllegalArgumentException e) {
            model.close();
            throw new IOException(dir + ": folded parameters do not match " + ModelDirectory.CONFIG + " (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            model.close();
            throw new IOException(dir + ": cannot read the parameters: " + e.getMessage(), e);
        }
        return model;
    }

    /**
     * Loads a model directory for inference, whichever form it holds: deploy or training graph.
     *
     * @param dir the model directory
     * @param device where the model lives
     * @return the loaded model; the caller closes it
     * @throws IOException if the directory cannot be read or is not a valid model of either form
     */
    public static Model loadForInference(Path dir, Device device) throws IOException {
        return isDeploy(dir) ? load(dir, device) : ModelDirectory.load(dir, device);
    }

    /** A fresh deploy model of a deploy config: the network with every conv's BatchNorm removed, channels-last. */
    private static Model create(SupernetConfig deployConfig, Device device) {
        Engines.pytorch();
        Model model = Model.newInstance(ModelDirectory.MODEL_NAME, device, Engines.PYTORCH);
        Supernet net = Supernet.of(deployConfig);
        removeNorms(net);
        net.useChannelsLast(true);
        model.setBlock(net);
        net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, Supernet.STRIDE, Supernet.STRIDE));
        model.setProperty(FORM_PROPERTY, DEPLOY_FORM);
        return model;
    }

    /** Copies every parameter the deploy network keeps, folding each conv's BatchNorm on the way. */
    private static void copyFolded(Supernet source, Supernet target) {
        ChosenPaths paths = new ChosenPaths(source);
        Map<String, Block> targets = blocks(target);
        int copied = 0;
        for (Map.Entry<String, Block> e : blocks(source).entrySet()) {
            String path = paths.rename(e.getKey());
            if (path == null) {
                continue;
            }
            Block to = targets.get(path);
            if (e.getValue() instanceof ConvBnAct conv) {
                copied += fold(conv, (ConvBnAct) to);
            } else {
                for (Pair<String, Parameter> p : e.getValue().getDirectParameters()) {
                    set(to, p.getKey(), p.getValue().getArray().toFloatArray());
                    copied++;
                }
            }
        }
        int expected = target.getParameters().size();
        if (copied != expected) {
            throw new IllegalStateException("export set " + copied + " of the deploy network's " + expected + " parameters");
        }
    }

    private static int fold(ConvBnAct from, ConvBnAct to) {
        Block conv = from.getChildren().get("conv");
        Block target = to.getChildren().get("conv");
        float[] weight = values(conv, "weight");
        float[] bias = from.hasBias() ? values(conv, "bias") : null;
        if (from.hasNorm()) {
            Block bn = from.getChildren().get("bn");
            BatchNormFolding.Folded f = BatchNormFolding.fold(weight, bias, values(bn, "gamma"), values(bn, "beta"),
                    values(bn, "runningMean"), values(bn, "runningVar"), ConvBnAct.NORM_EPSILON);
            weight = f.weight();
            bias = f.bias();
        }
        set(target, "weight", weight);
        if (bias != null) {
            set(target, "bias", bias);
        }
        return bias != null ? 2 : 1;
    }

    private static float[] values(Block block, String name) {
        return block.getDirectParameters().get(name).getArray().toFloatArray();
    }

    private static void set(Block block, String name, float[] values) {
        Parameter p = block.getDirectParameters().get(name);
        if (p == null || p.getArray().size() != values.length) {
            throw new IllegalStateException("deploy parameter " + name + " of " + block + " does not fit " + values.length + " values");
        }
        p.getArray().set(values);
    }

    /**
     * Gives every convolution unit of a block, the block itself included, the deploy graph's
     * structure: its BatchNorm removed ({@link ConvBnAct#removeNormForFolding}), before initialisation.
     * No weights are folded; {@link #export} folds a trained network's.
     *
     * @param block a block not yet initialised
     */
    public static void removeNorms(Block block) {
        List<Block> all = new ArrayList<>(blocks(block).values());
        all.add(block);
        for (Block b : all) {
            if (b instanceof ConvBnAct conv) {
                conv.removeNormForFolding();
            }
        }
    }

    /** Every block under a network by dotted path; a {@link ConvBnAct} is one unit. */
    private static Map<String, Block> blocks(Block root) {
        Map<String, Block> all = new LinkedHashMap<>();
        collect("", root, all);
        return all;
    }

    private static void collect(String prefix, Block block, Map<String, Block> all) {
        for (Pair<String, Block> child : block.getChildren()) {
            String path = prefix.isEmpty() ? child.getKey() : prefix + "." + child.getKey();
            all.put(path, child.getValue());
            if (!(child.getValue() instanceof ConvBnAct)) {
                collect(path, child.getValue(), all);
            }
        }
    }

    /**
     * Where the modules of a trained network go in its deploy form: the chosen candidate of each
     * mixed block becomes the only one, named after its type; other candidates and the aux heads go.
     */
    private static final class ChosenPaths {
        private final Map<String, String> renamed = new LinkedHashMap<>();
        private final List<String> dropped = new ArrayList<>();

        ChosenPaths(Supernet net) {
            List<SegmentStage> stages = net.segment().stages();
            for (int s = 0; s < stages.size(); s++) {
                List<MixedBlock> mixed = stages.get(s).mixedBlocks();
                for (int b = 0; b < mixed.size(); b++) {
                    String block = "segment.stage" + (s + 1) + ".mixed" + b + ".";
                    for (MixedBlock.Candidate c : mixed.get(b).candidates()) {
                        if (c == mixed.get(b).chosen()) {
                            renamed.put(block + c.name(), block + c.type());
                        } else {
                            dropped.add(block + c.name());
                        }
                    }
                }
            }
            for (int i = 0; i < net.auxHeads().size(); i++) {
                dropped.add("aux" + i);
            }
        }

        /** The path in the deploy network, or null for a module it does not have. */
        String rename(String path) {
            for (String d : dropped) {
                if (within(path, d)) {
                    return null;
                }
            }
            for (Map.Entry<String, String> r : renamed.entrySet()) {
                if (within(path, r.getKey())) {
                    return r.getValue() + path.substring(r.getKey().length());
                }
            }
            return path;
        }

        private static boolean within(String path, String module) {
            return path.equals(module) || path.startsWith(module + ".");
        }
    }
}
