package org.rtseg.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rtseg.data.FolderDataset;
import org.rtseg.data.ImageFiles;
import org.rtseg.data.LabelMap;
import org.rtseg.data.RgbImage;
import org.rtseg.data.SegmentationDataset;

/** The no-code {@code folder} dataset on the command line: {@code --dataset folder} and {@code data.dataset: folder}. */
class FolderDatasetCommandsTest {

    private static final int WIDTH = 16;
    private static final int HEIGHT = 12;

    @TempDir Path dir;

    /**
     * A folder dataset of three classes (label value 7 unscored) with {@code frames} frames in split
     * {@code split}; frame i's column x holds class (x + i) % 3, its first row is unscored.
     */
    static Path writeFolder(Path dir, String split, int frames) throws IOException {
        Path root = dir.resolve("roads");
        Files.createDirectories(root);
        Files.writeString(root.resolve("dataset.json"), "{\"classes\": [\"background\", \"road\", \"car\"], \"ignore\": 7}");
        for (int i = 0; i < frames; i++) {
            byte[] values = new byte[WIDTH * HEIGHT];
            for (int p = 0; p < values.length; p++) {
                values[p] = (byte) (p < WIDTH ? 7 : (p % WIDTH + i) % 3);
            }
            String name = "frame" + i;
            ImageFiles.writeRgbPng(root.resolve(split).resolve("images").resolve(name + ".png"),
                    new RgbImage(WIDTH, HEIGHT, new byte[WIDTH * HEIGHT * 3]));
            ImageFiles.writeIndexPng(root.resolve(split).resolve("labels").resolve(name + ".png"), new LabelMap(WIDTH, HEIGHT, values), null);
        }
        return root;
    }

    @Test
    void evaluatePredictionsScoresAFolderDataset() throws Exception {
        Path root = writeFolder(dir, "val", 2);
        Path json = dir.resolve("scores.json");
        // The labels themselves as predictions, but for the unscored value, which no prediction may hold.
        Path predictions = dir.resolve("pred");
        for (int i = 0; i < 2; i++) {
            LabelMap label = ImageFiles.readIndex(root.resolve("val/labels/frame" + i + ".png"));
            byte[] values = label.values().clone();
            java.util.Arrays.fill(values, 0, WIDTH, (byte) 0);
            ImageFiles.writeIndexPng(predictions.resolve("frame" + i + ".png"), new LabelMap(WIDTH, HEIGHT, values), null);
        }
        EvaluatePredictionsCommandTest.Run r = EvaluatePredictionsCommandTest.run("evaluate-predictions", "--dataset", "folder", "--root", root.toString(),
                "--predictions", predictions.toString(), "--json", json.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("roads val: " + 2 * WIDTH * (HEIGHT - 1) + " scored pixels"), r.out());
        assertEquals(1.0, new ObjectMapper().readTree(json.toFile()).get("mIoU").asDouble(), 0);
    }

    @Test
    void aRunConfigTrainsOnAFolderDatasetWithItsClassCount() throws Exception {
        Path root = writeFolder(dir, "train", 3);
        Path file = dir.resolve("run.json");
        Files.writeString(file, PhaseCommandsTest.RUN);
        RunConfig run = RunConfig.load(file, List.of("data.dataset=folder", "data.root=" + root, "data.split=train",
                "data.cropHeight=8", "data.cropWidth=8"));
        assertEquals(3, run.networkConfig().numClasses(), "the class count of dataset.json, not the network's 8");
        SegmentationDataset train = run.data().training(2);
        assertInstanceOf(FolderDataset.class, train);
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch batch = train.getData(manager).iterator().next();
            assertEquals(new Shape(2, 3, 8, 8), batch.getData().head().getShape());
            batch.close();
        }
    }

    @Test
    void aBadDescriptionStopsTheRunNamingTheFile() throws Exception {
        Path root = writeFolder(dir, "train", 1);
        Files.writeString(root.resolve("dataset.json"), "{\"classes\": [\"background\", \"road\"], \"palette\": [[0, 0, 0]]}");
        Path file = dir.resolve("run.json");
        Files.writeString(file, PhaseCommandsTest.RUN);
        CoreCommandsTest.Run r = CoreCommandsTest.run("pretrain", "--config", file.toString(), "--work", dir.resolve("w").toString(),
                "--set", "data.dataset=folder", "--set", "data.root=" + root);
        assertEquals(1, r.code());
        assertTrue(r.err().contains(root.resolve("dataset.json") + ": has a palette of 1 colours for 2 classes"), r.err());
    }

    @Test
    void inferDrawsWithTheFolderDatasetsClassesGivenItsRoot() throws Exception {
        Path root = writeFolder(dir, "train", 1);
        assertEquals(List.of("background", "road", "car"), InferCommand.format("folder", root, 3).classNames());
        IllegalArgumentException noRoot = assertThrows(IllegalArgumentException.class, () -> InferCommand.format("folder", null, 3));
        assertTrue(noRoot.getMessage().contains("dataset.json"), noRoot.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> InferCommand.format("kitti", null, 3));
        assertTrue(unknown.getMessage().contains("synthetic or one of cityscapes, voc, ade20k, camvid, folder, was kitti"),
                unknown.getMessage());
    }

    @Test
    void anUnknownDatasetIsAUsageErrorListingFolder() {
        CoreCommandsTest.Run r = CoreCommandsTest.run("evaluate", "--model", dir.toString(), "--dataset", "kitti", "--root", dir.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown dataset 'kitti'; registered datasets: cityscapes, voc, ade20k, camvid, folder"), r.err());
    }
}
