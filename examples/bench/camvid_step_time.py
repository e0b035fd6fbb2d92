"""Seconds per training step of the PyTorch side of the CamVid parity recipe (bisenetv2_train_camvid.py's
loop: same batches, OHEM on main + aux heads, SGD), split into data, forward, loss, backward and update.

usage: camvid_step_time.py THREADS WARM STEPS CONFIG ROOT [--profile]   (--profile prints torch's op table)
"""
import contextlib
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import bisenetv2_train_camvid as recipe  # noqa: E402
from bisenetv2_eager import BiSeNetV2  # noqa: E402

threads, warm, steps, config, root = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
profiling = "--profile" in sys.argv
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
run = json.load(open(config))
data, t = run["data"], dict(run["training"])
aug = {"scales": [float(s) for s in data["scales"]], "crop_h": data["cropHeight"], "crop_w": data["cropWidth"], "flip": data["flip"]}
torch.manual_seed(0)
net = BiSeNetV2(len(recipe.CLASSES), aux=True)
net.init_coincheung()
net.train()
batches = recipe.Batches(recipe.read_camvid(root, data.get("split", "train")), t["batchSize"], 0, 0, aug)
opt = recipe.optimizer(net, t)
threshold = float(-math.log(t["ohemThreshold"]))
phases = dict.fromkeys(["data", "forward", "loss", "backward", "update"], 0.0)


def step(i, timed):
    marks = [time.perf_counter()]
    x, y = batches.get(i)
    marks.append(time.perf_counter())
    outs = net(x)
    marks.append(time.perf_counter())
    loss = recipe.ohem(outs[0], y, threshold) + t["gamma"] * sum(recipe.ohem(o, y, threshold) for o in outs[1:])
    loss.item()
    marks.append(time.perf_counter())
    opt.zero_grad(set_to_none=False)
    loss.backward()
    marks.append(time.perf_counter())
    opt.step()
    marks.append(time.perf_counter())
    if timed:
        for k, (a, b) in zip(phases, zip(marks, marks[1:])):
            phases[k] += b - a


for i in range(warm):
    step(i, False)
with torch.autograd.profiler.profile() if profiling else contextlib.nullcontext() as prof:
    for i in range(warm, warm + steps):
        step(i, True)
print("pytorch s/step %.4f (%s)" % (sum(phases.values()) / steps, ", ".join(f"{k} {v / steps:.4f}" for k, v in phases.items())))
if profiling:
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))
