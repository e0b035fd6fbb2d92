package org.rtseg.core.onnx;

/**
 * A block that writes its eval-mode computation into an ONNX graph — the extension point of ONNX
 * export. Every built-in block implements it; a user's block type implements it to be exportable,
 * and {@link OnnxExport} refuses a network with a block that does not, naming the block.
 *
 * <p>An implementation mirrors the block's eval-mode forward pass with the operators of {@link
 * OnnxGraph} and exports each child with {@link OnnxGraph#block}, so that the child's nodes and
 * weights are named after its path in the network:
 *
 * <pre>{@code
 * public String exportOnnx(OnnxGraph graph, String x) {
 *     String y = graph.block("project", project, graph.block("expand", expand, x));
 *     return graph.relu(graph.add(y, x));
 * }
 * }</pre>
 */
public interface OnnxExportable {

    /**
     * Adds this block's eval-mode computation to the graph.
     *
     * @param graph the graph being written, scoped to this block
     * @param input the name of the graph value this block receives (an N×C×H×W map)
     * @return the name of the graph value this block produces
     */
    String exportOnnx(OnnxGraph graph, String input);
}
