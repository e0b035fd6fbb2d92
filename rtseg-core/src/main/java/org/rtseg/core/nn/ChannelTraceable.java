package org.rtseg.core.nn;

/**
 * A block that states how its channels flow, so that width search can derive which channels may
 * be pruned and which are tied (see {@link ChannelGraph}). A block type that does not implement
 * it still works in a mixed block; its channels are simply kept.
 */
public interface ChannelTraceable {

    /**
     * Traces the block: records its convolutions, ties and fixed spaces.
     *
     * @param input the space of the input channels
     * @param graph the graph being built
     * @return the space of the output channels
     */
    ChannelGraph.Space trace(ChannelGraph.Space input, ChannelGraph graph);

    /**
     * Traces any block: itself when it can, else as an opaque block that keeps its channels.
     *
     * @param block the block, traceable or not
     * @param input the space of the input channels
     * @param outChannels the block's output channels, used only for an opaque block
     * @param graph the graph being built
     * @return the space of the output channels
     */
    static ChannelGraph.Space trace(Object block, ChannelGraph.Space input, int outChannels, ChannelGraph graph) {
        return block instanceof ChannelTraceable t ? t.trace(input, graph) : graph.opaque(input, outChannels);
    }
}
