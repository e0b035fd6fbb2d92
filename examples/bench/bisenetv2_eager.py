"""PyTorch eager BiSeNetV2, timed the way `rtseg benchmark` times the DJL network; also the network that
bisenetv2_train_camvid.py trains.

The network follows ../shared/reference/README.md layer by layer (CoinCheung/BiSeNet's
lib/models/bisenetv2.py), so both sides run the same convolutions on the same libtorch kernels. Module
names follow that README too, so `state_dict()` has the reference names (`detail.S1.0.conv.weight`,
`segment.S3.0.shortcut.3.running_var`, `aux5_4.conv_out.0.1.conv.weight`, ...): an npz of it is what
`rtseg import-pytorch` reads, and ../shared/reference/bisenetv2/weights.npz loads into it
(`--check-reference` compares the logits with the dumped ones).

Usage: python3 bisenetv2_eager.py --size 512x1024 --runs 10 --warmup 3 --threads 2
       python3 bisenetv2_eager.py --check-reference ../shared/reference/bisenetv2
Needs torch (Debian: apt-get install python3-torch).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNReLU(nn.Module):
    """CBR(i→o, k, s): conv (no bias, padding k//2) → BN → ReLU; submodules `conv`, `bn`."""

    def __init__(self, i, o, k=3, s=1, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(o)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True)


def conv_bn(i, o, k=3, s=1, groups=1):
    """Conv (no bias) and BN as two Sequential entries (the `.0.` / `.1.` names of the reference)."""
    return [nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]


class Detail(nn.Module):
    def __init__(self):
        super().__init__()
        self.S1 = nn.Sequential(ConvBNReLU(3, 64, s=2), ConvBNReLU(64, 64))
        self.S2 = nn.Sequential(ConvBNReLU(64, 64, s=2), ConvBNReLU(64, 64), ConvBNReLU(64, 64))
        self.S3 = nn.Sequential(ConvBNReLU(64, 128, s=2), ConvBNReLU(128, 128), ConvBNReLU(128, 128))

    def forward(self, x):
        return self.S3(self.S2(self.S1(x)))


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = ConvBNReLU(3, 16, s=2)
        self.left = nn.Sequential(ConvBNReLU(16, 8, k=1), ConvBNReLU(8, 16, s=2))
        self.right = nn.MaxPool2d(3, 2, 1)
        self.fuse = ConvBNReLU(32, 16)

    def forward(self, x):
        x = self.conv(x)
        return self.fuse(torch.cat([self.left(x), self.right(x)], 1))


class GELayerS1(nn.Module):
    """Gather-and-expand, stride 1: residual; `conv2.1` is the block's last BN (zero-initialised by CoinCheung)."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = ConvBNReLU(c, c)
        self.dwconv = nn.Sequential(*conv_bn(c, 6 * c, groups=c), nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(*conv_bn(6 * c, c, k=1))

    def last_bn(self):
        return self.conv2[1]

    def forward(self, x):
        return F.relu(self.conv2(self.dwconv(self.conv1(x))) + x, inplace=True)


class GELayerS2(nn.Module):
    """Gather-and-expand, stride 2, with a depthwise + pointwise shortcut."""

    def __init__(self, i, o):
        super().__init__()
        m = 6 * i
        self.conv1 = ConvBNReLU(i, i)
        self.dwconv1 = nn.Sequential(*conv_bn(i, m, s=2, groups=i))
        self.dwconv2 = nn.Sequential(*conv_bn(m, m, groups=m), nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(*conv_bn(m, o, k=1))
        self.shortcut = nn.Sequential(*conv_bn(i, i, s=2, groups=i), *conv_bn(i, o, k=1))

    def last_bn(self):
        return self.conv2[1]

    def forward(self, x):
        y = self.conv2(self.dwconv2(self.dwconv1(self.conv1(x))))
        return F.relu(y + self.shortcut(x), inplace=True)


class CE(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(128)
        self.conv_gap = ConvBNReLU(128, 128, k=1)
        self.conv_last = ConvBNReLU(128, 128)

    def forward(self, x):
        return self.conv_last(x + self.conv_gap(self.bn(torch.mean(x, dim=(2, 3), keepdim=True))))


class Segment(nn.Module):
    def __init__(self):
        super().__init__()
        self.S1S2 = Stem()
        self.S3 = nn.Sequential(GELayerS2(16, 32), GELayerS1(32))
        self.S4 = nn.Sequential(GELayerS2(32, 64), GELayerS1(64))
        self.S5_4 = nn.Sequential(GELayerS2(64, 128), GELayerS1(128), GELayerS1(128), GELayerS1(128))
        self.S5_5 = CE()

    def forward(self, x):
        f2 = self.S1S2(x)
        f3 = self.S3(f2)
        f4 = self.S4(f3)
        f5_4 = self.S5_4(f4)
        return f2, f3, f4, f5_4, self.S5_5(f5_4)


class BGA(nn.Module):
    def __init__(self):
        super().__init__()
        self.left1 = nn.Sequential(*conv_bn(128, 128, groups=128), nn.Conv2d(128, 128, 1, bias=False))
        self.left2 = nn.Sequential(*conv_bn(128, 128, s=2), nn.AvgPool2d(3, 2, 1, ceil_mode=False))
        self.right1 = nn.Sequential(*conv_bn(128, 128))
        self.right2 = nn.Sequential(*conv_bn(128, 128, groups=128), nn.Conv2d(128, 128, 1, bias=False))
        self.conv = nn.Sequential(*conv_bn(128, 128), nn.ReLU(inplace=True))

    def forward(self, d, s):
        size = d.shape[2:]
        left = self.left1(d) * torch.sigmoid(F.interpolate(self.right1(s), size=size, mode="nearest"))
        right = F.interpolate(self.left2(d) * torch.sigmoid(self.right2(s)), size=size, mode="nearest")
        return self.conv(left + right)


class SegmentHead(nn.Module):
    """Main head (aux=False): CBR → dropout → 1×1 conv with bias → bilinear ×factor.
    Aux head (aux=True): CBR → dropout → nearest ×2 → CBR(→factor²) → 1×1 conv with bias → bilinear ×factor/2."""

    def __init__(self, i, mid, classes, factor, aux):
        super().__init__()
        self.conv = ConvBNReLU(i, mid)
        self.drop = nn.Dropout(0.1)
        self.factor = factor
        if aux:
            up = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), ConvBNReLU(mid, factor * factor))
            self.conv_out = nn.Sequential(up, nn.Conv2d(factor * factor, classes, 1, bias=True))
        else:
            self.conv_out = nn.Sequential(nn.Identity(), nn.Conv2d(mid, classes, 1, bias=True))

    def forward(self, x):
        y = self.conv_out(self.drop(self.conv(x)))
        h, w = x.shape[2] * self.factor, x.shape[3] * self.factor
        return F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False)


class BiSeNetV2(nn.Module):
    """BiSeNetV2; with aux=True the four aux heads exist (as in the reference's training model) and a
    forward in training mode returns (logits, aux2, aux3, aux4, aux5_4), all at input size."""

    def __init__(self, classes=19, aux=False):
        super().__init__()
        self.detail = Detail()
        self.segment = Segment()
        self.bga = BGA()
        self.head = SegmentHead(128, 1024, classes, 8, aux=False)
        self.aux = aux
        if aux:
            self.aux2 = SegmentHead(16, 128, classes, 4, aux=True)
            self.aux3 = SegmentHead(32, 128, classes, 8, aux=True)
            self.aux4 = SegmentHead(64, 128, classes, 16, aux=True)
            self.aux5_4 = SegmentHead(128, 128, classes, 32, aux=True)

    def aux_heads(self):
        return [self.aux2, self.aux3, self.aux4, self.aux5_4] if self.aux else []

    def forward(self, x):
        # Segment branch first, then detail, BGA, main head, aux heads: the order rtseg's Supernet.logits
        # runs them in, so that the dropouts draw from the generator in the same order.
        f2, f3, f4, f5_4, s = self.segment(x)
        logits = self.head(self.bga(self.detail(x), s))
        if not (self.aux and self.training):
            return logits
        return (logits,) + tuple(h(f) for h, f in zip(self.aux_heads(), (f2, f3, f4, f5_4)))

    def init_coincheung(self):
        """CoinCheung's init_weights (without its ImageNet backbone download): every conv weight
        kaiming-normal with fan_out (gain sqrt 2), conv biases 0; BN weight 1 and bias 0, except the
        last BN of each GE layer (conv2.1), whose weight starts at 0 so each GE block starts as its
        shortcut. Running statistics stay at PyTorch's (mean 0, var 1)."""
        last = {id(m.last_bn()) for m in self.modules() if isinstance(m, (GELayerS1, GELayerS2))}
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                (nn.init.zeros_ if id(m) in last else nn.init.ones_)(m.weight)
                nn.init.zeros_(m.bias)
        return self


def load_npz(net, path, strict=True):
    """Loads an npz state_dict (reference names) into `net`; returns the names loaded."""
    import numpy as np
    with np.load(path) as z:
        state = {k: torch.from_numpy(z[k]) for k in z.files}
    net.load_state_dict(state, strict=strict)
    return sorted(state)


def check_reference(folder, threads):
    """Loads the reference weights and compares eval logits and aux logits with the dumped ones."""
    import numpy as np
    torch.set_num_threads(threads)
    net = BiSeNetV2(19, aux=True)
    load_npz(net, f"{folder}/weights.npz")
    net.eval()
    x = torch.from_numpy(np.load(f"{folder}/io/input.npy"))
    with torch.no_grad():
        f2, f3, f4, f5_4, s = net.segment(x)
        outs = {"logits": net.head(net.bga(net.detail(x), s)), "aux2": net.aux2(f2), "aux3": net.aux3(f3),
                "aux4": net.aux4(f4), "aux5_4": net.aux5_4(f5_4)}
    worst = 0.0
    for name, y in outs.items():
        ref = torch.from_numpy(np.load(f"{folder}/io/{name}.npy"))
        d = (y - ref).abs().max().item()
        worst = max(worst, d)
        print(f"{name:7s} {tuple(y.shape)} max |Δ| {d:.3g}")
    print("OK" if worst <= 1e-4 else "MISMATCH", f"(worst {worst:.3g}, tolerance 1e-4)")
    return worst <= 1e-4


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", default="512x1024")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--check-reference", metavar="DIR", help="compare with ../shared/reference/bisenetv2 and exit")
    a = p.parse_args()
    if a.check_reference:
        raise SystemExit(0 if check_reference(a.check_reference, a.threads) else 1)
    torch.set_num_threads(a.threads)
    h, w = (int(v) for v in a.size.lower().split("x"))
    net = BiSeNetV2().eval()
    x = torch.randn(1, 3, h, w)
    times = []
    with torch.no_grad():
        for i in range(a.warmup + a.runs):
            t0 = time.perf_counter()
            net(x)
            if i >= a.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
    print(f"pytorch-eager bisenetv2 1x3x{h}x{w}, {a.threads} threads, torch {torch.__version__}")
    print(f"eval forward over {a.runs} runs (after {a.warmup} warm-up): median {statistics.median(times):.1f} ms, "
          f"min {min(times):.1f} ms, max {max(times):.1f} ms")


if __name__ == "__main__":
    main()
