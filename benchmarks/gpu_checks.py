"""Checks that need a CUDA GPU, each writing one JSON stamped with the device: run by benchmarks/gpu_session.sh.

  python benchmarks/gpu_checks.py graph OUT.json [--compile]
      The trainer's graphed step against its eager step (`misvae_nb.training.compare_step_modes`): the paper's
      network, S2S A = 4, S = 2 and S2A A = 800, S = 1, float32 and bfloat16, B = 100, 8 steps each; with
      --compile, S2S A = 4, S = 2 with the networks compiled in the graphed run (`misvae-train --compile`, the
      default on a GPU with Triton); without, not compiled (`--no-compile`). Then
      `host_waits`: 20 graphed steps (compiled likewise) on batches from DynamicBatches under
      torch.cuda.set_sync_debug_mode('error'): passes when nothing in a step makes the host wait for the GPU. Then
      `precision_auto`: evaluate_nll's default precision='auto' on 120 images (A = 4, L = 2) checks bfloat16 first
      and evaluates in the precision its check chose, with the bound of an evaluation in that precision (eager).
  python benchmarks/gpu_checks.py released OUT.json --L 13 [--deadline UNIX_TIME]
      The authors' released model (A = 400; $MISVAE_AUTHORS_CHECKPOINT) on the full test set as the `released`
      campaign (params/campaigns/released.yaml, its folder campaigns/released/authors_A400/), with
      precision='auto': the evaluation first compares the decoder in bfloat16 with float32 on the first test
      images (misvae_nb.evaluation.compare_precisions) and runs in bfloat16 if both bounds moved by under
      0.05 nats; the check is in the evaluation's JSON. Resumable: stopped at --deadline, its state stays in
      that folder and the campaign command continues it. (The committed released.json of 2026-11-26 came
      from this check's first version, which compared 200 images with two separate evaluations.)
  python benchmarks/gpu_checks.py eval_graph OUT.json
      evaluate_nll with each batch's chunks replayed from a CUDA graph (graph=True) against the same evaluation eagerly,
      the same seed, so the same samples: the paper's network (A = 50, untrained), 20 random images, L = 40 in chunks of 2,
      float32 eager and bfloat16 compiled; passes when both bounds agree to 1e-3 nats.
  python benchmarks/gpu_checks.py resume OUT.json [--device cpu]
      The trainer as misvae-train runs it by default on a GPU (graphed, compiled where Triton is), the paper's network
      (S2S A = 4, S = 2), 600 MNIST training images in batches of 100, 3 epochs: two whole runs, and a run stopped
      inside its second epoch (after 8 steps, as a Ctrl-C or the time budget stops it, saved) and resumed; passes
      when the resumed run's last validation loss is within 0.1 % of the first whole run's, or 3 x the second's
      distance from it.
"""
from __future__ import annotations
import argparse, json, sys, time
from pathlib import Path
import torch
from misvae_nb.config import TrainConfig
from misvae_nb.training import compare_step_modes
from misvae_nb.experiments import load_campaign, advance_campaign, campaign_table
from misvae_nb.provenance import run_info

CAMPAIGN = 'params/campaigns/released.yaml'


def write(path: str, record: dict):
    Path(path).write_text(json.dumps({**record, **run_info(record.get('device', 'cuda'))}, indent=1, default=float) + '\n')
    print(f"wrote {path}", flush=True)


