package org.rtseg.data.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.rtseg.data.LabelFormat;

class ConfusionMatrixTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void countsRowsColumnsAndMisses() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        // gt:   0 0 1 1 2 255 2
        // pred: 0 1 1 7 255 0  2   (7 and 255 are no class: misses)
        m.update(bytes(0, 0, 1, 1, 2, 255, 2), bytes(0, 1, 1, 7, 255, 0, 2));
        assertEquals(1, m.get(0, 0));
        assertEquals(1, m.get(0, 1));
        assertEquals(1, m.get(1, 3));
        assertEquals(1, m.get(2, 3));
        assertEquals(6, m.totalPixels());
        assertEquals(2, m.groundTruthPixels(1));
        assertEquals(2, m.predictedPixels(1));
        SegmentationMetrics s = SegmentationMetrics.of(m, "t", List.of("a", "b", "c"), AveragingRule.NON_NAN_CLASSES, Map.of());
        assertEquals(1.0 / 2, s.iou()[0], 1e-15); // tp 1, fn 1, fp 0
        assertEquals(1.0 / 3, s.iou()[1], 1e-15); // tp 1, fn 1 (miss), fp 1
        assertEquals(1.0 / 2, s.iou()[2], 1e-15); // tp 1, fn 1 (miss)
        assertEquals(3.0 / 6, s.pixelAccuracy(), 1e-15);
        assertEquals(0.5, s.accuracy()[1], 1e-15);
        double fw = 2.0 / 6 * 0.5 + 2.0 / 6 / 3 + 2.0 / 6 * 0.5;
        assertEquals(fw, s.frequencyWeightedIoU(), 1e-15);
    }

    @Test
    void tablePathEqualsSimplePathAndMergesExactly() {
        int n = 19;
        int size = 2048 * 128;
        SplittableRandom r = new SplittableRandom(3);
        byte[] gt = new byte[size];
        byte[] pred = new byte[size];
        for (int i = 0; i < size; i++) {
            gt[i] = (byte) (r.nextInt(10) == 0 ? 255 : r.nextInt(n));
            pred[i] = (byte) (r.nextInt(20) == 0 ? r.nextInt(256) : r.nextInt(n));
        }
        ConfusionMatrix table = new ConfusionMatrix(n);
        table.update(gt, pred);
        ConfusionMatrix ints = new ConfusionMatrix(n);
        int[] g = IntStream.range(0, size).map(i -> gt[i] & 0xFF).toArray();
        int[] p = IntStream.range(0, size).map(i -> pred[i] & 0xFF).toArray();
        ints.update(g, p);
        ConfusionMatrix halves = new ConfusionMatrix(n);
        ConfusionMatrix second = new ConfusionMatrix(n);
        halves.update(java.util.Arrays.copyOf(g, size / 2), java.util.Arrays.copyOf(p, size / 2));
        second.update(java.util.Arrays.copyOfRange(g, size / 2, size), java.util.Arrays.copyOfRange(p, size / 2, size));
        halves.merge(second);
        for (int a = 0; a < n; a++) {
            for (int b = 0; b <= n; b++) {
                assertEquals(ints.get(a, b), table.get(a, b));
                assertEquals(ints.get(a, b), halves.get(a, b));
            }
        }
    }

    @Test
    void acceptsNdArraysOfAnyIntegerType() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ConfusionMatrix m = new ConfusionMatrix(2);
            m.update(manager.create(new int[] {0, 1, 1, 255}, new Shape(2, 2)),
                    manager.create(new long[] {0, 1, 0, 1}, new Shape(2, 2)));
            assertEquals(1, m.get(0, 0));
            assertEquals(1, m.get(1, 1));
            assertEquals(1, m.get(1, 0));
            assertEquals(3, m.totalPixels());
            assertThrows(IllegalArgumentException.class, () -> m.update(manager.zeros(new Shape(2, 2)), manager.zeros(new Shape(4))));
        }
    }

    @Test
    void averagingRulesDifferOnlyInAbsentClasses() {
        ConfusionMatrix m = new ConfusionMatrix(4);
        m.update(bytes(0, 0, 1), bytes(0, 0, 1));
        SegmentationMetrics cityscapes = SegmentationMetrics.of(m, "t", List.of("a", "b", "c", "d"), AveragingRule.NON_NAN_CLASSES, Map.of());
        SegmentationMetrics ade = SegmentationMetrics.of(m, "t", List.of("a", "b", "c", "d"), AveragingRule.ALL_CLASSES, Map.of());
        assertEquals(1.0, cityscapes.meanIoU(), 0);
        assertEquals(0.5, ade.meanIoU(), 0);
        assertTrue(Double.isNaN(cityscapes.iou()[2]));
        assertEquals(2, cityscapes.definedClasses());
        assertTrue(ade.toTable().contains("ADE20K devkit rule"));
        assertTrue(ade.toJson().contains("\"iou\" : null"), ade.toJson());
    }

    @Test
    void categoriesPoolTheirClassesAsCityscapesScripts() {
        LabelFormat f = LabelFormat.CITYSCAPES;
        ConfusionMatrix m = new ConfusionMatrix(19);
        // road predicted as sidewalk is right for "flat"; car predicted as truck is right for "vehicle";
        // a person predicted as an ignored id is a miss for "human".
        m.update(new int[] {0, 13, 11, 11}, new int[] {1, 14, 255, 11});
        SegmentationMetrics s = SegmentationMetrics.of(m, f);
        assertEquals(1.0, s.categoryIoU().get("flat"), 0);
        assertEquals(1.0, s.categoryIoU().get("vehicle"), 0);
        assertEquals(0.5, s.categoryIoU().get("human"), 0);
        assertTrue(Double.isNaN(s.categoryIoU().get("sky")));
        assertEquals(2.5 / 3, s.categoryMeanIoU(), 1e-15);
    }
}
