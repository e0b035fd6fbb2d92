package org.rtseg.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data config without the command line, and the registry of dataset types it names. */
class DataConfigTest {

    @TempDir Path dir;

    @Test
    void theBuiltInTypesHaveTheirFormatsAndCityscapesAloneSkipsUnlabelledFrames() throws Exception {
        List<LabelFormat> formats = List.of(LabelFormat.CITYSCAPES, LabelFormat.VOC, LabelFormat.ADE20K, LabelFormat.CAMVID);
        List<String> names = List.of("cityscapes", "voc", "ade20k", "camvid");
        for (int i = 0; i < names.size(); i++) {
            DatasetType type = DatasetTypes.get(names.get(i));
            assertSame(formats.get(i), type.format(null), names.get(i));
            assertEquals(names.get(i).equals("cityscapes"), type.imagesMayLackLabels(), names.get(i));
        }
        assertTrue(DatasetTypes.get("camvid").builder().setRoot(dir).build() instanceof CamVid);
        assertTrue(DatasetTypes.get(FolderDataset.NAME).builder().setRoot(dir).build() instanceof FolderDataset);
    }

    /** A Cityscapes training frame of 8×4 under {@code dir}, with or without its fine label (all labelId 0). */
    private void cityscapesFrame(String name, boolean labelled) throws Exception {
        String key = "aachen_000000_" + name;
        ImageFiles.writeRgbPng(dir.resolve("leftImg8bit/train/aachen").resolve(key + "_leftImg8bit.png"), ImageFilesTest.gradient(8, 4));
        if (labelled) {
            ImageFiles.writeIndexPng(dir.resolve("gtFine/train/aachen").resolve(key + "_gtFine_labelIds.png"),
                    new LabelMap(8, 4, new byte[32]), null);
        }
    }

    @Test
    void cityscapesFramesWithoutFineLabelsAreSkippedFromConfigsButNotOtherDatasetsFrames() throws Exception {
        cityscapesFrame("000019", true);
        cityscapesFrame("000020", false);
        DataConfig cityscapes = new DataConfig("cityscapes", dir.toString(), "train", 0, 0, 0, 0, 0, 0, null, 1, 1, false, 0, 0, false);
        assertEquals(1, cityscapes.training(1).size());
        Files.createDirectories(dir.resolve("train/labels"));
        ImageFiles.writeRgbPng(dir.resolve("train/images/a.png"), ImageFilesTest.gradient(8, 4));
        Files.writeString(dir.resolve("dataset.json"), "{\"classes\": [\"a\", \"b\"]}");
        DataConfig folder = new DataConfig("folder", dir.toString(), "train", 0, 0, 0, 0, 0, 0, null, 1, 1, false, 0, 0, false);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> folder.training(1));
        assertTrue(e.getMessage().contains("is an image without a label"), e.getMessage());
    }

    @Test
    void unknownNamesListTheRegisteredOnesAndSyntheticIsReserved() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> DatasetTypes.get("kitti"));
        assertTrue(unknown.getMessage().startsWith("unknown dataset 'kitti'; registered datasets: cityscapes, voc, ade20k, camvid, folder"),
                unknown.getMessage());
        assertTrue(unknown.getMessage().contains("META-INF/services/org.rtseg.data.DatasetType"), unknown.getMessage());
        DatasetType synthetic = new DatasetType() {
            @Override
            public String name() {
                return DataConfig.SYNTHETIC;
            }

            @Override
            public LabelFormat format(Path root) {
                return LabelFormat.CAMVID;
            }

            @Override
            public FileSegmentationDataset.FileBuilder<?> builder() {
                return CamVid.builder();
            }
        };
        assertThrows(IllegalArgumentException.class, () -> DatasetTypes.register(synthetic));
        assertFalse(DatasetTypes.has(DataConfig.SYNTHETIC));
    }

    @Test
    void badConfigsAreErrorsNamingTheField() {
        DataConfigException root = assertThrows(DataConfigException.class, () -> DataConfig.fromJson("{\"dataset\": \"folder\"}"));
        assertEquals("data config: data.root is required for folder (the folder of its layout)", root.getMessage());
        DataConfigException type = assertThrows(DataConfigException.class,
                () -> DataConfig.fromJson("{\"dataset\": \"synthetic\", \"scaleMin\": \"small\"}"));
        assertTrue(type.getMessage().startsWith("data config: scaleMin: "), type.getMessage());
        DataConfigException unknown = assertThrows(DataConfigException.class,
                () -> DataConfig.fromJson("{\"dataset\": \"synthetic\", \"scaleMin\": 1, \"scaleMax\": 1, \"roots\": \"x\"}"));
        assertTrue(unknown.getMessage().contains("roots"), unknown.getMessage());
        Path missing = dir.resolve("data.json");
        DataConfigException file = assertThrows(DataConfigException.class, () -> DataConfig.load(missing));
        assertEquals(missing + ": no such data config", file.getMessage());
    }

    @Test
    void syntheticScenesNeedNoRoot() throws Exception {
        DataConfig config = DataConfig.fromJson("""
                {"dataset": "synthetic", "classes": 5, "samples": 3, "sceneHeight": 16, "sceneWidth": 16, "scaleMin": 1, "scaleMax": 1}""");
        assertEquals(5, config.numClasses());
        assertEquals(3, config.evaluation("val").size());
    }
}