def graph_check(out: str, compile: bool=False):
    results = {}
    for est, A, S in (('s2s', 4, 2),) if compile else (('s2s', 4, 2), ('s2a', 800, 1)):
        for amp in (False, True):
            name = f"{est}_A{A}_S{S}_{'bf16' if amp else 'fp32'}"
            try: r = compare_step_modes(TrainConfig(estimator=est, A=A, S=S, amp=amp, compile=compile))
            except Exception as e: r = dict(error=f"{type(e).__name__}: {e}"[:2000], passed=False)
            results[name] = r
            print(name, {k: v for k, v in r.items() if 'losses' not in k}, flush=True)
    try: results['host_waits'] = host_waits(compile=compile)
    except Exception as e: results['host_waits'] = dict(passed=False, error=f"{type(e).__name__}: {e}"[:2000])
    print('host_waits', results['host_waits'], flush=True)
    try: results['precision_auto'] = precision_auto()
    except Exception as e: results['precision_auto'] = dict(passed=False, error=f"{type(e).__name__}: {e}"[:2000])
    print('precision_auto', results['precision_auto'], flush=True)
    write(out, dict(name='graph_vs_eager', compiled_in_graph=compile, tolerance="losses relative 1e-3 at every step; final parameters and BatchNorm running statistics, each: "
                    "|graph - eager| / |eager - start| under 0.05 or 3 x the same for two eager runs, the second started one float32 "
                    "rounding step away (misvae_nb.training.compare_step_modes)", results=results))


def precision_auto() -> dict:
    "evaluate_nll's default precision='auto' on CUDA: it checks bfloat16 on the first CHECK_IMAGES images and evaluates as the check says, on the same samples."
    from misvae_nb.networks import MISVAE
    from misvae_nb.evaluation import evaluate_nll, CHECK_IMAGES
    torch.manual_seed(0)
    model = MISVAE(A=4).cuda()                                           # untrained: its bfloat16 gap may or may not pass
    images = torch.bernoulli(torch.full((CHECK_IMAGES + 20, 1, 28, 28), 0.3))
    r = evaluate_nll(model, images, L=2, progress=False, precision='auto', compile=False)          # eager: seconds, not a compilation
    chosen = evaluate_nll(model, images, L=2, progress=False, precision=r.precision, compile=False)
    ok = r.precision_check is not None and r.precision == ('bfloat16' if r.precision_check['passed'] else 'float32')
    return dict(passed=ok and abs(r.per_component - chosen.per_component) < 1e-3, precision=r.precision, check=r.precision_check,
                auto=[r.per_component, r.pooled], explicit=[chosen.per_component, chosen.pooled], seconds=[r.seconds, chosen.seconds])


def host_waits(steps: int=20, compile: bool=False) -> dict:
    "Run graphed training steps on batches from DynamicBatches, as the trainer does, with CUDA's sync debug mode raising on any wait."
    from misvae_nb.data import DynamicBatches
    from misvae_nb.training import build_step
    device = torch.device('cuda')
    step = build_step(TrainConfig(estimator='s2s', A=4, S=2, step='graph', compile=compile), device, torch.Generator(device).manual_seed(0))
    grey = torch.rand(100 * (steps + 5), 1, 28, 28, generator=torch.Generator().manual_seed(0))
    batches = iter(DynamicBatches(grey, 100, generator=torch.Generator().manual_seed(0), device=device))
    total = torch.zeros((), device=device)
    for _ in range(5): total = total + step(next(batches), 0.5)         # warm-up and capture
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        for k in range(steps): total = total + step(next(batches), min(1., k / steps))
        result = dict(passed=True, steps=steps)
    except RuntimeError as e: result = dict(passed=False, error=str(e)[:1000])
    finally: torch.cuda.set_sync_debug_mode('default')
    return result


def eval_graph(out: str):
    "evaluate_nll(graph=True) against graph=False on the same samples, float32 eager and bfloat16 compiled."
    from misvae_nb.networks import MISVAE
    from misvae_nb.evaluation import evaluate_nll
    images = torch.bernoulli(torch.full((20, 1, 28, 28), 0.3), generator=torch.Generator().manual_seed(0))
    results = {}
    for precision, compile in (('float32', False), ('bfloat16', True)):
        torch.manual_seed(0)
        model = MISVAE(A=50).cuda()                                      # the paper's network, untrained; compiled in place once
        try:
            eager, graphed = (evaluate_nll(model, images, L=40, max_images=2000, progress=False, precision=precision, compile=compile, graph=g)
                              for g in (False, True))                   # batches of 20 images, 20 chunks of 2 samples each
            diff = [graphed.per_component - eager.per_component, graphed.pooled - eager.pooled]
            r = dict(passed=all(abs(d) < 1e-3 for d in diff), eager=[eager.per_component, eager.pooled], graphed=[graphed.per_component, graphed.pooled],
                     graphed_minus_eager=diff, seconds=[eager.seconds, graphed.seconds])
        except Exception as e: r = dict(passed=False, error=f"{type(e).__name__}: {e}"[:2000])
        results[f"{precision}{'_compiled' if compile else ''}"] = r
        print(precision, r, flush=True)
    write(out, dict(name='eval_graph', tolerance='both bounds within 1e-3 nats', results=results))


