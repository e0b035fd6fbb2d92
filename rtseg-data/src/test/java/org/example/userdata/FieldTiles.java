package org.example.userdata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rtseg.data.FileSegmentationDataset;
import org.rtseg.data.InvalidDataException;
import org.rtseg.data.LabelFormat;

// [doc:dataset]
/** Drone tiles of a field: {@code tiles/<name>.jpg}, {@code masks/<name>.png}, split lists {@code <split>.txt}. */
public final class FieldTiles extends FileSegmentationDataset {

    /** Mask values 0, 1, 2 are soil, crop and weed; 255 is unlabelled. */
    public static final LabelFormat FORMAT = LabelFormat.indexed(
            "field-tiles", List.of("soil", "crop", "weed"), new int[] {0x8B5A2B, 0x2E8B57, 0xDC143C});

    private FieldTiles(Builder builder) {
        super(builder);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LabelFormat format() {
        return FORMAT;
    }

    @Override
    protected Listing list() throws IOException {
        requireRoot(root, "tiles/, masks/ and <split>.txt");
        Path splitList = root.resolve(split + ".txt");
        if (!Files.isRegularFile(splitList)) {
            throw new InvalidDataException(splitList, "split list does not exist", "List the split's tile names in it");
        }
        Path tiles = root.resolve("tiles");
        Path masks = root.resolve("masks");
        List<SampleFiles> files = new ArrayList<>();
        for (String line : Files.readAllLines(splitList)) {
            String name = line.strip();
            if (!name.isEmpty()) {
                files.add(new SampleFiles(name, tiles.resolve(name + ".jpg"), masks.resolve(name + ".png")));
            }
        }
        return new Listing(tiles, masks, files);
    }

    public static final class Builder extends FileBuilder<Builder> {
        private Builder() {
            super("train");
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public FieldTiles build() {
            return new FieldTiles(this);
        }
    }
}
// [/doc:dataset]
