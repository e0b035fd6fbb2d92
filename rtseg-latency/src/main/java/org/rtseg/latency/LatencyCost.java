package org.rtseg.latency;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.rtseg.core.Engines;
import org.rtseg.core.nn.ChannelGraph;
import org.rtseg.core.nn.Tensors;
import org.rtseg.core.nn.ChannelGraph.Space;
import org.rtseg.search.CostModel;
import org.rtseg.search.GumbelChoice;
import org.rtseg.search.SearchSpace;

/**
 * The latency regulariser of eq. 9: the predicted latency, in ms, of the architecture a search is
 * at — Σ over the units of {@link NetworkUnits#allCandidates} of p·MLP(features), where the channel
 * features of every unit are the soft counts Σb of their channel spaces (so the gradient reaches
 * the mask weights through the straight-through estimator) and p is the unit's path probability
 * softmax(α) (1 outside mixed blocks), times the model's per-network scale. At binarised masks and
 * one-hot probabilities it equals {@link LatencyMlp#predictNetwork} of the extracted network.
 *
 * <p>All units go through the MLP in one batch; the features are one matrix product of the log
 * channel counts away from constants, so a step costs one small MLP forward and backward.
 */
public final class LatencyCost implements CostModel, AutoCloseable {

    private final LatencyMlp mlp;
    private final List<Space> spaces = new ArrayList<>();
    private final List<GumbelChoice> choices;
    private final int units;
    private final int width;
    private final float[] constant;
    private final float[] scatter;
    private final float[] baseWeight;
    private final float[] pathWeight;
    private final int paths;
    private final Map<Device, NDList> onDevice = new HashMap<>();
    private NDManager manager;

    /**
     * @param mlp the latency predictor of the target device
     * @param space the search space
     * @param input the input size latency is predicted at, e.g. 1×3×512×1024
     */
    public LatencyCost(LatencyMlp mlp, SearchSpace space, Shape input) {
        this.mlp = mlp;
        this.choices = space.choices();
        Features f = mlp.features();
        List<NetworkUnits.Unit> all = NetworkUnits.allCandidates(space.supernet(), input);
        units = all.size();
        width = f.size();
        ChannelGraph graph = space.graph();
        Map<Space, Integer> index = new IdentityHashMap<>();
        List<List<Slot>> slots = new ArrayList<>();
        constant = new float[units * width];
        Map<Object, Integer> choiceOffset = new IdentityHashMap<>();
        int offset = 0;
        for (GumbelChoice c : choices) {
            choiceOffset.put(c.block(), offset);
            offset += c.block().candidates().size();
        }
        paths = offset;
        baseWeight = new float[units];
        pathWeight = new float[paths * units];
        for (int r = 0; r < units; r++) {
            NetworkUnits.Unit u = all.get(r);
            float[] row = f.encode(u.spec());
            System.arraycopy(row, 0, constant, r * width, width);
            List<Slot> rowSlots = new ArrayList<>();
            addSlot(rowSlots, u.in(), f.inIndex(), graph, index);
            addSlot(rowSlots, u.out(), f.outIndex(), graph, index);
            for (Map.Entry<String, NetworkUnits.Ref> e : u.widths().entrySet()) {
                int col = f.widthIndex(u.spec().type(), e.getKey());
                if (col >= 0) {
                    addSlot(rowSlots, e.getValue(), col, graph, index);
                }
            }
            slots.add(rowSlots);
            Integer first = u.mixed() == null ? null : choiceOffset.get(u.mixed());
            if (first == null) {
                baseWeight[r] = 1;
            } else {
                pathWeight[(first + u.candidate()) * units + r] = 1;
            }
        }
        scatter = new float[index.size() * units * width];
        for (int r = 0; r < units; r++) {
            for (Slot s : slots.get(r)) {
                int col = s.column();
                int at = r * width + col;
                double mean = f.mean()[col];
                double std = f.std()[col];
                constant[at] = (float) (-mean / std);
                scatter[s.space() * units * width + at] = (float) (1 / std);
            }
        }
        // The slots index the spaces in first-seen order.
        Space[] ordered = new Space[index.size()];
        index.forEach((sp, i) -> ordered[i] = sp);
        spaces.addAll(List.of(ordered));
    }

