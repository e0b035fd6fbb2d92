#!/usr/bin/env bash
# Table 4's question on real data: does the search with the boosters (aux heads γ, self-distillation
# λ from the supernet teacher) beat the search alone, and which reduction of eq. 10 does?
#
# One pretrained CamVid supernet (examples/configs/camvid/supernet-cpu.json) and its teacher, then for
# each arm: search under a MAC target, extract, fine-tune, evaluate on val at full 360x480.
#   alone      γ = 0, λ = 0 in search and fine-tune
#   sum        γ = 1, λ = 0.001, eq. 10 summed over pixels (the paper)
#   mean       γ = 1, λ = 0.001, eq. 10 averaged over pixels
# Arms run two at a time, one libtorch thread each (2 cores). Prints a table of val mIoU and GMACs.
#
# usage: examples/bench/camvid_boosters.sh WORK [--root CAMVID] [--target-gmacs 4.0] [--pretrain 600] [--search 150] [--finetune 450]
#        [--seed 0] [--set key=value]...   (config overrides for every phase, e.g. --set data.cropHeight=128)
set -euo pipefail
work=${1:?usage: camvid_boosters.sh WORK [options]}; shift
root=../shared/data/camvid/CamVid; target=4.0; pretrain=600; search=150; finetune=450; seed=0; jar=examples/target/rtseg.jar; extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --root) root=$2; shift 2;; --target-gmacs) target=$2; shift 2;; --search) search=$2; shift 2;;
    --pretrain) pretrain=$2; shift 2;;
    --finetune) finetune=$2; shift 2;; --seed) seed=$2; shift 2;; --jar) jar=$2; shift 2;;
    --set) extra+=(--set "$2"); shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
config=examples/configs/camvid/supernet-cpu.json
# Where libtorch's oneDNN kernels are wrong, the rtseg command reruns itself with ONEDNN_MAX_CPU_ISA=SSE41
# (README, 'Platform note'); set the variable to choose the kernels yourself.
rtseg() { java -jar "$jar" "$@" --threads 1; }
common=(--set "data.root=$root" --set "training.seed=$seed" "${extra[@]}")

if [ ! -f "$work/pre/teacher/config.json" ]; then
  rtseg pretrain --config $config --work "$work/pre" --set "training.iterations=$pretrain" "${common[@]}" --resume
fi

arm() {  # name, then --set overrides shared by search and fine-tune
  local name=$1; shift
  local sets=("${common[@]}"); for s in "$@"; do sets+=(--set "$s"); done
  local dir="$work/$name"
  [ -f "$dir/metrics.json" ] && return 0
  [ -f "$dir/search/search/config.json" ] || rtseg search --config $config --work "$dir/search" --supernet "$work/pre/model" \
      --teacher "$work/pre/teacher" --target-gmacs "$target" --set "training.iterations=$search" "${sets[@]}" --resume
  [ -f "$dir/subnet/config.json" ] || java -jar "$jar" extract --search "$dir/search/search" --out "$dir/subnet"
  [ -f "$dir/finetune/model/config.json" ] || rtseg finetune --config $config --work "$dir/finetune" --model "$dir/subnet" \
      --teacher "$work/pre/teacher" --set "training.iterations=$finetune" "${sets[@]}" --resume
  rtseg evaluate --model "$dir/finetune/model" --dataset camvid --root "$root" --json "$dir/metrics.json" > "$dir/evaluate.log"
}

arm alone training.gamma=0 training.lambda=0 > "$work/alone.log" 2>&1 &
arm sum training.kdReduction=sum > "$work/sum.log" 2>&1
wait
arm mean training.kdReduction=mean > "$work/mean.log" 2>&1

printf '%-8s %8s %10s\n' arm mIoU GMACs@360x480
for name in alone sum mean; do
  miou=$(python3 -c "import json;print('%.4f'%json.load(open('$work/$name/metrics.json'))['mIoU'])")
  gmacs=$(java -jar "$jar" complexity --config "$work/$name/subnet/config.json" --size 360x480 2>/dev/null | awk '/^total/{print $NF}')
  printf '%-8s %8s %10s\n' "$name" "$miou" "$gmacs"
done
