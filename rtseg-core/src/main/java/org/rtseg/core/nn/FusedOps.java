package org.rtseg.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.rtseg.core.Engines;

/**
 * The inference operations of the deploy graph that DJL's eager API does not offer, run by libtorch
 * itself: a convolution whose ReLU works in place on the convolution's output, and the conversion
 * of feature maps to the channels-last memory format (which DJL reads and writes like any other
 * array: its readers copy to the default layout first).
 *
 * <p>Why: after BatchNorm folding, a unit's ReLU is the last pass over its feature map, and DJL's
 * out-of-place ReLU allocates a second map of the same size (at 512×1024 the detail branch's maps
 * are 32 MB, above glibc's mmap threshold, so every allocation page-faults anew). In channels-last
 * layout oneDNN convolves without reordering its input and output on every call. On a 2-core CPU
 * the two together take about a third off the detail branch of BiSeNetV2 at 512×1024. Neither
 * changes a value: the ReLU is the same function, and a memory format only changes strides.
 *
 * <p>The eval graph uses one more outside autograd ({@link #inference}): BatchNorm with an in-place
 * ReLU.
 *
 * <p>The operations are TorchScript methods of a module compiled from {@link #SOURCE} when first
 * used: the module is written in memory as a TorchScript archive (the zip layout {@code
 * torch.jit.save} writes: code, pickled module object without tensors, constants, version) and
 * loaded through DJL, since DJL 0.36 exposes TorchScript modules but neither in-place activations
 * nor memory formats. DJL runs such methods in libtorch's inference mode, so their results cannot
 * enter autograd: only eval-mode passes use them.
 */
public final class FusedOps {

    /** The TorchScript source of the module; {@code memory_format=2} is {@code torch.channels_last}. */
    static final String SOURCE = """
            class FusedOps(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def conv2d_relu(self, x: Tensor, weight: Tensor, bias: Tensor, stride: int, padding: int, groups: int) -> Tensor:
                return torch.relu_(torch.conv2d(x, weight, bias, [stride, stride], [padding, padding], [1, 1], groups))
              def channels_last(self, x: Tensor) -> Tensor:
                return x.contiguous(memory_format=2)
              def batch_norm_relu(self, x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, var: Tensor, eps: float) -> Tensor:
                return torch.relu_(torch.batch_norm(x, weight, bias, mean, var, False, 0.0, eps, True))
            """;

    private FusedOps() {}

    /**
     * {@code relu(conv2d(x, weight, bias))} with the ReLU applied in place to the convolution's
     * output; square stride and padding, dilation 1.
     *
     * @param x the NCHW input, a PyTorch-engine array
     * @param weight the convolution weights, (out, in/groups, k, k)
     * @param bias the bias, one value per output channel
     * @param stride the stride on both axes
     * @param padding the zero padding on every side
     * @param groups the convolution groups
     * @return the activated output, owned by {@code x}'s manager; not part of autograd
     * @throws IllegalArgumentException if an array is not a PyTorch-engine array
     */
    public static NDArray conv2dRelu(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int groups) {
        return run("conv2d_relu", x, IValue.from(pt(weight)), IValue.from(pt(bias)),
                IValue.from((long) stride), IValue.from((long) padding), IValue.from((long) groups));
    }

    /**
     * The same values in channels-last (NHWC) memory layout; shape and indexing are unchanged.
     *
     * @param x an NCHW PyTorch-engine array
     * @return the array in channels-last layout, owned by {@code x}'s manager; not part of autograd
     * @throws IllegalArgumentException if {@code x} is not a PyTorch-engine array
     */
    public static NDArray channelsLast(NDArray x) {
        return run("channels_last", x);
    }

    /**
     * {@code relu(batch_norm(x))} of a BatchNorm in inference (running statistics), with the ReLU
     * applied in place to the normalised map, as PyTorch's {@code ReLU(inplace=True)} after {@code
     * BatchNorm2d} does: the eval graph's conv → BN → ReLU units then allocate and write two maps
     * rather than three.
     *
     * @param x the NCHW input, a PyTorch-engine array
     * @param gamma the scale γ, one value per channel
     * @param beta the shift β
     * @param mean the running mean
     * @param variance the running variance
     * @param epsilon ε added to the variance
     * @return the activated output, owned by {@code x}'s manager; not part of autograd
     * @throws IllegalArgumentException if an array is not a PyTorch-engine array
     */
    public static NDArray batchNormRelu(NDArray x, NDArray gamma, NDArray beta, NDArray mean, NDArray variance, double epsilon) {
        return run("batch_norm_relu", x, IValue.from(pt(gamma)), IValue.from(pt(beta)), IValue.from(pt(mean)),
                IValue.from(pt(variance)), IValue.from(epsilon));
    }

    /**
     * Whether a forward pass may use these operations: not training, and no gradient being
     * recorded (an eval-mode pass under a gradient collector, such as a distillation teacher's,
     * keeps to autograd's operations).
     *
     * @param training whether the forward pass trains
     * @return true for an inference pass
     */
    public static boolean inference(boolean training) {
        return !training && !JniUtils.isGradMode();
    }

    private static NDArray run(String method, NDArray x, IValue... rest) {
        IValue[] args = new IValue[rest.length + 1];
        args[0] = IValue.from(pt(x));
        System.arraycopy(rest, 0, args, 1, rest.length);
        try (IValue result = IValueUtils.runMethod(Module.INSTANCE, method, args)) {
            return result.toTensor((PtNDManager) x.getManager());
        } finally {
            for (IValue a : args) {
                a.close();
            }
        }
    }

    private static PtNDArray pt(NDArray x) {
        if (!(x instanceof PtNDArray p)) {
            throw new IllegalArgumentException("the deploy graph runs on the PyTorch engine, got an array of " + x.getManager().getEngine().getEngineName());
        }
        return p;
    }

    /** The compiled module, loaded once per JVM; it holds no tensors, so one serves every device. */
    private static final class Module {
        static final PtSymbolBlock INSTANCE = load();

        private static PtSymbolBlock load() {
            PtNDManager manager = (PtNDManager) Engines.pytorch().newBaseManager();
            try {
                return JniUtils.loadModule(manager, new ByteArrayInputStream(archive()), false, false);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the deploy graph's TorchScript operations", e);
            }
        }

        /** A TorchScript archive of {@link #SOURCE} whose pickled module object has only its {@code training} flag. */
        private static byte[] archive() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                entry(zip, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
                entry(zip, "code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
                entry(zip, "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
                entry(zip, "data.pkl", moduleObject());
            }
            return bytes.toByteArray();
        }

        private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
            zip.putNextEntry(new ZipEntry("archive/" + name));
            zip.write(data);
            zip.closeEntry();
        }

        /** Pickle protocol 2 of {@code __torch__.FusedOps} built from {@code {"training": False}}. */
        private static byte[] moduleObject() {
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            p.writeBytes(new byte[] {(byte) 0x80, 2}); // PROTO 2
            p.writeBytes("c__torch__\nFusedOps\n".getBytes(StandardCharsets.US_ASCII)); // GLOBAL
            p.writeBytes(new byte[] {')', (byte) 0x81, '}', '('}); // EMPTY_TUPLE NEWOBJ EMPTY_DICT MARK
            byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
            p.writeBytes(new byte[] {'X', (byte) key.length, 0, 0, 0}); // BINUNICODE, little-endian length
            p.writeBytes(key);
            p.writeBytes(new byte[] {(byte) 0x89, 'u', 'b', '.'}); // NEWFALSE SETITEMS BUILD STOP
            return p.toByteArray();
        }
    }
}
