#!/usr/bin/env bash
# Every measurement that needs a GPU, in one command that fits a lent machine's 10-minute call (the device tool's limits):
# each part has its own time limit, cut to what is left of the session's SESSION_SECONDS (default 560), and writes
# its own file under $OUT (at most 8 files come back: log.txt and 7 parts per call), so one failing part does not stop the
# others. Run from the repository root, with the git-ignored folder .gpu/ carried and MISVAE_COMMIT set to the
# commit of the tree (the device's copy may carry stale git metadata). Make .gpu/ (git-ignored) once, here:
#   MISVAE_AUTHORS_CHECKPOINT=PATH/TO/THE.zip bash benchmarks/gpu_prepare.sh [PREV]   # prints the carry list and MISVAE_COMMIT
# (the wheels the device lacks, the baseline commit PREV's code for the *_prev parts, the authors' model).
# PARTS (a space-separated list, default: the first six, most needed first) picks what runs, so that a second call on
# the still-warm machine runs the rest:
#   data                 MNIST into $MISVAE_DATA
#   step_modes           ms per S2S A=4 S=2 step: eager / CUDA graph, float32 / bfloat16, networks compiled or not (the 4 ms target)
#   graph_check_compiled the graphed, compiled step against eager; host waits; evaluate_nll's precision='auto' on CUDA
#   probe                evaluation throughput at A=50, L=1000, float32 and bfloat16, compiled (the 10-minute target)
#   trainer              misvae-train as it runs by default, 3 epochs of full MNIST (the 3 s epoch target, validation included)
#   training_steps       the A / S ratios (S2S A=800 / A=2, S2A / S2S at A=800)
#   released             the authors' released model (.gpu/ carried, it holds the zip) on the full test set as the `released`
#                        campaign, stopped cleanly before the session's end; its evaluation files come back flat as released_*
#   probe_autotune       evaluation compiled in Inductor's max-autotune mode against the default compilation; every variant's bound
#                        is checked against the first's on the same samples (a miscompiled kernel is flagged), convolution configs
#                        of more than 4 warps are capped at 4 (pytorch#173068), and each variant is saved as soon as it is measured
#   probe_graphed        evaluation in passes of 20,000 and 500 decodes, each with and without its batches' chunks replayed
#                        from a CUDA graph (evaluate_nll's graph=True): whether passes small enough for a layer's activations to
#                        stay in the L2 cache (50 MB: about 500 decodes) pay once the host's launches are out of the way
#   eval_graph           the graphed evaluation against the eager one on the same samples (float32 eager, bfloat16 compiled)
#   resume               the trainer's default GPU run stopped inside an epoch and resumed, against two whole runs
#   training_steps_s2a   the S2A / S2S ratio at A = 800, S = 1 alone (its two cells), with today's code: the baseline of the next part
#   training_steps_density  that ratio with the mixture's log-density compiled too (a candidate for the S2A / S2S target)
#   step_modes_tf32      step_modes with matrix products on TensorFloat32 tensor cores (--tf32; cuDNN's convolutions already are): a
#                        candidate for the float32 step (4.39 ms against the 4 ms target at d41cd16), beside step_modes in the same call
#   training_steps_tf32  training_steps_s2a with --tf32: a candidate for the S2A / S2S target (S2A's extra cost is the heads' products
#                        for all 800 components, in float32 on CUDA cores without it), beside training_steps_s2a in the same call
#   fused_decoder        a prototype for the 10-minute target: the decoder's eval pass (A = 50, 20,000 decodes, bfloat16) with each
#                        BatchNorm folded into the convolution before it and cuDNN's fused convolution + bias + ReLU, one convolution
#                        per component or grouped, against the package's compiled decoder (benchmarks/fused_decoder.py)
#   training_steps_heads the A / S ratios with the heads compiled in max-autotune mode (Triton matrix products that can take the
#                        additions and ReLUs after them: a candidate for S2A's extra cost, the heads for all 800 components)
#   log_density          the mixture's log-density matrix by its formula against torch.distributions (forward and backward)
#   batchnorm_stats      per-component BatchNorm statistics in one pass (the package's) against two (its first implementation):
#                        one layer forward and backward, and the graphed compiled step in float32 and bfloat16 (the 4 ms target)
#   profile              kernels (and the torch ops that launched them) of a graphed step and of an evaluation pass
#   output_layer         the decoder's output layer as a convolution against a product over channels (compiled, float32),
#                        the layer alone and in the decoder's passes
#   training_steps_amp   the A / S ratios with --amp (the decoder in bfloat16), as `misvae-train --amp` runs
#   trainer_bf16
#   step_modes_prev, probe_prev   step_modes and probe with the baseline commit's code in .gpu/prev (if there), for an A/B
#                        on the same machine in the same call
# Earlier sessions' commands (the phylogenetics step, the grid campaign) are in benchmarks/results/*/README.md; the plan for the
# next lent GPU (which parts, in which calls) ends benchmarks/results/gpu_2026-11-28_h100/README.md.
set -u
: "${MISVAE_COMMIT:?set MISVAE_COMMIT to the commit of the carried tree (the JSONs name it)}"
START=$(date +%s); END=$(( START + ${SESSION_SECONDS:-560} )); OUT=${OUT:-/tmp/gpu_out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 MISVAE_DATA=/tmp/data
LOG="$OUT/log.txt"
part() {  # part NAME SECONDS COMMAND...: run with a time limit (cut to what is left), log its output, never stop the session
  local name=$1 secs=$2 want=$2; shift 2
  local left=$(( END - $(date +%s) - 5 ))
  [ "$left" -lt "$secs" ] && secs=$left
  if [ "$secs" -lt 15 ] || [ "$secs" -lt $(( want / 3 )) ]; then echo "=== $name: skipped, ${left}s left of the ${want}s it wants ===" | tee -a "$LOG"; return; fi
  echo "=== $name (limit ${secs}s, $(( $(date +%s) - START ))s into the session) ===" | tee -a "$LOG"
  timeout "$secs" "$@" 2>&1 | tee -a "$LOG"; echo "=== $name: exit ${PIPESTATUS[0]} ===" | tee -a "$LOG"
}
PARTS=${PARTS:-data step_modes graph_check_compiled probe trainer training_steps}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$LOG"
python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$LOG"
TRAIN="from misvae_nb.training import train_cli; train_cli()"   # misvae-train, S2S A=4 S=2 on full MNIST, as it runs by default
TRAIN_ARGS="--estimator s2s --A 4 --S 2 --epochs 3 --warmup_epochs 1"
STEPS="python3 benchmarks/training_steps.py --device cuda --repeats 5 --min-time 0.1"   # the step benchmark, as every part runs it
PREV="env PYTHONPATH=/tmp/site:$PWD/.gpu/prev MISVAE_COMMIT=$(cat .gpu/prev/COMMIT 2>/dev/null)"   # the baseline commit's code
trainer_metrics() {  # the trainers' metrics.json in one file: the epochs finished, also when stopped by a limit
python3 - "$OUT/trainer_metrics.json" <<'PY'
import json, sys, pathlib
runs = {k: pathlib.Path(f'/tmp/run_{k}/metrics.json') for k in ('fp32', 'bf16')}
pathlib.Path(sys.argv[1]).write_text(json.dumps({k: json.loads(p.read_text()) for k, p in runs.items() if p.exists()}, indent=1))
PY
}
for p in $PARTS; do case $p in
  data) part data 30 python3 -c "from misvae_nb.data import binarized_splits; binarized_splits('mnist', n_train=10, n_valid=10, n_test=10)" ;;
  step_modes) part step_modes 170 $STEPS --step-modes --step-configs s2s:4:2 --json "$OUT/step_modes_gpu.json" ;;
  graph_check_compiled) part graph_check_compiled 110 python3 benchmarks/gpu_checks.py graph "$OUT/graph_check_compiled.json" --compile ;;
  probe) part probe 110 python3 benchmarks/gpu_probe.py "$OUT/probe.json" --parts eval --eval-variants float32_compiled,bfloat16_compiled ;;
  trainer) part trainer 90 python3 -c "$TRAIN" $TRAIN_ARGS --out_dir /tmp/run_fp32; trainer_metrics ;;
  trainer_bf16) part trainer_bf16 110 python3 -c "$TRAIN" $TRAIN_ARGS --amp --out_dir /tmp/run_bf16; trainer_metrics ;;
  training_steps) part training_steps 150 $STEPS --eval-images 0 --json "$OUT/training_steps_gpu.json" ;;
  output_layer) part output_layer 150 python3 benchmarks/output_layer.py --device cuda --images 2000 --rounds 20 --compile --json "$OUT/output_layer_gpu.json" ;;
  training_steps_amp) part training_steps_amp 150 $STEPS --eval-images 0 --amp --json "$OUT/training_steps_amp_gpu.json" ;;
  training_steps_heads) part training_steps_heads 200 $STEPS --eval-images 0 --heads-mode max-autotune-no-cudagraphs --json "$OUT/training_steps_heads_gpu.json" ;;
  training_steps_s2a) part training_steps_s2a 100 $STEPS --eval-images 0 --ratios s2a_over_s2s_A800_S1 --json "$OUT/training_steps_s2a_gpu.json" ;;
  step_modes_tf32) part step_modes_tf32 170 $STEPS --step-modes --step-configs s2s:4:2 --tf32 --json "$OUT/step_modes_tf32_gpu.json" ;;
  training_steps_tf32) part training_steps_tf32 100 $STEPS --eval-images 0 --ratios s2a_over_s2s_A800_S1 --tf32 --json "$OUT/training_steps_tf32_gpu.json" ;;
  fused_decoder) part fused_decoder 120 python3 benchmarks/fused_decoder.py --json "$OUT/fused_decoder_gpu.json" ;;
  training_steps_density) part training_steps_density 100 $STEPS --eval-images 0 --ratios s2a_over_s2s_A800_S1 --compile-density --json "$OUT/training_steps_density_gpu.json" ;;
  batchnorm_stats) part batchnorm_stats 150 python3 benchmarks/batchnorm_stats.py --device cuda --rounds 15 --json "$OUT/batchnorm_stats_gpu.json" ;;
  log_density) part log_density 40 python3 benchmarks/log_density.py --device cuda --rounds 30 --json "$OUT/log_density_gpu.json" ;;
  released) touch /tmp/released_start   # files the evaluation writes (the result, or the state to resume from) come back
            part released 600 python3 benchmarks/gpu_checks.py released "$OUT/released.json" --L 13 --deadline $(( END - 25 ))
            find campaigns/released/authors_A400 -type f -newer /tmp/released_start -exec sh -c 'cp "$1" "$2/released_$(basename "$1")"' _ {} "$OUT" \; ;;
  probe_autotune) part probe_autotune 240 python3 benchmarks/gpu_probe.py "$OUT/probe_autotune.json" --parts eval \
                    --eval-variants bfloat16_compiled,bfloat16_autotuned ;;
  probe_graphed) part probe_graphed 170 python3 benchmarks/gpu_probe.py "$OUT/probe_graphed.json" --parts eval \
                   --eval-variants bfloat16_compiled,bfloat16_compiled_graphed --pass-sizes 20000,500 ;;
  eval_graph) part eval_graph 70 python3 benchmarks/gpu_checks.py eval_graph "$OUT/eval_graph.json" ;;
  resume) part resume 120 python3 benchmarks/gpu_checks.py resume "$OUT/resume.json" ;;
  profile) part profile 100 python3 benchmarks/gpu_probe.py "$OUT/probe_profile.json" --parts profile ;;
  step_modes_prev) [ -d .gpu/prev ] && part step_modes_prev 130 $PREV python3 .gpu/prev/benchmarks/training_steps.py --device cuda --step-modes \
                     --step-configs s2s:4:2 --repeats 5 --min-time 0.1 --json "$OUT/step_modes_prev.json" ;;
  probe_prev) [ -d .gpu/prev ] && part probe_prev 110 $PREV python3 .gpu/prev/benchmarks/gpu_probe.py "$OUT/probe_prev.json" --parts eval --eval-variants bfloat16_compiled ;;
  *) echo "unknown part $p" | tee -a "$LOG" ;;
esac; done
echo "session: $(( $(date +%s) - START ))s" | tee -a "$LOG"