def resume(out: str, device: str='cuda'):
    "A run stopped inside an epoch and resumed against two whole runs, as the trainer runs by default."
    import tempfile
    from misvae_nb.training import train
    from misvae_nb.data import binarized_splits
    data = binarized_splits('mnist', n_train=600, n_valid=200, n_test=0)
    tmp = Path(tempfile.mkdtemp())
    cfg = lambda name: TrainConfig(estimator='s2s', A=4, S=2, n_train=600, n_valid=200, epochs=3, warmup_epochs=1,
                                   device=device, out_dir=str(tmp / name))
    try:
        t0 = time.time(); whole_a = train(cfg('a'), data, progress=False)
        whole_b = train(cfg('b'), data, progress=False)
        train(cfg('cut'), data, stop_after_steps=8, progress=False); resumed = train(cfg('cut'), data, progress=False)
        last = lambda ms: ms[-1]['valid_loss']
        rel = lambda x, y: abs(last(x) - last(y)) / abs(last(y))
        r = dict(passed=rel(resumed, whole_a) <= max(1e-3, 3 * rel(whole_b, whole_a)),
                 valid_loss=dict(whole=last(whole_a), again=last(whole_b), resumed=last(resumed)),
                 seconds=time.time() - t0)
    except Exception as e: r = dict(passed=False, error=f"{type(e).__name__}: {e}"[:2000])
    print('resume', r, flush=True)
    write(out, dict(name='resume_inside_epoch', device=device, tolerance="last validation loss within 0.1 % of a whole "
                    "run's, or 3 x a second whole run's distance", results=r))


def released(out: str, L: int, deadline: float|None, device: str='cuda', calibration: int=500):
    minutes = None if deadline is None else max(0., (deadline - time.time()) / 60)
    c = load_campaign(CAMPAIGN, eval_L=L, eval_n_test=None, calibration=calibration)   # its eval_precision: auto
    c.train['device'] = device
    row = advance_campaign(c, max_minutes=minutes, say=lambda line: print(line, flush=True))[0]
    print(campaign_table(c, [row]), flush=True)
    write(out, dict(name='released_model', L=L, device=device, campaign=dict(params=CAMPAIGN, out_dir=str(Path(c.out_root) / c.name / 'authors_A400'),
                                                                            evaluation=row['evaluation'])))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('check', choices=('graph', 'released', 'eval_graph', 'resume'))
    p.add_argument('out')
    p.add_argument('--compile', action='store_true', help="graph: the graphed run with the networks compiled (misvae-train's default on a GPU with Triton)")
    p.add_argument('--L', type=int, default=13)
    p.add_argument('--deadline', type=float, default=None, help='unix time to stop the full evaluation by (resumable)')
    p.add_argument('--device', default='cuda', help="released, resume: where to run ('cpu' for a smoke test of this script)")
    p.add_argument('--calibration', type=int, default=500, help='released: training images for the BatchNorm statistics')
    a = p.parse_args()
    if a.device == 'cuda' and not torch.cuda.is_available(): sys.exit("gpu_checks.py: no CUDA GPU here (torch.cuda.is_available() is False)")
    if a.check == 'graph': graph_check(a.out, a.compile)
    elif a.check == 'eval_graph': eval_graph(a.out)
    elif a.check == 'resume': resume(a.out, a.device)
    else: released(a.out, a.L, a.deadline, a.device, a.calibration)
