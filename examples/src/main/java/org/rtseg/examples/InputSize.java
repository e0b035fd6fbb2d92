package org.rtseg.examples;

import ai.djl.ndarray.types.Shape;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An image size written {@code HxW}, e.g. {@code 512x1024}. */
record InputSize(int height, int width) {

    /** An N×3×H×W batch shape. */
    Shape batch(int n) {
        return new Shape(n, 3, height, width);
    }

    @Override
    public String toString() {
        return height + "x" + width;
    }

    /** Picocli converter. */
    static final class Converter implements ITypeConverter<InputSize> {
        @Override
        public InputSize convert(String value) {
            String[] parts = value.toLowerCase(java.util.Locale.ROOT).split("x");
            try {
                if (parts.length == 2) {
                    int h = Integer.parseInt(parts[0].trim());
                    int w = Integer.parseInt(parts[1].trim());
                    if (h > 0 && w > 0) {
                        return new InputSize(h, w);
                    }
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a size HxW such as 512x1024");
        }
    }
}
