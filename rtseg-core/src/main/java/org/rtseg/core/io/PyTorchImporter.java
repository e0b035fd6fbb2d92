package org.rtseg.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rtseg.core.supernet.Supernet;

/**
 * Loads a PyTorch BiSeNetV2 {@code state_dict} (CoinCheung/BiSeNet naming, saved as npz) into a
 * {@link Supernet} built from the {@code bisenetv2} preset — how published pretrained weights come
 * to Java.
 *
 * <p>Every tensor is accounted for: a PyTorch name that maps to no parameter, a parameter that no
 * tensor fills, or a shape that differs is an error listing all such names. BatchNorm's {@code
 * num_batches_tracked} has no counterpart and is skipped.
 */
public final class PyTorchImporter {

    /** PyTorch module paths → rtseg module paths, applied in order. */
    private static final List<Pair<Pattern, String>> RULES = List.of(
            rule("^detail\\.S(\\d)\\.(\\d+)\\.", "detail.S$1_$2."),
            rule("^segment\\.S1S2\\.left\\.(\\d)\\.", "segment.stem.left$1."),
            rule("^segment\\.S1S2\\.", "segment.stem."),
            rule("^segment\\.S5_5\\.", "segment.ce."),
            rule("\\.(dwconv|dwconv1|dwconv2|conv2)\\.0\\.", ".$1.conv."),
            rule("\\.(dwconv|dwconv1|dwconv2|conv2)\\.1\\.", ".$1.bn."),
            rule("\\.shortcut\\.0\\.", ".shortcut.dw.conv."),
            rule("\\.shortcut\\.1\\.", ".shortcut.dw.bn."),
            rule("\\.shortcut\\.2\\.", ".shortcut.pw.conv."),
            rule("\\.shortcut\\.3\\.", ".shortcut.pw.bn."),
            rule("^bga\\.(left1|right2)\\.0\\.", "bga.$1_dw.conv."),
            rule("^bga\\.(left1|right2)\\.1\\.", "bga.$1_dw.bn."),
            rule("^bga\\.(left1|right2)\\.2\\.", "bga.$1_pw.conv."),
            rule("^bga\\.(left2|right1|conv)\\.0\\.", "bga.$1.conv."),
            rule("^bga\\.(left2|right1|conv)\\.1\\.", "bga.$1.bn."),
            rule("\\.conv_out\\.0\\.1\\.", ".upconv."),
            rule("\\.conv_out\\.1\\.", ".classifier.conv."),
            rule("^aux2\\.", "aux0."),
            rule("^aux3\\.", "aux1."),
            rule("^aux4\\.", "aux2."),
            rule("^aux5_4\\.", "aux3."));

    private static final Pattern STAGE_BLOCK = Pattern.compile("^segment\\.S(3|4|5_4)\\.(\\d+)\\.");

    private static final Map<String, String> BN_LEAVES = Map.of(
            "weight", "gamma", "bias", "beta", "running_mean", "runningMean", "running_var", "runningVar");

    private PyTorchImporter() {}

    private static Pair<Pattern, String> rule(String regex, String replacement) {
        return new Pair<>(Pattern.compile(regex), replacement);
    }

    /**
     * The rtseg parameter name of a PyTorch BiSeNetV2 tensor name, e.g. {@code
     * segment.S3.0.shortcut.3.running_var} → {@code segment_stage1_down_shortcut_pw_bn_runningVar}.
     *
     * @param torchName a tensor name of the reference implementation's {@code state_dict}
     * @return the DJL parameter name of the same tensor in the BiSeNetV2 preset
     */
    public static String rtsegName(String torchName) {
        int dot = torchName.lastIndexOf('.');
        String path = stageBlock(torchName.substring(0, dot + 1));
        for (Pair<Pattern, String> r : RULES) {
            path = r.getKey().matcher(path).replaceAll(r.getValue());
        }
        String leaf = torchName.substring(dot + 1);
        if (path.endsWith(".bn.")) {
            leaf = BN_LEAVES.getOrDefault(leaf, leaf);
        }
        return (path + leaf).replace('.', '_');
    }

    /** Segment stage blocks: index 0 is the stage's downsample, the rest are one-path mixed blocks. */
    private static String stageBlock(String path) {
        Matcher m = STAGE_BLOCK.matcher(path);
        if (!m.find()) {
            return path;
        }
        int stage = switch (m.group(1)) {
            case "3" -> 1;
            case "4" -> 2;
            default -> 3;
        };
        int index = Integer.parseInt(m.group(2));
        String block = index == 0 ? "down" : "mixed" + (index - 1) + ".ge";
        return "segment.stage" + stage + "." + block + "." + path.substring(m.end());
    }

    /**
     * Copies the tensors of an npz {@code state_dict} into an initialised network.
     *
     * @param network the network, initialised, built from the {@code bisenetv2} preset (any class
     *     count)
     * @param weights the npz file
     * @return the number of tensors copied
     * @throws IOException when the file is unreadable or the tensors do not fit the network
     */
    public static int load(Supernet network, Path weights) throws IOException {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : network.getParameters()) {
            params.put(p.getKey(), p.getValue());
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList tensors = Npy.read(manager, weights);
            Map<String, NDArray> matched = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            for (NDArray t : tensors) {
                String torchName = t.getName();
                if (torchName == null) {
                    problems.add("an unnamed array (save the state_dict with numpy.savez(path, **state_dict))");
                } else if (!torchName.endsWith("num_batches_tracked")) {
                    match(torchName, t, params, matched, problems);
                }
            }
            TreeSet<String> unfilled = new TreeSet<>(params.keySet());
            tensors.forEach(t -> unfilled.remove(t.getName() == null ? "" : rtsegName(t.getName())));
            unfilled.forEach(n -> problems.add("no tensor for parameter " + n));
            if (!problems.isEmpty()) {
                throw new IOException(weights + ": the weights do not fit the network (" + problems.size()
                        + " problems; is it a BiSeNetV2 state_dict of CoinCheung/BiSeNet?):\n  "
                        + String.join("\n  ", problems));
            }
            matched.forEach((name, t) -> params.get(name).getArray().set(t.toType(DataType.FLOAT32, false).toByteBuffer()));
            return matched.size();
        }
    }

    private static void match(
            String torchName, NDArray t, Map<String, Parameter> params, Map<String, NDArray> matched, List<String> problems) {
        String name = rtsegName(torchName);
        Parameter p = params.get(name);
        if (p == null) {
            problems.add(torchName + " has no counterpart (looked for " + name + ")");
        } else if (!p.getArray().getShape().equals(t.getShape())) {
            problems.add(torchName + " has shape " + t.getShape() + " but " + name + " expects " + p.getArray().getShape());
        } else {
            matched.put(name, t);
        }
    }
}
