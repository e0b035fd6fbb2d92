#!/usr/bin/env bash
# Data-parallel training across processes on this machine (docs/distributed.md), printed side by side:
#  1. the one allreduce of a step at the `supernet` preset's gradient size (every trainable float, all
#     candidate paths), over shared memory (vader) and over TCP on loopback;
#  2. the demo network's pretraining step at 1 rank x 2 threads against 2 ranks x 1 thread on the same
#     global batch of 8 (4 per rank), alternating the two for ROUNDS rounds of STEPS steps; the step time
#     is the median over the steps after the first WARM, and the communication share is the time rank 0
#     spent in packing, allreduce and waiting for the other rank over its steps' time, on the same steps
#     (metrics.csv's `communication` and `seconds`).
# Needs Open MPI (apt-get install openmpi-bin libopenmpi-dev) and the jar (mvn -B -q install -DskipTests).
# Run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
jar=$(mktemp --suffix=.jar)
cp "${JAR:-examples/target/rtseg.jar}" "$jar"   # a rebuild during the run does not change what is timed
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-40}
WARM=${WARM:-5}
config=examples/src/main/resources/org/rtseg/examples/demo.json
mpirun=(mpirun --allow-run-as-root -np 2 --bind-to core)
work=$(mktemp -d)
trap 'rm -rf "$work" "$jar"' EXIT

for btl in vader tcp; do
  "${mpirun[@]}" --mca btl "self,$btl" java -jar "$jar" allreduce-bench --preset supernet 2>/dev/null | sed "s/^/allreduce over $btl: /"
done

common=(--config "$config" --set training.iterations="$STEPS" --set training.warmupIterations=0 --set training.logEvery="$STEPS"
        --set training.checkpointEvery=100000)
for r in $(seq "$ROUNDS"); do
  java -jar "$jar" pretrain "${common[@]}" --threads 2 --work "$work/one-$r" > "$work/one-$r.log" 2>&1
  "${mpirun[@]}" java -jar "$jar" pretrain "${common[@]}" --threads 1 --set training.batchSize=4 --work "$work/two-$r" \
    > "$work/two-$r.log" 2>&1
done

python3 - "$work" "$ROUNDS" "$WARM" <<'PY'
import csv, statistics, sys
work, rounds, warm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def rows(run):
    return list(csv.DictReader(open(f"{work}/{run}/metrics.csv")))[warm:]
def step(run):
    return statistics.median(float(r["seconds"]) for r in rows(run))
print("demo network pretraining step, global batch 8 (rank 0's metrics.csv; median of steps after the first %d)" % warm)
print("round  1 rank x 2 threads  2 ranks x 1 thread  ratio  communication share (rank 0)")
ratios, shares = [], []
for r in range(1, rounds + 1):
    one, two = step(f"one-{r}"), step(f"two-{r}")
    timed = rows(f"two-{r}")
    share = sum(float(t["communication"]) for t in timed) / sum(float(t["seconds"]) for t in timed)
    ratios.append(two / one); shares.append(share)
    print(f"{r:5d}  {one:17.3f} s  {two:17.3f} s  {two / one:5.3f}  {share:6.1%}")
print(f"median ratio {statistics.median(ratios):.3f}; median communication share {statistics.median(shares):.1%} (goal <= 10 %)")
PY
