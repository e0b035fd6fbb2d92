#!/usr/bin/env bash
# Training parity with PyTorch on CamVid: for each seed, train BiSeNetV2 with rtseg's CamVid recipe
# (examples/configs/camvid/bisenetv2-cpu.json) in PyTorch eager and in rtseg from the very same initial
# weights, evaluate both on CamVid val, and print one table side by side.
#
# Per seed S:
#   1. PyTorch: examples/bench/bisenetv2_train_camvid.py --seed S (CoinCheung's init), exporting its initial
#      state_dict (init.npz) and its trained one (final.npz); trains, evaluates, writes pytorch/result.json.
#   2. rtseg import-pytorch --preset bisenetv2 --weights init.npz  -> rtseg/init-model (11 classes, aux heads).
#   3. rtseg finetune --config CONFIG --model rtseg/init-model --set data.seed=S --set training.seed=S
#      (no teacher: loss = OHEM CE + gamma * aux, the same recipe), then rtseg evaluate --dataset camvid.
#   4. (unless --no-cross-eval) rtseg evaluate of PyTorch's final.npz, imported: the PyTorch-trained weights
#      scored by rtseg's evaluator, which separates evaluation differences from training differences.
# With the same seed both sides see the same batches bit for bit (same frames, order, crops and flips) and
# the same dropout seeds; the step-0 losses agree to ~1e-6 relative, later steps drift apart by rounding.
#
# Instruction sets — state them with any speed comparison. On some of this project's AMD EPYC machines
# rtseg's libtorch 2.7.1 computes wrong convolutions with oneDNN's AVX/AVX2/AVX-512 kernels
# (org.rtseg.core.KernelCheck); there the CLI relaunches itself with ONEDNN_MAX_CPU_ISA=SSE41, elsewhere
# it keeps oneDNN's best kernels. --rtseg-isa ISA forces a cap on rtseg. Debian's PyTorch 1.13 (oneDNN
# 2.6.3) computes correctly without the cap and by default uses its best kernels (pytorch/result.json
# records the ISA oneDNN picked as onednnIsa); --pytorch-isa SSE41 runs PyTorch under that cap. Both sides' non-oneDNN ATen kernels keep their
# own dispatch (PyTorch 1.13's is recorded as atenCpuCapability). Use the same --threads for both sides,
# on a machine with that many idle cores.
#
# Usage: examples/bench/camvid_parity.sh [--steps N] [--threads N] [--seeds "0 1"] [--work DIR]
#            [--root CAMVID] [--config JSON] [--val-limit N] [--pytorch-isa SSE41] [--rtseg-isa SSE41]
#            [--no-cross-eval] [--table-only]
# --table-only prints the table of the seeds already run under --work and runs nothing: link seed-S folders
# of several runs into one folder to see them together.
#
# With two seeds or more the table ends with each side's mean and the difference of the means with its
# standard error (the seeds' spread on each side, sqrt(s1^2/n1 + s2^2/n2)). One run's mIoU moves by more
# than 10 points when only the rounding changes (docs/reproducing.md), so read the difference against it.
# Needs: examples/target/rtseg.jar (mvn -B -q package -DskipTests) and Debian's /usr/bin/python3 with
# python3-torch, numpy and PIL (override with PYTHON=...).
set -euo pipefail

cd "$(dirname "$0")/../.."
REPO=$(pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
JAR=${RTSEG_JAR:-$REPO/examples/target/rtseg.jar}
CONFIG=$REPO/examples/configs/camvid/bisenetv2-cpu.json
STEPS=""
THREADS=1
SEEDS="0 1"
WORK=$REPO/work/camvid-parity
ROOT=""
VAL_LIMIT=""
PT_ISA=""
RT_ISA=""
CROSS=1
TABLE_ONLY=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) STEPS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --seeds) SEEDS=$2; shift 2 ;;
        --seed) SEEDS=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        --root) ROOT=$2; shift 2 ;;
        --config) CONFIG=$2; shift 2 ;;
        --val-limit) VAL_LIMIT=$2; shift 2 ;;
        --pytorch-isa) PT_ISA=$2; shift 2 ;;
        --rtseg-isa) RT_ISA=$2; shift 2 ;;
        --no-cross-eval) CROSS=0; shift ;;
        --table-only) TABLE_ONLY=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "unknown option $1" >&2; usage 2 >&2 ;;
    esac
done
[ -f "$JAR" ] || { echo "no $JAR: build it first (mvn -B -q package -DskipTests)" >&2; exit 1; }
"$PYTHON" -c 'import torch, numpy, PIL' 2>/dev/null || { echo "$PYTHON lacks torch/numpy/PIL (Debian: python3-torch python3-pil)" >&2; exit 1; }

