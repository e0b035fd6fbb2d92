#!/usr/bin/env bash
# Time per training step of the CamVid parity recipe, rtseg against PyTorch eager, measured the way a
# noisy shared machine allows: ROUNDS interleaved rounds (rtseg, then PyTorch, each WARM untimed steps
# then STEPS timed, same threads), the ratio per round, and the median of the ratios.
#
# usage: examples/bench/camvid_step_time.sh [--threads 2] [--rounds 3] [--warm 5] [--steps 30]
#            [--root ../shared/data/camvid/CamVid] [--config examples/configs/camvid/bisenetv2-cpu.json]
# Needs examples/target/rtseg.jar and Debian's /usr/bin/python3 with python3-torch (override with PYTHON=...).
# For where the time goes: java -cp examples/target/rtseg.jar examples/bench/CamvidStepTime.java ... TRACE.json
# (libtorch's profiler) and examples/bench/camvid_step_time.py ... --profile.
set -euo pipefail
threads=2; rounds=3; warm=5; steps=30; root=../shared/data/camvid/CamVid; config=examples/configs/camvid/bisenetv2-cpu.json
python=${PYTHON:-/usr/bin/python3}
while [ $# -gt 0 ]; do
  case $1 in
    --threads) threads=$2; shift 2;; --rounds) rounds=$2; shift 2;; --warm) warm=$2; shift 2;;
    --steps) steps=$2; shift 2;; --root) root=$2; shift 2;; --config) config=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
[ -f examples/target/rtseg.jar ] || { echo "examples/target/rtseg.jar is missing: mvn -B -q package -DskipTests" >&2; exit 1; }
ratios=()
for r in $(seq 1 "$rounds"); do
  j=$(java -cp examples/target/rtseg.jar examples/bench/CamvidStepTime.java "$threads" "$warm" "$steps" "$config" "$root" 2>/dev/null | grep '^rtseg')
  p=$("$python" examples/bench/camvid_step_time.py "$threads" "$warm" "$steps" "$config" "$root" | grep '^pytorch')
  ratio=$(awk -v a="$(echo "$j" | awk '{print $3}')" -v b="$(echo "$p" | awk '{print $3}')" 'BEGIN{printf "%.3f", a/b}')
  ratios+=("$ratio")
  printf 'round %d: %s | %s | rtseg/pytorch %s\n' "$r" "$j" "$p" "$ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "median rtseg/pytorch over %d rounds: %.3f (min %.3f, max %.3f)\n", NR, m, v[1], v[NR]}'
