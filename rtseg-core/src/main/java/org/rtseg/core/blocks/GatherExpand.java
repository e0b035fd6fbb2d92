package org.rtseg.core.blocks;

import org.rtseg.core.nn.ConvBnAct;
import org.rtseg.core.nn.RtsegBlock;
import org.rtseg.core.nn.Widths;

/**
 * BiSeNetV2's gather-and-expand layer (GE), the segment-branch block of the baseline.
 *
 * <p>Stride 1: {@code conv1} CBR 3×3 → {@code dwconv} grouped 3×3 expansion (groups = in, ×e) →
 * BN → ReLU → {@code conv2} 1×1 projection → BN; plus the input; ReLU. Stride 2: the expansion
 * {@code dwconv1} carries the stride (BN, no ReLU), then {@code dwconv2} depthwise 3×3 → BN → ReLU,
 * and the residual is a {@link Shortcut}. The grouped expansion is the operator the paper replaces
 * with the lightweight inverted residual, since group convolutions run poorly on edge devices.
 */
public final class GatherExpand extends ResidualBlock {

    /** Type {@code ge}: parameter {@code expansion} (default 6). */
    public static final BlockType TYPE = expandingType("ge", "GE", GatherExpand::new);

    private GatherExpand(BlockArgs args) {
        super(args);
        int in = args.inChannels();
        Widths widths = args.widthOverrides("ge");
        // The grouped expansion ties each group of e outputs to one gathered channel, so the
        // expansion's width follows conv1's.
        int gathered = widths.get("conv1", in);
        int mid = gathered * args.intParam("expansion");
        main("conv1", ConvBnAct.builder(in, gathered).widthKey("conv1").build());
        if (args.stride() == 1) {
            main("dwconv", ConvBnAct.builder(gathered, mid).groups(gathered).build());
        } else {
            main("dwconv1", ConvBnAct.builder(gathered, mid).stride(args.stride()).groups(gathered).noActivation().build());
            main("dwconv2", ConvBnAct.builder(mid, mid).depthwise().build());
        }
        main("conv2", ConvBnAct.builder(mid, args.outChannels()).kernel(1).noActivation().build());
        widths.requireAllUsed();
    }
}