json() { "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$@"; }
median_seconds() { "$PYTHON" -c 'import csv,statistics,sys; print("%.3f" % statistics.median(float(r["seconds"]) for r in csv.DictReader(open(sys.argv[1]))))' "$1"; }
# Each side's mean mIoU over the seeds, and rtseg's minus PyTorch's with its standard error (2+ seeds).
mean_gap() {
    "$PYTHON" - "$@" <<'PY'
import json, statistics, sys
work, seeds = sys.argv[1], sys.argv[2:]
pt = [json.load(open(f"{work}/seed-{s}/pytorch/result.json"))["mIoU"] for s in seeds]
rt = [json.load(open(f"{work}/seed-{s}/rtseg/eval.json"))["mIoU"] for s in seeds]
if len(seeds) > 1:
    se = (statistics.variance(pt) / len(pt) + statistics.variance(rt) / len(rt)) ** 0.5
    print(f"mean | {statistics.mean(pt):.4f} | {statistics.mean(rt):.4f}")
    print(f"rtseg - PyTorch: {100 * (statistics.mean(rt) - statistics.mean(pt)):+.1f} points, standard error "
          f"{100 * se:.1f} ({len(seeds)} seeds each; seed sd PyTorch {100 * statistics.stdev(pt):.1f}, "
          f"rtseg {100 * statistics.stdev(rt):.1f})")
PY
}
first_loss() { "$PYTHON" -c 'import csv,sys; print("%.4f" % float(next(csv.DictReader(open(sys.argv[1])))["loss"]))' "$1"; }

[ -n "$ROOT" ] || ROOT=$(json "$CONFIG" 'd["data"]["root"]')
case "$ROOT" in /*) ;; *) ROOT=$(cd "$ROOT" && pwd) ;; esac
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# rtseg's overrides for --steps: as TrainingConfig.withIterations (warm-up and checkpoints fit the run).
SETS=(--set "data.root=$ROOT")
if [ -n "$STEPS" ]; then
    WARMUP=$(json "$CONFIG" "min(d['training']['warmupIterations'], $STEPS - 1)")
    CKPT=$(json "$CONFIG" "min(d['training']['checkpointEvery'], $STEPS)")
    SETS+=(--set "training.iterations=$STEPS" --set "training.warmupIterations=$WARMUP" --set "training.checkpointEvery=$CKPT")
fi

# The evaluation root: the dataset, or with --val-limit a folder of symlinks to the first N val frames
# (sorted, the frames the PyTorch script scores with --val-limit). Nothing is copied.
EVAL_ROOT=$ROOT
if [ -n "$VAL_LIMIT" ]; then
    SRC=$ROOT; [ -d "$ROOT/CamVid" ] && SRC=$ROOT/CamVid
    EVAL_ROOT=$WORK/val-first-$VAL_LIMIT
    rm -rf "$EVAL_ROOT"; mkdir -p "$EVAL_ROOT/val" "$EVAL_ROOT/valannot"
    for f in $(ls "$SRC/val" | grep '\.png$' | sort | head -n "$VAL_LIMIT"); do
        ln -s "$SRC/val/$f" "$EVAL_ROOT/val/$f"
        ln -s "$SRC/valannot/$f" "$EVAL_ROOT/valannot/$f"
    done
fi

PT_ENV=(); PT_ISA_TEXT="unset (oneDNN's best)"
if [ -n "$PT_ISA" ]; then PT_ENV=(ONEDNN_MAX_CPU_ISA="$PT_ISA"); PT_ISA_TEXT=$PT_ISA; fi
RT_ENV=(); RT_ISA_TEXT="unset (oneDNN's best, unless the CLI's kernel check caps it)"
if [ -n "$RT_ISA" ]; then RT_ENV=(ONEDNN_MAX_CPU_ISA="$RT_ISA"); RT_ISA_TEXT=$RT_ISA; fi
rtseg() { env "${RT_ENV[@]}" java -jar "$JAR" "$@"; }

for S in $SEEDS; do
    [ "$TABLE_ONLY" = 1 ] && break
    D=$WORK/seed-$S
    rm -rf "$D"; mkdir -p "$D/pytorch" "$D/rtseg"
    echo "=== seed $S: PyTorch (threads $THREADS, ONEDNN_MAX_CPU_ISA $PT_ISA_TEXT)"
    env "${PT_ENV[@]}" "$PYTHON" examples/bench/bisenetv2_train_camvid.py --config "$CONFIG" --root "$ROOT" \
        --threads "$THREADS" --seed "$S" ${STEPS:+--steps "$STEPS"} ${VAL_LIMIT:+--val-limit "$VAL_LIMIT"} \
        --out "$D/pytorch" --export-init "$D/pytorch/init.npz" --export-final "$D/pytorch/final.npz" \
        2>&1 | tee "$D/pytorch/log.txt"
    echo "=== seed $S: rtseg import-pytorch of the PyTorch init"
    rtseg import-pytorch --preset bisenetv2 --weights "$D/pytorch/init.npz" --out "$D/rtseg/init-model" 2>&1 \
        | grep -v NNPACK | tee "$D/rtseg/import.txt"
    echo "=== seed $S: rtseg finetune (threads $THREADS, ONEDNN_MAX_CPU_ISA $RT_ISA_TEXT)"
    rtseg finetune --config "$CONFIG" --model "$D/rtseg/init-model" --work "$D/rtseg/work" --threads "$THREADS" \
        "${SETS[@]}" --set "data.seed=$S" --set "training.seed=$S" 2>&1 | grep -v NNPACK | tee "$D/rtseg/finetune.txt"
    echo "=== seed $S: rtseg evaluate"
    rtseg evaluate --model "$D/rtseg/work/model" --dataset camvid --root "$EVAL_ROOT" --split val \
        --threads "$THREADS" --json "$D/rtseg/eval.json" 2>&1 | grep -v NNPACK | tee "$D/rtseg/eval.txt"
    if [ "$CROSS" = 1 ]; then
        echo "=== seed $S: PyTorch's trained weights, scored by rtseg evaluate"
        rtseg import-pytorch --preset bisenetv2 --weights "$D/pytorch/final.npz" --out "$D/rtseg/pytorch-final" 2>&1 | grep -v NNPACK
        rtseg evaluate --model "$D/rtseg/pytorch-final" --dataset camvid --root "$EVAL_ROOT" --split val \
            --threads "$THREADS" --json "$D/rtseg/cross-eval.json" 2>&1 | grep -v NNPACK | tail -6
    fi
done

THREADS_TEXT="$THREADS thread(s)"
if [ "$TABLE_ONLY" = 1 ]; then
    THREADS_TEXT="threads as each seed ran (result.json)"
    for S in $SEEDS; do
        for f in pytorch/result.json pytorch/metrics.csv rtseg/eval.json rtseg/work/metrics.csv; do
            [ -f "$WORK/seed-$S/$f" ] || { echo "no $WORK/seed-$S/$f: run seed $S first (without --table-only)" >&2; exit 1; }
        done
    done
fi
echo
{
echo "CamVid val ($( [ -n "$VAL_LIMIT" ] && echo "first $VAL_LIMIT frames" || echo "all frames" )), config $(basename "$CONFIG")${STEPS:+, $STEPS steps}, $THREADS_TEXT"
if [ "$TABLE_ONLY" = 1 ]; then
    echo "ISA: as each seed ran (seed-*/pytorch/result.json's onednnIsa; seed-*/rtseg/finetune.txt)"
