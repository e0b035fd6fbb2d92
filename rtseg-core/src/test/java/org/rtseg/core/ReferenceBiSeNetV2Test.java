package org.rtseg.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.Npy;
import org.rtseg.core.io.PyTorchImporter;
import org.rtseg.core.supernet.Supernet;

/** The Java network is the reference PyTorch BiSeNetV2: same weights in, same tensors out. */
class ReferenceBiSeNetV2Test {

    private static final double TOLERANCE = 1e-4;
    private static NDManager manager;
    private static Supernet net;
    private static Path io;
    private static NDArray input;

    @BeforeAll
    static void importReference() throws IOException {
        Path dir = Shared.require("reference/bisenetv2");
        io = dir.resolve("io");
        manager = NDManager.newBaseManager();
        net = Supernet.of(SupernetConfig.preset("bisenetv2"));
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 128, 256));
        assertEquals(321, PyTorchImporter.load(net, dir.resolve("weights.npz")), "tensors copied");
        input = Npy.readArray(manager, io.resolve("input.npy"));
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            manager.close();
        }
    }

    @Test
    void mainLogitsEqualReference() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = net.forward(new ParameterStore(m, false), new NDList(input), false).singletonOrThrow();
            assertClose("logits", logits);
        }
    }

    @Test
    void auxLogitsEqualReference() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            NDList aux = new NDList();
            NDList features = net.segment().forward(new ParameterStore(m, false), new NDList(input), false);
            String[] names = {"aux2", "aux3", "aux4", "aux5_4"};
            for (int i = 0; i < names.length; i++) {
                NDArray out = net.auxHeads().get(i).forward(new ParameterStore(m, false), new NDList(features.get(i)), false).singletonOrThrow();
                assertClose(names[i], out);
            }
        }
    }

    @Test
    void intermediateFeaturesEqualReference() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray detail = net.detail().forward(ps, new NDList(input), false).singletonOrThrow();
            assertClose("feat_detail", detail);
            NDList segment = net.segment().forward(ps, new NDList(input), false);
            for (int i = 0; i < 5; i++) {
                assertClose("feat_segment_" + i, segment.get(i));
            }
            NDArray bga = net.bga().forward(ps, new NDList(detail, segment.get(4)), false).singletonOrThrow();
            assertClose("feat_bga", bga);
        }
    }

    private static void assertClose(String name, NDArray actual) throws IOException {
        NDArray expected = Npy.readArray(actual.getManager(), io.resolve(name + ".npy"));
        assertEquals(expected.getShape(), actual.getShape(), name + " shape");
        float diff = expected.sub(actual).abs().max().getFloat();
        assertTrue(diff <= TOLERANCE, name + ": max |Δ| = " + diff + " > " + TOLERANCE);
    }
}
