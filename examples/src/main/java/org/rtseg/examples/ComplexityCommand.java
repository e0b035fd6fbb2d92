package org.rtseg.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import org.rtseg.core.complexity.Complexity;
import org.rtseg.core.config.SupernetConfig;
import org.rtseg.core.supernet.Supernet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rtseg complexity}: parameters and MACs per module, by the paper's counting rule. */
@Command(name = "complexity", mixinStandardHelpOptions = true,
        description = "Counts parameters and MACs (Cout·Hout·Wout·k²·Cin/groups, attention included) per module.")
final class ComplexityCommand implements Callable<Integer> {

    @Mixin NetworkOptions network;

    @Option(names = "--size", defaultValue = "512x1024", converter = InputSize.Converter.class,
            description = "input size HxW (default ${DEFAULT-VALUE})")
    InputSize size;

    @Option(names = "--aux", description = "count the auxiliary heads too (training graph)")
    boolean aux;

    @Option(names = "--all-candidates", description = "count every candidate path of each mixed block (the supernet's size)")
    boolean allCandidates;

    @Option(names = "--depth", defaultValue = "2", description = "module depth of the table (default ${DEFAULT-VALUE})")
    int depth;

    @Option(names = "--json", description = "print JSON: params, conv_params, macs, by_module")
    boolean json;

    @Override
    public Integer call() throws Exception {
        SupernetConfig config = network.config();
        Complexity.Report r = Complexity.of(Supernet.of(config), size.batch(1), new Complexity.Options(aux, allCandidates));
        if (json) {
            System.out.println(toJson(config, r));
        } else {
            System.out.printf("%s at 1x3x%dx%d (%s)%n", config.name(), size.height(), size.width(),
                    allCandidates ? "all candidate paths" : "chosen paths" + (aux ? " + aux heads" : ", eval graph"));
            System.out.print(r.table(depth));
        }
        return 0;
    }

    private String toJson(SupernetConfig config, Complexity.Report r) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("network", config.name());
        root.put("input", "1x3x" + size);
        root.put("aux", aux);
        root.put("all_candidates", allCandidates);
        root.put("params", r.params());
        root.put("conv_params", r.convParams());
        root.put("macs", r.macs());
        ObjectNode modules = root.putObject("by_module");
        for (Complexity.Module m : r.byModule(depth)) {
            ObjectNode node = modules.putObject(m.name());
            node.put("params", m.params());
            node.put("conv_params", m.convParams());
            node.put("macs", m.macs());
        }
        return mapper.writeValueAsString(root);
    }
}
