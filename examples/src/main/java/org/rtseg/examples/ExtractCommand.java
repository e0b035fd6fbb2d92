package org.rtseg.examples;

import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rtseg.core.Engines;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.io.ModelDirectory;
import org.rtseg.core.supernet.Supernet;
import org.rtseg.search.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rtseg extract}: the searched subnet as a standalone model (eq. 5). */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = "Extracts the subnet of a search (most likely paths, kept channels) into a model directory.")
final class ExtractCommand implements Callable<Integer> {

    @Option(names = "--search", required = true, description = "a search state (<work>/search of 'rtseg search')")
    Path search;

    @Option(names = "--out", required = true, description = "the model directory to write")
    Path out;

    @Option(names = "--size", defaultValue = "512x1024", converter = InputSize.Converter.class,
            description = "size at which to report the subnet's complexity (default ${DEFAULT-VALUE})")
    InputSize size;

    @Override
    public Integer call() throws Exception {
        SupernetConfig config = Pipeline.extract(search, out, Engines.device("cpu"));
        Shape input = size.batch(1);
        Complexity.Report after = Complexity.of(Supernet.of(config), input, Complexity.Options.EVAL);
        Complexity.Report before = Complexity.of(Supernet.of(SupernetConfig.load(search.resolve(ModelDirectory.CONFIG))), input,
                Complexity.Options.EVAL);
        System.out.printf(Locale.ROOT, "subnet written to %s: %.3f GMACs, %,d params at 1x3x%s (supernet eval graph: %.3f GMACs, %,d params)%n",
                out, after.macs() / 1e9, after.params(), size, before.macs() / 1e9, before.params());
        return 0;
    }
}