else
    echo "ISA: PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)') with ONEDNN_MAX_CPU_ISA $PT_ISA_TEXT; rtseg (libtorch 2.7.1) with ONEDNN_MAX_CPU_ISA $RT_ISA_TEXT"
fi
HEAD="seed | mIoU PyTorch | mIoU rtseg | s/step PyTorch | s/step rtseg | step-0 loss PyTorch | step-0 loss rtseg"
[ "$CROSS" = 1 ] && HEAD="$HEAD | mIoU of PyTorch's weights, rtseg evaluate"
echo "$HEAD"
for S in $SEEDS; do
    D=$WORK/seed-$S
    ROW="$S | $(json "$D/pytorch/result.json" '"%.4f" % d["mIoU"]') | $(json "$D/rtseg/eval.json" '"%.4f" % d["mIoU"]')"
    ROW="$ROW | $(median_seconds "$D/pytorch/metrics.csv") | $(median_seconds "$D/rtseg/work/metrics.csv")"
    ROW="$ROW | $(first_loss "$D/pytorch/metrics.csv") | $(first_loss "$D/rtseg/work/metrics.csv")"
    [ "$CROSS" = 1 ] && ROW="$ROW | $(json "$D/rtseg/cross-eval.json" '"%.4f" % d["mIoU"]')"
    echo "$ROW"
done
mean_gap "$WORK" $SEEDS
} | tee "$WORK/table.txt"
echo "(s/step: median over the steps, data preparation and update included on both sides; per-step rows in"
echo " seed-*/pytorch/metrics.csv and seed-*/rtseg/work/metrics.csv; per-class IoU in result.json / eval.json)"
