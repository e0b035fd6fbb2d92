package org.rtseg.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.rtseg.core.distributed.Communicator;

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
 *
 * <p>Across processes (a {@link Communicator} of several ranks, each with its own devices) the
 * semantics stay DDP's: {@link #synchronize} gives every rank rank 0's parameters, at the start and
 * for the BatchNorm statistics at the end (training-mode BatchNorm does not read them); {@link
 * #reduceGradients} averages the ranks' gradients with one allreduce over a flat buffer — each
 * rank's loss being the mean over its own shards, the average is the gradient of the mean loss over
 * the global batch. Values the caller wants averaged too (the loss terms it logs) travel in the
 * same buffer. Data moves through host memory.
 */
public final class DataParallel implements AutoCloseable {

    private static final NDIndex ALL = new NDIndex(":");

    private final List<Device> devices;
    private final NDManager manager;
    private final Map<Parameter, NDArray[]> mirrors = new IdentityHashMap<>();
    private final Communicator processes;
    private ByteBuffer flat;
    private float[] scratch = new float[0];
    private long communicationNanos;

    /**
     * Data-parallel over the devices of this process alone.
     *
     * @param model the manager of the model being trained; its device is the first replica's
     * @param devices the devices, the model's first; the same device may appear more than once
     */
    public DataParallel(NDManager model, List<Device> devices) {
        this(model, devices, Communicator.single());
    }

    /**
     * Data-parallel over the devices of this process and over the ranks of a communicator.
     *
     * @param model the manager of the model being trained; its device is the first replica's
     * @param devices this process's devices, the model's first; the same device may appear more
     *     than once
     * @param processes the ranks of the run, each with as many devices as this one
     */
    public DataParallel(NDManager model, List<Device> devices, Communicator processes) {
        this.processes = processes;
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
            // A mirror outlives the forward pass that made it: keep it out of that pass's scope.
            NDScope.unregister(copy);
            if (parameter.requiresGradient()) {
                copy.setRequiresGradient(true);
            }
            m[replica] = copy;
        }
        return m[replica];
    }

    /**
     * Adds every replica's gradient of each trainable parameter onto the parameter's own gradient
     * and clears the replica's, so the parameter holds the gradient of this process's batch; across
     * ranks, then averages the parameters' gradients and {@code values} over the ranks in one
     * allreduce.
     *
     * @param parameters the model's trainable parameters, in the same order on every rank
     * @param values numbers to average over the ranks with the gradients, e.g. the loss terms
     * @return {@code values} averaged over the ranks (the same array in a single process)
     */
    public synchronized double[] reduceGradients(List<Parameter> parameters, double... values) {
        addReplicaGradients(parameters);
        if (processes.size() == 1) {
            return values;
        }
        long t0 = System.nanoTime();
        List<NDArray> gradients = new ArrayList<>(parameters.size());
        try {
            for (Parameter p : parameters) {
                gradients.add(p.getArray().getGradient());
            }
            Packed packed = pack(gradients, values.length);
            FloatBuffer buffer = packed.values();
            for (double v : values) {
                buffer.put((float) v);
            }
            processes.allReduceSum(buffer.rewind());
            unpack(packed, gradients, 1f / processes.size());
            double[] mean = new double[values.length];
            for (int i = 0; i < mean.length; i++) {
                mean[i] = buffer.get() / processes.size();
            }
            return mean;
        } finally {
            gradients.forEach(NDArray::close);
            communicationNanos += System.nanoTime() - t0;
        }
    }

    /**
     * Gives every rank rank 0's values of these parameters, in one broadcast: the weights at the
     * start of a run, the BatchNorm statistics (DDP's {@code broadcast_buffers}). The mirrors on
     * this process's other devices follow at the next {@link #broadcast()}.
     *
     * @param parameters the parameters, in the same order on every rank
     */
    public synchronized void synchronize(List<Parameter> parameters) {
        if (processes.size() == 1) {
            return;
        }
        long t0 = System.nanoTime();
        List<NDArray> values = parameters.stream().map(Parameter::getArray).toList();
        Packed packed = pack(values, 0);
        processes.broadcast(flat);
        unpack(packed, values, 1f);
        communicationNanos += System.nanoTime() - t0;
    }

    /**
     * Wall time spent exchanging with the other ranks so far — packing, the collectives, waiting
     * for the slowest rank, unpacking.
     *
     * @return seconds (0 in a single process)
     */
    public double communicationSeconds() {
        return communicationNanos / 1e9;
    }

    /**
     * Arrays packed into the flat buffer: {@code values} positioned after them (room for the extra
     * floats), and each array's own memory where it is in host memory (null where not).
     */
    private record Packed(FloatBuffer values, FloatBuffer[] memory) {}

    /** The arrays' values, as float32, in the flat buffer, followed by room for {@code extra} floats. */
    private Packed pack(List<NDArray> arrays, int extra) {
        long floats = extra;
        for (NDArray a : arrays) {
            floats += a.size();
        }
        long bytes = floats * Float.BYTES;
        if (flat == null || flat.capacity() != bytes) {
            flat = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
        }
        flat.clear();
        FloatBuffer[] memory = new FloatBuffer[arrays.size()];
        for (int i = 0; i < memory.length; i++) {
            NDArray a = arrays.get(i);
            if (inHostMemory(a)) {
                ByteBuffer own = a.toByteBuffer(true).order(ByteOrder.nativeOrder());
                memory[i] = own.asFloatBuffer();
                flat.put(own);
            } else {
                try (NDArray host = a.toDevice(Device.cpu(), true).toType(DataType.FLOAT32, false)) {
                    flat.put(host.toByteBuffer());
                }
            }
        }
        return new Packed(flat.rewind().asFloatBuffer().position(Math.toIntExact(floats - extra)), memory);
    }

    /**
     * Writes the flat buffer's leading values, times {@code scale}, into the packed arrays in place:
     * through their own memory where they have it in host memory, else through a copy. Leaves the
     * buffer positioned after them.
     */
    private void unpack(Packed packed, List<NDArray> arrays, float scale) {
        FloatBuffer buffer = packed.values().rewind();
        try (NDManager scope = manager.newSubManager(Device.cpu())) {
            for (int i = 0; i < arrays.size(); i++) {
                NDArray a = arrays.get(i);
                int n = Math.toIntExact(a.size());
                if (scratch.length < n) {
                    scratch = new float[n];
                }
                buffer.get(scratch, 0, n);
                if (scale != 1f) {
                    for (int j = 0; j < n; j++) {
                        scratch[j] *= scale;
                    }
                }
                if (packed.memory()[i] != null) {
                    packed.memory()[i].put(0, scratch, 0, n);
                } else {
                    NDArray value = scope.create(Arrays.copyOf(scratch, n), a.getShape());
                    assign(a, value.toDevice(a.getDevice(), false).toType(a.getDataType(), false));
                }
            }
        }
    }

    /**
     * Whether an array's own memory is reachable as a buffer ({@code toByteBuffer(true)}): float32
     * on the CPU, as parameters and their gradients are (contiguous). Packing and unpacking through
     * it saves the three to four native calls per parameter that copies cost.
     */
    private static boolean inHostMemory(NDArray a) {
        return a.getDevice().getDeviceType().equals(Device.Type.CPU) && a.getDataType() == DataType.FLOAT32;
    }

    private void addReplicaGradients(List<Parameter> parameters) {
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
                        assign(m[r], value);
                    }
                }
            }
        });
    }

    private static void assign(NDArray target, NDArray value) {
        if (value.getShape().isScalar()) {
            value.copyTo(target);
        } else {
            target.set(ALL, value);
        }
    }

    /** Frees the mirrors. */
    @Override
    public synchronized void close() {
        mirrors.clear();
        manager.close();
    }
}