    private record Slot(int space, int column) {}

    private static void addSlot(List<Slot> slots, NetworkUnits.Ref ref, int column, ChannelGraph graph, Map<Space, Integer> index) {
        Space space = NetworkUnits.space(ref, graph);
        if (space != null) {
            slots.add(new Slot(index.computeIfAbsent(space, k -> index.size()), column));
        }
    }

    /**
     * Number of units (rows of the MLP batch).
     *
     * @return the number of units of every candidate path
     */
    public int units() {
        return units;
    }

    /**
     * Number of distinct channel spaces whose soft counts enter the features.
     *
     * @return the number of spaces
     */
    public int softCounts() {
        return spaces.size();
    }

    /**
     * Number of path probabilities (all candidates of the searched mixed blocks).
     *
     * @return the total number of candidates over the searched mixed blocks
     */
    public int paths() {
        return paths;
    }

    @Override
    public NDArray cost(SearchSpace space, ParameterStore ps) {
        Device device = space.architectureParameters().isEmpty()
                ? ps.getManager().getDevice()
                : space.architectureParameters().get(0).getArray().getDevice();
        NDList counts = new NDList();
        Map<Space, NDArray> cache = new IdentityHashMap<>();
        for (Space s : spaces) {
            counts.add(cache.computeIfAbsent(s, k -> space.channels(ps, k, device, true)).reshape(1));
        }
        NDList probabilities = new NDList();
        for (GumbelChoice c : choices) {
            probabilities.add(c.probabilities(ps, device, true));
        }
        NDManager m = ps.getManager();
        NDArray c = counts.isEmpty() ? m.zeros(new Shape(0)).toDevice(device, false) : NDArrays.concat(counts, 0);
        NDArray p = probabilities.isEmpty() ? m.zeros(new Shape(0)).toDevice(device, false) : NDArrays.concat(probabilities, 0);
        return cost(c, p);
    }

    /**
     * The predicted latency as a function of the soft inputs, differentiable in both.
     *
     * @param counts the soft channel count of each space ({@link #softCounts()} values, in the order
     *     {@link #cost(SearchSpace, ParameterStore)} gathers them); counts below 1 read as 1
     * @param probabilities the path probabilities of every searched mixed block, concatenated
     * @return the predicted milliseconds, a scalar
     */
    public NDArray cost(NDArray counts, NDArray probabilities) {
        if (counts.size() != spaces.size() || probabilities.size() != paths) {
            throw new IllegalArgumentException("expected " + spaces.size() + " counts and " + paths + " probabilities, got "
                    + counts.size() + " and " + probabilities.size());
        }
        NDList k = constants(counts.getDevice());
        NDArray features = k.get(0);
        if (!spaces.isEmpty()) {
            NDArray logs = counts.maximum(1f).log().div((float) Math.log(2));
            features = logs.reshape(1, spaces.size()).matMul(k.get(1)).reshape(units * width).add(features);
        }
        NDArray ms = mlp.forward(features.reshape(units, width)).exp();
        NDArray weight = k.get(2);
        if (paths > 0) {
            weight = probabilities.reshape(1, paths).matMul(k.get(3)).reshape(units).add(weight);
        }
        NDArray sum = ms.mul(weight).sum();
        return sum.mul(Tensors.scalar(sum, mlp.networkScale()));
    }

    private synchronized NDList constants(Device device) {
        return onDevice.computeIfAbsent(device, d -> {
            if (manager == null) {
                manager = Engines.pytorch().newBaseManager();
            }
            NDList l = new NDList();
            l.add(manager.create(constant, new Shape(units * width)).toDevice(d, false));
            l.add(manager.create(scatter, new Shape(spaces.size(), units * width)).toDevice(d, false));
            l.add(manager.create(baseWeight, new Shape(units)).toDevice(d, false));
            l.add(manager.create(pathWeight, new Shape(paths, units)).toDevice(d, false));
            return l;
        });
    }

    @Override
    public String unit() {
        return "ms";
    }

    /** Frees the constants; the predictor stays open (its owner closes it). */
    @Override
    public synchronized void close() {
        if (manager != null) {
            manager.close();
            manager = null;
        }
        onDevice.clear();
    }
}
