package org.rtseg.core.blocks;

import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;

/**
 * The paper's lightweight inverted residual (LIR, §Supernet design, Fig. 2): {@code conv1} 3×3 CBR
 * → {@code expand} 1×1 CBR (×e) → {@code dwconv} depthwise 3×3 CBR (carrying the stride) → {@code
 * project} 1×1 → BN; plus the residual; ReLU.
 *
 * <p>It keeps GE's receptive field and expansion but uses no group convolution, which edge
 * runtimes execute poorly: the expansion is a dense 1×1 and the spatial filter is depthwise.
 */
public final class LightweightInvertedResidual extends ResidualBlock {

    /** Type {@code lir}: parameter {@code expansion} (default 6). */
    public static final BlockType TYPE = expandingType("lir", "LIR", LightweightInvertedResidual::new);

    private LightweightInvertedResidual(BlockArgs args) {
        super(args);
        int in = args.inChannels();
        Widths widths = args.widthOverrides("lir");
        int first = widths.get("conv1", in);
        int mid = widths.get("expand", in * args.intParam("expansion"));
        main("conv1", ConvBnAct.builder(in, first).widthKey("conv1").build());
        main("expand", ConvBnAct.builder(first, mid).kernel(1).widthKey("expand").build());
        main("dwconv", ConvBnAct.builder(mid, mid).stride(args.stride()).depthwise().build());
        main("project", ConvBnAct.builder(mid, args.outChannels()).kernel(1).noActivation().build());
        widths.requireAllUsed();
    }
}
