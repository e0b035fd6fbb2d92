"""PyTorch eager BiSeNetV2 (eval forward), timed the way `rtseg benchmark` times the DJL network.

The network follows ../shared/reference/README.md layer by layer (CoinCheung/BiSeNet's
lib/models/bisenetv2.py), so both sides run the same convolutions on the same libtorch kernels.
Usage: python3 bisenetv2_eager.py --size 512x1024 --runs 10 --warmup 3 --threads 2
Needs torch (Debian: apt-get install python3-torch).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(i, o, k=3, s=1, groups=1, relu=True):
    layers = [nn.Conv2d(i, o, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]
    return nn.Sequential(*(layers + [nn.ReLU(inplace=True)] if relu else layers))


class Detail(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(cbr(3, 64, s=2), cbr(64, 64), cbr(64, 64, s=2), cbr(64, 64), cbr(64, 64),
                                  cbr(64, 128, s=2), cbr(128, 128), cbr(128, 128))

    def forward(self, x):
        return self.body(x)


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = cbr(3, 16, s=2)
        self.left = nn.Sequential(cbr(16, 8, k=1), cbr(8, 16, s=2))
        self.right = nn.MaxPool2d(3, 2, 1)
        self.fuse = cbr(32, 16)

    def forward(self, x):
        x = self.conv(x)
        return self.fuse(torch.cat([self.left(x), self.right(x)], 1))


class GE(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        m = 6 * i
        self.conv1 = cbr(i, i)
        if s == 1:
            self.dw = cbr(i, m, groups=i)
            self.shortcut = None
        else:
            self.dw = nn.Sequential(cbr(i, m, s=2, groups=i, relu=False), cbr(m, m, groups=m))
            self.shortcut = nn.Sequential(cbr(i, i, s=2, groups=i, relu=False), cbr(i, o, k=1, relu=False))
        self.conv2 = cbr(m, o, k=1, relu=False)

    def forward(self, x):
        y = self.conv2(self.dw(self.conv1(x)))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class CE(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(128)
        self.conv_gap = cbr(128, 128, k=1)
        self.conv_last = cbr(128, 128)

    def forward(self, x):
        return self.conv_last(x + self.conv_gap(self.bn(torch.mean(x, dim=(2, 3), keepdim=True))))


class BGA(nn.Module):
    def __init__(self):
        super().__init__()
        self.left1 = nn.Sequential(cbr(128, 128, groups=128, relu=False), nn.Conv2d(128, 128, 1, bias=False))
        self.left2 = nn.Sequential(cbr(128, 128, s=2, relu=False), nn.AvgPool2d(3, 2, 1, ceil_mode=False))
        self.right1 = cbr(128, 128, relu=False)
        self.right2 = nn.Sequential(cbr(128, 128, groups=128, relu=False), nn.Conv2d(128, 128, 1, bias=False))
        self.conv = cbr(128, 128)

    def forward(self, d, s):
        size = d.shape[2:]
        left = self.left1(d) * torch.sigmoid(F.interpolate(self.right1(s), size=size, mode="nearest"))
        right = F.interpolate(self.left2(d) * torch.sigmoid(self.right2(s)), size=size, mode="nearest")
        return self.conv(left + right)


class BiSeNetV2(nn.Module):
    def __init__(self, classes=19):
        super().__init__()
        self.detail = Detail()
        self.segment = nn.Sequential(Stem(), GE(16, 32, 2), GE(32, 32, 1), GE(32, 64, 2), GE(64, 64, 1),
                                     GE(64, 128, 2), GE(128, 128, 1), GE(128, 128, 1), GE(128, 128, 1), CE())
        self.bga = BGA()
        self.head = nn.Sequential(cbr(128, 1024), nn.Dropout(0.1), nn.Conv2d(1024, classes, 1, bias=True))

    def forward(self, x):
        logits = self.head(self.bga(self.detail(x), self.segment(x)))
        return F.interpolate(logits, size=x.shape[2:], mode="bilinear", align_corners=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", default="512x1024")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    a = p.parse_args()
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
