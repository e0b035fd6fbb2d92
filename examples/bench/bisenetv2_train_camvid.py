#!/usr/bin/python3
"""Trains the reference BiSeNetV2 (PyTorch eager, bisenetv2_eager.py) on CamVid with exactly rtseg's
recipe, for a side-by-side comparison with `rtseg finetune` (see camvid_parity.sh and
docs/reproducing.md, "Training parity with PyTorch on CamVid").

What is matched, and where in rtseg it was read from:
- the run config: the same JSON (default examples/configs/camvid/bisenetv2-cpu.json) is read here, its
  data and training sections drive everything below; --steps N shortens it as TrainingConfig.withIterations
  does (warm-up capped at N-1);
- the batches: the same frames, the same order and the same crops as rtseg's for a given seed, bit for bit.
  Java's SplittableRandom is reimplemented (SplitMix64), the epoch shuffle is DatasetBatches.shuffle
  (seed*31+epoch, Fisher-Yates), each sample's stream is SegmentationDataset.sampleRandom(seed, epoch, index),
  the draws are TrainAugmentation.apply's (scale, crop x, crop y, flip), the resampling is Resampler's
  (bilinear image, nearest-exact label, pixel centres, float32 arithmetic in the same order), padding 0 after
  normalisation / label 255, normalisation as ColorStage (x*a+b, a=1/(255*std), b=-mean/std, float32);
- the loss: OhemCrossEntropy (hard = loss > -log 0.7, at least labelled/16, mean of the hard ones) on the
  main and each aux output, loss = main + gamma * sum(aux) (SegmentationTrainer.step);
- the optimiser: PyTorch's SGD (what MomentumSgd implements), momentum 0.9, weight decay only on parameters
  with more than one dimension, learning rate TrainingConfig.learningRateAt (linear warm-up, poly);
- the per-step randomness: torch.manual_seed(int32(seed*1000003 + step)) before each step as
  SegmentationTrainer.step does (engine.setRandomSeed), heads run in rtseg's order;
- the evaluation: whole val frames, normalised (x/255-mean)/std, padded bottom/right to a multiple of 32
  with 0 (Supernet.padToStride), logits cropped back, softmax + argmax, one confusion matrix over the
  split, IoU per class, mIoU over the classes whose IoU is defined (SegmentationMetrics, NON_NAN_CLASSES).

Usage (from the repository root; /usr/bin/python3 is Debian's, with python3-torch, numpy and PIL):
  /usr/bin/python3 examples/bench/bisenetv2_train_camvid.py --threads 1 --seed 0 --out runs/parity/pt-s0 \\
      --export-init runs/parity/pt-s0/init.npz [--steps 600] [--val-limit N]
Writes OUT/metrics.csv (rtseg's metrics.csv columns), OUT/result.json (val mIoU, per-class IoU,
seconds per step) and prints the per-class table.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bisenetv2_eager import BiSeNetV2, load_npz  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CLASSES = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian",
           "Bicyclist"]
IGNORE = 255  # LabelMap.IGNORE
VOID = 11  # CamVid's void value, mapped to IGNORE (labels/camvid.json)
STRIDE = 32  # Supernet.padToStride
MEAN = np.array([0.485, 0.456, 0.406], np.float32)  # Normalization.IMAGENET
STD = np.array([0.229, 0.224, 0.225], np.float32)

# ---------------------------------------------------------------- Java's SplittableRandom, bit for bit

M64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def int32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


class SplittableRandom:
    """java.util.SplittableRandom(long seed): nextInt(), nextInt(bound), nextBoolean() (JDK 17)."""

    def __init__(self, seed):
        self.seed = seed & M64

    def _next_seed(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & M64
        return self.seed

    def next_int(self):
        z = self._next_seed()
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & M64
        return int32((((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & M64) >> 32)

    def next_int_bound(self, bound):
        # RandomSupport.boundedNextInt: mask for powers of two, else reject over-represented candidates.
        r = self.next_int()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if u + m - r <= 0x7FFFFFFF:  # Java: u + m - r < 0 as an int means overflow, i.e. reject
                return r
            u = (self.next_int() & 0xFFFFFFFF) >> 1

    def next_boolean(self):
        return self.next_int() < 0


def sample_random(seed, epoch, index):
    """SegmentationDataset.sampleRandom(seed, epoch, index)."""
    h = mix64((seed ^ 0x632BE59BD9B4E019) & M64)
    h = mix64((h + epoch * GOLDEN_GAMMA) & M64)
    h = mix64((h + index * 0xBF58476D1CE4E5B9) & M64)
    return SplittableRandom(h)


def epoch_order(size, seed, epoch):
    """DatasetBatches.shuffle(epoch): Fisher-Yates with SplittableRandom(seed * 31 + epoch)."""
    idx = list(range(size))
    rnd = SplittableRandom(seed * 31 + epoch)
    for i in range(size - 1, 0, -1):
        j = rnd.next_int_bound(i + 1)
        idx[i], idx[j] = idx[j], idx[i]
    return idx


def augmentation_epoch(epoch):
    """The epoch whose augmentation rtseg's training batches get in DatasetBatches epoch `epoch`: that
    same epoch (DatasetBatches tells the dataset through SegmentationDataset.useEpoch)."""
    return epoch


# ---------------------------------------------------------------- data

def read_camvid(root, split, limit=None):
    """Decoded frames (H,W,3 uint8) and labels (H,W uint8, void -> 255) of a split, in rtseg's order
    (FileSegmentationDataset.pairedFolders: keys = file stems, sorted)."""
    base = os.path.join(root, "CamVid") if os.path.isdir(os.path.join(root, "CamVid")) else root
    img_dir, lbl_dir = os.path.join(base, split), os.path.join(base, split + "annot")
    keys = sorted({f[:-4] for f in os.listdir(img_dir) if f.endswith(".png")}
                  | {f[:-4] for f in os.listdir(lbl_dir) if f.endswith(".png")})
    if limit:
        keys = keys[:limit]
    lut = np.full(256, -1, np.int32)
    lut[:VOID] = np.arange(VOID)
    lut[VOID] = IGNORE
    frames = []
    for k in keys:
        with Image.open(os.path.join(img_dir, k + ".png")) as im:
            image = np.array(im.convert("RGB"), np.uint8)
        with Image.open(os.path.join(lbl_dir, k + ".png")) as im:
            if im.mode not in ("L", "P"):
                raise SystemExit(f"{k}: label PNG mode {im.mode}, expected 8-bit grayscale")
            raw = np.asarray(im, np.uint8)
        label = lut[raw]
        if (label < 0).any() or raw.shape != image.shape[:2]:
            raise SystemExit(f"{k}: label values {np.unique(raw)} / shape {raw.shape} not CamVid's")
        frames.append((k, image, label.astype(np.uint8)))
    return frames


def _axis(src, scaled, offset, out, flip):
    """Resampler.Axis.of: per output coordinate, bilinear neighbours/weight and nearest source, in float64
    as Java computes them (weights then rounded to float32), and the span [first, end) inside the image."""
    o = np.arange(out)
    pos = offset + (out - 1 - o if flip else o)
    valid = pos < scaled
    ratio = src / scaled
    s = np.minimum(np.maximum((pos + 0.5) * ratio - 0.5, 0), src - 1)
    lo = s.astype(np.int64)
    hi = np.minimum(lo + 1, src - 1)
    weight = (s - lo).astype(np.float32)
    nearest = np.minimum(((pos + 0.5) * ratio).astype(np.int64), src - 1)
    where = np.nonzero(valid)[0]
    first, end = (int(where[0]), int(where[-1]) + 1) if where.size else (0, 0)
    return lo, hi, weight, nearest, first, end


def augment(image, label, rnd, aug):
    """TrainAugmentation.apply + Resampler.apply + ColorStage.apply (jitter 0): CHW float32 and HW int64."""
    h, w = label.shape
    scale = aug["scales"][rnd.next_int_bound(len(aug["scales"]))]
    sw = max(1, math.floor(w * scale + 0.5))  # Math.round
    sh = max(1, math.floor(h * scale + 0.5))
    out_w, out_h = aug["crop_w"] or sw, aug["crop_h"] or sh
    off_x = rnd.next_int_bound(max(sw, out_w) - out_w + 1)
    off_y = rnd.next_int_bound(max(sh, out_h) - out_h + 1)
    mirror = aug["flip"] and rnd.next_boolean()
    # jitter strengths are 0: TrainAugmentation.factor returns 1 without drawing.
    cx = _axis(w, sw, off_x, out_w, mirror)
    cy = _axis(h, sh, off_y, out_h, False)
    x0, x1, y0, y1 = cx[4], cx[5], cy[4], cy[5]
    img = np.zeros((3, out_h, out_w), np.float32)
    lbl = np.full((out_h, out_w), IGNORE, np.int64)
    if x1 > x0 and y1 > y0:
        src = image.astype(np.float32)
        lo_x, hi_x, wx = cx[0][x0:x1], cx[1][x0:x1], cx[2][x0:x1]
        lo_y, hi_y, wy = cy[0][y0:y1], cy[1][y0:y1], cy[2][y0:y1][:, None, None]
        wx = wx[None, :, None]
        r0, r1 = src[lo_y], src[hi_y]
        p00, p01, p10, p11 = r0[:, lo_x], r0[:, hi_x], r1[:, lo_x], r1[:, hi_x]
        top = p00 + (p01 - p00) * wx  # float32, in Resampler.bilinear's order
        bottom = p10 + (p11 - p10) * wx
        v = top + (bottom - top) * wy
        a = np.float32(1) / (np.float32(255) * STD)  # Normalization.scale
        b = -MEAN / STD  # Normalization.offset
        img[:, y0:y1, x0:x1] = (v * a + b).transpose(2, 0, 1)
        lbl[y0:y1, x0:x1] = label[cy[3][y0:y1][:, None], cx[3][x0:x1][None, :]]
    return img, lbl


class Batches:
    """DatasetBatches over the decoded training frames."""

    def __init__(self, frames, batch, shuffle_seed, data_seed, aug):
        if len(frames) < batch:
            raise SystemExit(f"{len(frames)} training frames, fewer than a batch of {batch}")
        self.frames, self.batch, self.shuffle_seed, self.data_seed, self.aug = frames, batch, shuffle_seed, data_seed, aug
        self.order, self.order_epoch = None, -1

    def get(self, iteration):
        per_epoch = len(self.frames) // self.batch
        epoch, offset = iteration // per_epoch, (iteration % per_epoch) * self.batch
        if epoch != self.order_epoch:
            self.order, self.order_epoch = epoch_order(len(self.frames), self.shuffle_seed, epoch), epoch
        xs, ys = [], []
        for i in range(self.batch):
            index = self.order[offset + i]
            _, image, label = self.frames[index]
            x, y = augment(image, label, sample_random(self.data_seed, augmentation_epoch(epoch), index), self.aug)
            xs.append(x)
            ys.append(y)
        return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


# ---------------------------------------------------------------- recipe

def lr_at(t, i):
    """TrainingConfig.learningRateAt."""
    if i < t["warmupIterations"]:
        return t["learningRate"] * (i + 1) / t["warmupIterations"]
    progress = (i - t["warmupIterations"]) / (t["iterations"] - t["warmupIterations"])
    return t["learningRate"] * math.pow(max(0.0, 1 - progress), t["power"])


def tau_at(t, i):
    """TrainingConfig.temperatureAt (unused by fine-tuning; written for metrics.csv's column)."""
    x = 1 if t["iterations"] == 1 else i / (t["iterations"] - 1)
    return t["tauStart"] * math.pow(t["tauEnd"] / t["tauStart"], x)


def ohem(logits, labels, threshold_loss):
    """OhemCrossEntropy.of."""
    loss = F.cross_entropy(logits, labels, ignore_index=IGNORE, reduction="none").flatten()
    labelled = int((labels != IGNORE).sum())
    if labelled == 0:
        return loss.sum() * 0
    min_kept = max(1, labelled // 16)
    hard = loss > threshold_loss
    count = int(hard.sum())
    if count >= min_kept:
        return (loss * hard).sum() / count
    return loss.topk(min_kept).values.mean()


def optimizer(net, t):
    """MomentumSgd as SegmentationTrainer builds it: decay only on parameters with more than one dimension."""
    decay = [p for p in net.parameters() if p.dim() > 1]
    rest = [p for p in net.parameters() if p.dim() <= 1]
    return torch.optim.SGD([{"params": decay, "weight_decay": t["weightDecay"]}, {"params": rest, "weight_decay": 0.0}],
                           lr=t["learningRate"], momentum=t["momentum"], dampening=0, nesterov=False)


def export_npz(net, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    np.savez(path, **{k: v.detach().cpu().numpy() for k, v in net.state_dict().items()})


# ---------------------------------------------------------------- evaluation

@torch.no_grad()
def evaluate(net, frames, classes):
    """Evaluation.score with TestTimeAugmentation scales [1], no flip; SegmentationMetrics (NON_NAN_CLASSES)."""
    net.eval()
    matrix = np.zeros((classes, classes), np.int64)
    mean, std = torch.from_numpy(MEAN).reshape(3, 1, 1), torch.from_numpy(STD).reshape(3, 1, 1)
    for _, image, label in frames:
        x = ((torch.from_numpy(image).float().permute(2, 0, 1) / 255.0 - mean) / std).unsqueeze(0)
        h, w = x.shape[2:]
        ph, pw = -(-h // STRIDE) * STRIDE, -(-w // STRIDE) * STRIDE
        padded = x.new_zeros(1, 3, ph, pw)
        padded[:, :, :h, :w] = x
        logits = net(padded)[:, :, :h, :w]
        pred = logits.softmax(1).argmax(1)[0].numpy()
        keep = label != IGNORE
        matrix += np.bincount(label[keep].astype(np.int64) * classes + pred[keep], minlength=classes * classes) \
            .reshape(classes, classes)
    tp = np.diag(matrix).astype(np.float64)
    gt, predicted = matrix.sum(1), matrix.sum(0)
    denom = gt + predicted - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(denom > 0, tp / denom, np.nan)
    return iou, gt, int(matrix.sum())


# ---------------------------------------------------------------- main

def cpu_capability():
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def onednn_isa():
    """The instruction set oneDNN picks in this environment (ONEDNN_MAX_CPU_ISA included), from its verbose
    log of one convolution in a child process (oneDNN reads its environment once, at first use)."""
    code = ("import torch; torch.set_num_threads(1); "
            "torch.nn.functional.conv2d(torch.randn(2, 16, 32, 32), torch.randn(16, 16, 3, 3), padding=1)")
    try:
        out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, ONEDNN_VERBOSE="1"),
                             capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    m = re.search(r"isa:([^\n]+)", out)
    return m.group(1).strip() if m else "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=os.path.join(REPO, "examples/configs/camvid/bisenetv2-cpu.json"),
                   help="rtseg run config whose data and training sections are followed (default: %(default)s)")
    p.add_argument("--root", help="CamVid root (default: the config's data.root, relative to the repository root)")
    p.add_argument("--steps", type=int, help="training steps (default: training.iterations); warm-up capped at steps-1")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads; interop threads are 1 (default: 1)")
    p.add_argument("--seed", type=int, help="data.seed and training.seed (default: the config's), and the init seed")
    p.add_argument("--init", choices=["coincheung", "pytorch"], default="coincheung",
                   help="initialisation: CoinCheung's init_weights (kaiming fan_out, last GE BN 0) or PyTorch's defaults")
    p.add_argument("--init-weights", metavar="NPZ", help="start from these weights (a state_dict npz) instead of --init")
    p.add_argument("--export-init", metavar="NPZ", help="write the initial state_dict (what rtseg import-pytorch reads)")
    p.add_argument("--export-final", metavar="NPZ", help="write the trained state_dict")
    p.add_argument("--out", required=True, help="folder for metrics.csv and result.json")
    p.add_argument("--val-split", default="val")
    p.add_argument("--val-limit", type=int, help="evaluate the first N frames of the split only (smoke runs)")
    p.add_argument("--no-train", action="store_true", help="evaluate the initial (or --init-weights) model only")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    with open(a.config) as f:
        run = json.load(f)
    data, t = run["data"], dict(run["training"])
    if data.get("dataset") != "camvid":
        raise SystemExit(f"{a.config}: data.dataset is {data.get('dataset')}, this script trains CamVid")
    if data.get("jitter", 0) != 0:
        raise SystemExit("colour jitter is not reimplemented here (the CamVid recipe has jitter 0)")
    if run.get("preset", "bisenetv2") != "bisenetv2":
        raise SystemExit(f"{a.config}: preset {run.get('preset')}, this script trains bisenetv2")
    if a.steps:
        t["iterations"] = a.steps
        t["warmupIterations"] = min(t["warmupIterations"], a.steps - 1)  # TrainingConfig.withIterations
    if not t.get("ohem", False):
        raise SystemExit("the config has ohem false; this script follows rtseg's OHEM recipe only")
    data_seed = a.seed if a.seed is not None else int(data.get("seed", 0))
    train_seed = a.seed if a.seed is not None else int(t.get("seed", 0))
    root = a.root or data["root"]
    if not os.path.isabs(root) and not os.path.isdir(root):
        root = os.path.join(REPO, root)
    scales = data.get("scales")
    if not scales:
        raise SystemExit("only a set of scales (data.scales) is reimplemented, not a range")
    aug = {"scales": [float(s) for s in scales], "crop_h": int(data.get("cropHeight", 0)),
           "crop_w": int(data.get("cropWidth", 0)), "flip": bool(data.get("flip", False))}
    os.makedirs(a.out, exist_ok=True)

    t_load = time.perf_counter()
    train = [] if a.no_train else read_camvid(root, data.get("split", "train"))
    val = read_camvid(root, a.val_split, a.val_limit)
    print(f"decoded {len(train)} training and {len(val)} {a.val_split} frames from {root} in "
          f"{time.perf_counter() - t_load:.1f} s", flush=True)

    torch.manual_seed(train_seed)
    net = BiSeNetV2(len(CLASSES), aux=True)
    if a.init_weights:
        load_npz(net, a.init_weights)
        init = f"npz:{a.init_weights}"
    elif a.init == "coincheung":
        net.init_coincheung()
        init = "coincheung"
    else:
        init = "pytorch"
    if a.export_init:
        export_npz(net, a.export_init)
        print(f"wrote the initial state_dict ({len(net.state_dict())} tensors) to {a.export_init}", flush=True)

    seconds, rows = [], []
    if not a.no_train:
        batches = Batches(train, t["batchSize"], train_seed, data_seed, aug)
        opt = optimizer(net, t)
        threshold = float(np.float32(-math.log(t["ohemThreshold"])))
        gamma = t["gamma"]
        metrics = open(os.path.join(a.out, "metrics.csv"), "w")
        metrics.write("iteration,loss,ce,aux,kd,reg,cost,gamma_aux,lambda_kd,beta_reg,lr,tau,seconds\n")
        net.train()
        for i in range(t["iterations"]):
            t0 = time.perf_counter()
            torch.manual_seed(int32(train_seed * 1_000_003 + i) & M64)  # engine.setRandomSeed in step()
            lr = lr_at(t, i)
            for g in opt.param_groups:
                g["lr"] = lr
            x, y = batches.get(i)
            outs = net(x)
            ce = ohem(outs[0], y, threshold)
            aux = sum(ohem(o, y, threshold) for o in outs[1:])
            loss = ce + gamma * aux
            lv, cv, av = loss.item(), ce.item(), float(aux)
            if not math.isfinite(lv):
                raise SystemExit(f"the loss became {lv} at step {i}")
            opt.zero_grad(set_to_none=False)
            loss.backward()
            opt.step()
            dt = time.perf_counter() - t0
            seconds.append(dt)
            metrics.write(f"{i},{lv:.6f},{cv:.6f},{av:.6f},{0:.6f},{0:.6f},,{gamma * av:.6f},{0:.6f},{0:.6f},"
                          f"{lr:.8f},{tau_at(t, i):.5f},{dt:.4f}\n")
            metrics.flush()
            rows.append(lv)
            if (i + 1) % t.get("logEvery", 25) == 0 or i + 1 == t["iterations"] or i < 3:
                print(f"step {i + 1}/{t['iterations']} loss {lv:.4f} = ce {cv:.4f} + γ·aux {gamma * av:.4f}  "
                      f"lr {lr:.6f}  {dt:.3f} s", flush=True)
        metrics.close()
        if a.export_final:
            export_npz(net, a.export_final)
            print(f"wrote the trained state_dict to {a.export_final}")

    t_eval = time.perf_counter()
    iou, gt, scored = evaluate(net, val, len(CLASSES))
    eval_seconds = time.perf_counter() - t_eval
    defined = ~np.isnan(iou)
    miou = float(np.mean(iou[defined])) if defined.any() else float("nan")
    result = {
        "framework": "pytorch-eager", "torch": torch.__version__, "config": os.path.relpath(a.config, REPO),
        "threads": torch.get_num_threads(), "interopThreads": torch.get_num_interop_threads(),
        "onednnMaxCpuIsa": os.environ.get("ONEDNN_MAX_CPU_ISA", "unset (oneDNN's best)"),
        "onednnIsa": onednn_isa(), "atenCpuCapability": cpu_capability(),
        "seed": train_seed, "dataSeed": data_seed, "init": init, "steps": 0 if a.no_train else t["iterations"],
        "warmupIterations": t["warmupIterations"], "batchSize": t["batchSize"],
        "firstLoss": rows[0] if rows else None, "lastLoss": rows[-1] if rows else None,
        "secondsPerStepMedian": statistics.median(seconds) if seconds else None,
        "secondsPerStepMedianAfterFirst": statistics.median(seconds[1:]) if len(seconds) > 1 else None,
        "trainSeconds": sum(seconds),
        "split": a.val_split, "valFrames": len(val), "scoredPixels": scored, "evalSeconds": eval_seconds,
        "mIoU": None if math.isnan(miou) else miou, "definedClasses": int(defined.sum()),
        "classes": [{"id": c, "name": n, "iou": None if math.isnan(iou[c]) else float(iou[c]),
                     "groundTruthPixels": int(gt[c])} for c, n in enumerate(CLASSES)],
    }
    with open(os.path.join(a.out, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    for c, n in enumerate(CLASSES):
        print(f"{n:12s} {'nan' if math.isnan(iou[c]) else f'{iou[c]:.4f}':>8s} {gt[c]:12d}")
    print(f"mIoU {miou:.4f} over {int(defined.sum())} classes with defined IoU, {len(val)} {a.val_split} frames; "
          f"{'median %.3f s/step' % result['secondsPerStepMedian'] if seconds else 'no training'} "
          f"({result['threads']} threads, oneDNN {result['onednnIsa']}, ATen {result['atenCpuCapability']}); wrote {os.path.join(a.out, 'result.json')}")


if __name__ == "__main__":
    main()
