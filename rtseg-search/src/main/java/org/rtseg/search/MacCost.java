package org.rtseg.search;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.rtseg.core.blocks.MixedBlock;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.complexity.Tally;
import org.rtseg.core.nn.ChannelGraph.Space;
import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.Tensors;
import org.rtseg.core.supernet.Supernet;

/**
 * The MAC count of the eval graph as a differentiable function of the architecture (paper eq. 8),
 * in GMACs at a fixed input size, with the core's counting rule: each convolution costs
 * k²·Hout·Wout·Cout·Cin/groups with Cout and Cin the soft channel counts Σb of its spaces (a
 * depthwise or grouped expansion reads one channel per output), and each candidate path of a
 * searched mixed block is weighted by its probability softmax(α). Parts that are not convolutions
 * (attention) cost their fixed MACs. At binarised masks and one-hot choices it equals {@link
 * Complexity} of the extracted network.
 */
public final class MacCost implements CostModel {

    private record Conv(ConvBnAct conv, long pixels, GumbelChoice choice, int candidate) {}

    private final List<Conv> convs = new ArrayList<>();
    private final Map<GumbelChoice, double[]> pathConstants = new IdentityHashMap<>();
    private final double constant;

    /**
     * @param space the search space
     * @param input the input size the cost is measured at, e.g. 1×3×512×1024
     */
    public MacCost(SearchSpace space, Shape input) {
        Supernet net = space.supernet();
        Map<Object, Shape> inputs = new IdentityHashMap<>();
        net.count(input, Tally.observing(new Complexity.Options(false, true), inputs));
        Map<ConvBnAct, int[]> membership = new IdentityHashMap<>();
        for (int i = 0; i < space.choices().size(); i++) {
            GumbelChoice choice = space.choices().get(i);
            MixedBlock block = choice.block();
            double[] constants = new double[block.candidates().size()];
            for (int c = 0; c < constants.length; c++) {
                List<ConvBnAct> pathConvs = convsOf(block.candidates().get(c).block());
                for (ConvBnAct conv : pathConvs) {
                    membership.put(conv, new int[] {i, c});
                }
                constants[c] = nonConvolutionMacs(block.candidates().get(c), inputs.get(block), pathConvs, inputs);
            }
            pathConstants.put(choice, constants);
        }
        for (ConvBnAct conv : space.graph().convolutionOutputs().keySet()) {
            Shape in = inputs.get(conv);
            if (in == null) {
                continue; // an aux head: not part of the eval graph
            }
            Shape out = conv.count(in, Tally.discarding());
            int[] member = membership.get(conv);
            convs.add(new Conv(conv, out.get(2) * out.get(3),
                    member == null ? null : space.choices().get(member[0]), member == null ? -1 : member[1]));
        }
        long all = Complexity.of(net, input, Complexity.Options.EVAL).macs();
        long chosenPaths = 0;
        for (GumbelChoice choice : space.choices()) {
            MixedBlock block = choice.block();
            chosenPaths += Complexity.of(block.chosen().block(), inputs.get(block), Complexity.Options.EVAL).macs();
        }
        long outsideConvs = convs.stream().filter(c -> c.choice() == null).mapToLong(c -> fullMacs(c.conv(), inputs)).sum();
        constant = all - chosenPaths - outsideConvs;
    }

    private static double nonConvolutionMacs(MixedBlock.Candidate candidate, Shape input, List<ConvBnAct> convs, Map<Object, Shape> inputs) {
        long total = Complexity.of(candidate.block(), input, Complexity.Options.EVAL).macs();
        return total - convs.stream().mapToLong(c -> fullMacs(c, inputs)).sum();
    }

    private static long fullMacs(ConvBnAct conv, Map<Object, Shape> inputs) {
        Shape out = conv.count(inputs.get(conv), Tally.discarding());
        return (long) conv.outChannels() * (conv.inChannels() / conv.groups()) * conv.kernel() * conv.kernel() * out.get(2) * out.get(3);
    }

    private static List<ConvBnAct> convsOf(Block block) {
        List<ConvBnAct> found = new ArrayList<>();
        if (block instanceof ConvBnAct c) {
            found.add(c);
        }
        block.getChildren().values().forEach(child -> found.addAll(convsOf(child)));
        return found;
    }

    @Override
    public NDArray cost(SearchSpace space, ParameterStore ps) {
        Device device = space.masks().isEmpty() && space.choices().isEmpty()
                ? ps.getManager().getDevice()
                : space.architectureParameters().get(0).getArray().getDevice();
        Map<Space, NDArray> counts = new HashMap<>();
        Map<GumbelChoice, NDArray> probabilities = new IdentityHashMap<>();
        for (GumbelChoice choice : space.choices()) {
            probabilities.put(choice, choice.probabilities(ps, device, true));
        }
        NDManager scope = ps.getManager();
        NDArray total = scope.create((float) (constant / 1e9)).toDevice(device, false);
        for (Conv c : convs) {
            ConvBnAct conv = c.conv();
            NDArray out = counts.computeIfAbsent(space.graph().convolutionOutputs().get(conv), s -> space.channels(ps, s, device, true));
            NDArray macs = out.mul(Tensors.scalar(scope, out, conv.kernel() * conv.kernel() * c.pixels() / 1e9));
            if (conv.groups() == 1) {
                macs = macs.mul(counts.computeIfAbsent(space.graph().convolutionInputs().get(conv), s -> space.channels(ps, s, device, true)));
            } else if (conv.groups() != conv.inChannels()) {
                macs = macs.mul(Tensors.scalar(scope, macs, (double) conv.inChannels() / conv.groups()));
            }
            if (c.choice() != null) {
                macs = macs.mul(probabilities.get(c.choice()).get(c.candidate()));
            }
            total = total.add(macs);
        }
        for (GumbelChoice choice : space.choices()) {
            double[] constants = pathConstants.get(choice);
            NDArray p = probabilities.get(choice);
            for (int i = 0; i < constants.length; i++) {
                if (constants[i] != 0) {
                    total = total.add(p.get(i).mul(Tensors.scalar(scope, total, constants[i] / 1e9)));
                }
            }
        }
        return total;
    }

    @Override
    public String unit() {
        return "GMACs";
    }
}
