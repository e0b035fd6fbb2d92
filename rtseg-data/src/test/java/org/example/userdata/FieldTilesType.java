package org.example.userdata;

import java.nio.file.Path;
import org.rtseg.data.DatasetType;
import org.rtseg.data.FileSegmentationDataset;
import org.rtseg.data.LabelFormat;

// [doc:type]
/** Names {@link FieldTiles} "field-tiles"; listed in META-INF/services/org.rtseg.data.DatasetType. */
public final class FieldTilesType implements DatasetType {
    @Override
    public String name() {
        return "field-tiles";
    }

    @Override
    public LabelFormat format(Path root) {
        return FieldTiles.FORMAT;
    }

    @Override
    public FileSegmentationDataset.FileBuilder<?> builder() {
        return FieldTiles.builder();
    }
}
// [/doc:type]
