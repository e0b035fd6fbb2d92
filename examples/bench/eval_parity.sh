#!/usr/bin/env bash
# rtseg's eval graph against PyTorch eager on BiSeNetV2, measured the way a noisy shared machine
# allows: ROUNDS interleaved rounds of three processes, each timing RUNS eval forwards after 3
# untimed ones at the same size and threads:
#   rtseg      `rtseg benchmark --eval-only` (its C heap set by TensorMemory, as every rtseg process);
#   pytorch    examples/bench/bisenetv2_eager.py as a PyTorch user runs it (glibc's defaults);
#   pytorch+   the same script under the glibc settings TensorMemory makes (MALLOC_MMAP_MAX_=0,
#              MALLOC_TRIM_THRESHOLD_=-1, MALLOC_TOP_PAD_=1 GiB), so that the allocator is no difference.
# Prints each round's medians and ratios, then the median ratio against each PyTorch.
#
# usage: examples/bench/eval_parity.sh [--threads 2] [--rounds 3] [--runs 10] [--size 512x1024]
# Needs examples/target/rtseg.jar and Debian's /usr/bin/python3 with python3-torch (override with PYTHON=...).
set -euo pipefail
threads=2; rounds=3; runs=10; size=512x1024
python=${PYTHON:-/usr/bin/python3}
while [ $# -gt 0 ]; do
  case $1 in
    --threads) threads=$2; shift 2;; --rounds) rounds=$2; shift 2;; --runs) runs=$2; shift 2;;
    --size) size=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
[ -f examples/target/rtseg.jar ] || { echo "examples/target/rtseg.jar is missing: mvn -B -q package -DskipTests" >&2; exit 1; }
median_of() { grep -o 'median [0-9.]*' | head -1 | cut -d' ' -f2; }
eager() { env "$@" "$python" examples/bench/bisenetv2_eager.py --size "$size" --runs "$runs" --warmup 3 --threads "$threads" 2>/dev/null | median_of; }
plain=(); same=()
for r in $(seq 1 "$rounds"); do
  j=$(java -jar examples/target/rtseg.jar benchmark --preset bisenetv2 --eval-only --size "$size" --runs "$runs" --warmup 3 \
      --threads "$threads" 2>/dev/null | grep '^eval forward' | median_of)
  p=$(eager)
  q=$(eager MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=-1 MALLOC_TOP_PAD_=1073741824)
  a=$(awk -v x="$j" -v y="$p" 'BEGIN{printf "%.3f", x/y}'); b=$(awk -v x="$j" -v y="$q" 'BEGIN{printf "%.3f", x/y}')
  plain+=("$a"); same+=("$b")
  printf 'round %d: rtseg %s ms | pytorch %s ms | pytorch+ %s ms | rtseg/pytorch %s | rtseg/pytorch+ %s\n' "$r" "$j" "$p" "$q" "$a" "$b"
done
summary() { printf '%s\n' "${@:2}" | sort -n | awk -v what="$1" '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "median %s over %d rounds: %.3f (min %.3f, max %.3f)\n", what, NR, m, v[1], v[NR]}'; }
echo "bisenetv2 1x3x$size, $threads threads"
summary "rtseg/pytorch " "${plain[@]}"
summary "rtseg/pytorch+" "${same[@]}"
