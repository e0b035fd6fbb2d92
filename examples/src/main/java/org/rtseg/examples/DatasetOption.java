package org.rtseg.examples;

import java.util.Iterator;
import org.rtseg.data.DatasetType;
import org.rtseg.data.DatasetTypes;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Options that name a dataset ({@code --dataset}) read it from the registry, so that every command
 * accepts the same names, a user's registered types included, and every message lists them all.
 */
final class DatasetOption {

    private DatasetOption() {}

    /** Converts a name to its type; an unknown name is a usage error listing the registered ones. */
    static final class Converter implements ITypeConverter<DatasetType> {
        @Override
        public DatasetType convert(String name) {
            try {
                return DatasetTypes.get(name);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** The registered names, for {@code ${COMPLETION-CANDIDATES}} in descriptions and shell completion. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return DatasetTypes.names().iterator();
        }
    }
}
