package org.rtseg.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training over several devices in one process, with the semantics of PyTorch's
 * DistributedDataParallel: every device holds a replica of the parameters and takes an equal shard
 * of the batch (so "batch 8 per GPU" is a batch of 8·k over k devices); the caller averages the
 * shards' losses, so after one backward pass the sum of the replicas' gradients is the gradient of
 * the mean loss over the whole batch. {@link #reduceGradients} adds that sum onto the model's own
 * parameters (replica 0, on the first device), one optimiser step updates them, and {@link
 * #broadcast} copies the new values to the other replicas — BatchNorm running statistics included,
 * which each replica updates from its own shard and which, as in DDP, the first replica's win. The
 * learning-rate schedule counts steps, not devices. With one device nothing is copied.
 *
 * <p>The replicas' forward passes are issued one after another from one thread; on GPUs the kernels
 * of different devices run concurrently because launches are asynchronous.
 */
public final class DataParallel implements AutoCloseable {

    private static final NDIndex ALL = new NDIndex(":");

    private final List<Device> devices;
    private final NDManager manager;
    private final Map<Parameter, NDArray[]> mirrors = new IdentityHashMap<>();

    /**
     * @param model the manager of the model being trained; its device is the first replica's
     * @param devices the devices, the model's first; the same device may appear more than once
     */
    public DataParallel(NDManager model, List<Device> devices) {
        if (devices.isEmpty() || !devices.get(0).equals(model.getDevice())) {
            throw new IllegalArgumentException("data-parallel training needs the model's device (" + model.getDevice()
                    + ") first in its device list, got " + devices);
        }
        this.devices = List.copyOf(devices);
        this.manager = model.newSubManager();
    }

    /**
     * Number of replicas.
     *
     * @return the number of devices given, repeats counted
     */
    public int size() {
        return devices.size();
    }

    /**
     * The replicas' devices.
     *
     * @return the devices, the model's first; unmodifiable
     */
    public List<Device> devices() {
        return devices;
    }

    /**
     * The parameter store a replica's forward pass reads its parameters from: the model's own for
     * replica 0, mirrors on the replica's device (created on first use) for the others.
     *
     * @param scope the manager of the forward pass
     * @param replica the replica's index, 0 to {@link #size()} − 1
     * @return a parameter store for that replica's forward pass
     */
    public ParameterStore store(NDManager scope, int replica) {
        if (replica == 0) {
            return new ParameterStore(scope, false);
        }
        return new ParameterStore(scope, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
                return parameter == null ? null : mirror(parameter, replica);
            }
        };
    }

    /**
     * A replica's shard of a batch: the {@code replica}-th of {@link #size()} equal parts along axis
     * 0, on the replica's device.
     *
     * @param batch the whole batch; its size must be a multiple of {@link #size()}
     * @param replica the replica's index, 0 to {@link #size()} − 1
     * @return the replica's shard, or {@code batch} itself with one device
     * @throws IllegalArgumentException if the batch does not split evenly over the devices
     */
    public NDArray shard(NDArray batch, int replica) {
        if (size() == 1) {
            return batch;
        }
        long n = batch.getShape().get(0);
        if (n % size() != 0) {
            throw new IllegalArgumentException("a batch of " + n + " does not split evenly over " + size() + " devices");
        }
        long per = n / size();
        return batch.get(new NDIndex("{}:{}", replica * per, (replica + 1) * per)).toDevice(devices.get(replica), false);
    }

    private synchronized NDArray mirror(Parameter parameter, int replica) {
        NDArray[] m = mirrors.computeIfAbsent(parameter, k -> new NDArray[devices.size()]);
        if (m[replica] == null) {
            Device device = devices.get(replica);
            NDArray copy;
            // Mirrors are made during a forward pass, under autograd: detach, or the copy would be a
            // node of the graph that sends its gradient to the parameter behind our back.
            try (NDArray value = parameter.getArray().stopGradient()) {
                copy = value.getDevice().equals(device) ? value.duplicate() : value.toDevice(device, true);
            }
            copy.attach(manager);
            if (parameter.requiresGradient()) {
                copy.setRequiresGradient(true);
            }
            m[replica] = copy;
        }
        return m[replica];
    }

    /**
     * Adds every replica's gradient of each trainable parameter onto the parameter's own gradient
     * and clears the replica's, so the parameter holds the gradient of the whole batch.
     *
     * @param parameters the model's parameters; those never mirrored or not trainable are skipped
     */
    public synchronized void reduceGradients(Iterable<Parameter> parameters) {
        for (Parameter p : parameters) {
            NDArray[] m = mirrors.get(p);
            if (m == null || !p.requiresGradient()) {
                continue;
            }
            // getGradient() returns a new handle each time: close them all.
            try (NDArray sum = p.getArray().getGradient()) {
                for (int r = 1; r < m.length; r++) {
                    if (m[r] == null) {
                        continue;
                    }
                    try (NDArray g = m[r].getGradient(); NDArray moved = g.toDevice(sum.getDevice(), true)) {
                        sum.addi(moved);
                        g.subi(g);
                    }
                }
            }
        }
    }

    /** Copies the value of every mirrored parameter — weights and running statistics — onto its replicas. */
    public synchronized void broadcast() {
        mirrors.forEach((p, m) -> {
            for (int r = 1; r < m.length; r++) {
                if (m[r] != null) {
                    try (NDArray value = p.getArray().toDevice(devices.get(r), true)) {
                        if (value.getShape().isScalar()) {
                            value.copyTo(m[r]);
                        } else {
                            m[r].set(ALL, value);
                        }
                    }
                }
            }
        });
    }

    /** Frees the mirrors. */
    @Override
    public synchronized void close() {
        mirrors.clear();
        manager.close();
    }
}
