"""Time of one mixture-VBPI training step (A2A, S2A, S2S), today's code against an older commit's, in one run.

One step is what `train_vbpi` does per iteration: `vbpi_step` (SBN and branch-length sampling, JC69 likelihood of
the sampled particles, MISELBO log weights, VIMCO surrogate), backward, Adam. The older implementation is the
package as it was at --old (default a2f25ba, before the likelihood and SBN sampler were batched by depth),
extracted with `git archive` into a temporary folder and imported as `misvae_nb_old`; both run on the same data,
with mixtures of the same shape and seed.

Each cell (implementation, estimator) runs in its own worker process, as a training run does (its memory
allocator, caches and scratch buffers are not disturbed by another cell's batch size or code), and the workers
take turns: the parent asks one worker at a time for a timed block, so they never run at once. (With every
cell in one process, one cell's allocations change the others' timings: S2S ran about 30 % slower beside A2A.)
After --warmup steps per cell, --rounds rounds each time --steps steps of every cell in turn (round-robin, so load from other processes falls on all cells alike). A cell's time per
step is the median over rounds; a speed-up old/new is the median over rounds of the ratio of the two cells'
times in the same round. The A2A/S2S time ratio is compared with the ratio of likelihood evaluations (A/S).
A third implementation, 'rest', is today's code with the likelihood replaced by a stand-in of no cost (minus the sum of
the branch lengths, so the backward pass still reaches them): its time is the step without the likelihood, and
new - rest, per round, the likelihood's forward and backward in the step. Their A2A/S2S ratios say which part keeps
the step's ratio below the likelihood-count ratio.
CPU: --threads torch threads (1 by default). CUDA: synchronised around each timed block.

Usage (from the repository root):
  python benchmarks/phylo_step.py                       # DS1, A=3, S=1, K=10, one thread -> benchmarks/results/phylo_step_cpu.json
  python benchmarks/phylo_step.py --device cuda --rounds 20
"""
from __future__ import annotations
import importlib, json, multiprocessing, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from fastcore.script import call_parse

ROOT = Path(__file__).resolve().parents[1]

def import_old(commit: str, tmp: str):
    "The package at `commit` (or the folder `commit` holding a misvae_nb/ extracted from it), importable as misvae_nb_old."
    if Path(commit).is_dir(): shutil.copytree(Path(commit) / 'misvae_nb', Path(tmp) / 'misvae_nb')  # no git here (a GPU machine)
    else:
        tar = subprocess.run(['git', 'archive', commit, 'misvae_nb'], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(['tar', '-x', '-C', tmp], input=tar, check=True)
    Path(tmp, 'misvae_nb').rename(Path(tmp, 'misvae_nb_old'))
    sys.path.insert(0, tmp)
    return importlib.import_module('misvae_nb_old.phylo.vbpi'), importlib.import_module('misvae_nb_old.phylo.trees'), \
           importlib.import_module('misvae_nb_old.phylo.alignments')

def make_cell(V, T, Al, data, est, A, S, K, seed, device, stand_in=False):
    "A closure running one training step, and its target (for the likelihood count); `stand_in`: no likelihood."
    aln, sup = Al.load_alignment(data).to(device), T.load_support(data)
    mix = V.PhyloMixture(sup, A, generator=torch.Generator().manual_seed(seed)).to(device)
    make_opt = getattr(V, 'vbpi_optimizer', lambda m, lr: torch.optim.Adam(m.parameters(), lr=lr))   # what train_vbpi uses
    opt, target, g = make_opt(mix, 1e-3), V.PhyloTarget(aln), torch.Generator(device).manual_seed(seed)
    if stand_in:                                                            # same shapes and graph, no pruning
        def cheap(z): target.calls += len(z.t); return -z.t.sum(-1).reshape(z.shape)
        target.log_likelihood = cheap
    def step():
        surrogate, _ = V.vbpi_step(mix, target, est, None if est == 'a2a' else S, K, g)
        opt.zero_grad(); (-surrogate).backward(); opt.step()
    return step, target

def load_impl(which: str, old: str, tmp: str):
    "(vbpi, trees, alignments) modules of the current package ('new', 'rest') or of commit `old` ('old')."
    if which == 'old': return import_old(old, tmp)
    from misvae_nb.phylo import vbpi as V, trees as T, alignments as Al
    return V, T, Al

def warm_up(step, target, warmup: int) -> int:
    "Run `warmup` untimed steps; the likelihood evaluations per step."
    target.calls = 0
    for _ in range(warmup): step()
    return target.calls // warmup

def time_block(step, steps: int, sync) -> float:
    "Seconds per step over `steps` steps."
    sync(); t0 = time.perf_counter()
    for _ in range(steps): step()
    sync(); return (time.perf_counter() - t0) / steps

def device_sync(device: str): return torch.cuda.synchronize if device.startswith('cuda') else (lambda: None)

def worker(conn, which, old, data, est, A, S, K, seed, device, threads, warmup):
    "One cell in its own process: build it, warm up, send its likelihood count, then answer timing requests."
    if threads: torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as tmp:
        step, target = make_cell(*load_impl(which, old, tmp), data, est, A, S, K, seed, device, stand_in=which == 'rest')
        conn.send(warm_up(step, target, warmup))
        while (steps := conn.recv()) is not None: conn.send(time_block(step, steps, device_sync(device)))

def run_rounds(timed, impls, ests, rounds) -> dict:
    "Round-robin timing: every round times every (implementation, estimator) cell once."
    times = {(i, e): [] for e in ests for i in impls}
    for r in range(rounds):
        for i, e in times: times[i, e].append(timed(i, e))
        print(f"round {r + 1}/{rounds}: " + ', '.join(f"{i} {e} {v[-1] * 1e3:.1f}" for (i, e), v in times.items()) + ' ms', file=sys.stderr)
    return times

@call_parse
def main(data: str='DS1',         # data set (DS1..DS8)
         A: int=3,                 # mixture components
         S: int=1,                 # components sampled per step by S2A and S2S
         K: int=10,                # VIMCO particles per sampled component
         estimators: str='a2a,s2a,s2s', # comma-separated
         old: str='a2f25ba',       # commit of the older implementation, or a folder holding its misvae_nb/ (where there is no git)
         rounds: int=15,           # round-robin rounds
         steps: int=30,            # steps per cell per round (a worker starts each block with cold caches: 10 steps understate the steady state)
         warmup: int=5,            # untimed steps per cell first
         threads: int=1,           # torch CPU threads (0: torch's default)
         device: str='cpu',        # cpu or cuda
         seed: int=0,
         out: str=None,            # JSON path; default benchmarks/results/phylo_step_<device>.json
        ):
    "Interleaved timing of a VBPI step, old against new implementation."
    from misvae_nb.provenance import run_info
    if threads: torch.set_num_threads(threads)
    ests = estimators.split(',')
    impls = ('old', 'new', 'rest')                                          # rest: today's step without the likelihood
    ctx = multiprocessing.get_context('spawn')                              # fresh interpreters
    cells = [(i, e) for e in ests for i in impls]
    pipes = {c: ctx.Pipe() for c in cells}
    procs = {c: ctx.Process(target=worker, args=(pipes[c][1], c[0], old, data, c[1], A, S, K, seed, device, threads, warmup), daemon=True)
             for c in cells}
    for c in cells: procs[c].start()
    def answer(c):                                                          # a dead worker is an error, not a hang
        while not pipes[c][0].poll(1):
            if not procs[c].is_alive(): raise SystemExit(f"the worker for {c} died (its traceback is above)")
        return pipes[c][0].recv()
    calls = {c: answer(c) for c in cells}
    def timed(i, e): pipes[i, e][0].send(steps); return answer((i, e))
    times = run_rounds(timed, impls, ests, rounds)
    for c in cells: pipes[c][0].send(None); procs[c].join()
    med = {f"{i}_{e}": statistics.median(v) for (i, e), v in times.items()}
    speedup = {e: statistics.median(o / n for o, n in zip(times['old', e], times['new', e])) for e in ests}
    lik = {e: [n - r for n, r in zip(times['new', e], times['rest', e])] for e in ests}    # the likelihood's part, per round
    res = dict(data=data, A=A, S=S, K=K, rounds=rounds, steps_per_round=steps, threads=threads or torch.get_num_threads(), old_commit=old,
               processes='one per (implementation, estimator), taking turns',
               ms_per_step={k: round(v * 1e3, 3) for k, v in med.items()}, speedup_old_over_new=speedup,
               likelihood_ms_per_step={e: round(statistics.median(v) * 1e3, 3) for e, v in lik.items()},
               likelihood_evals_per_step={f"{i}_{e}": c for (i, e), c in calls.items()},
               all_ms={f"{i}_{e}": [round(x * 1e3, 3) for x in v] for (i, e), v in times.items()})
    if 'a2a' in ests and 's2s' in ests:
        lik_ratio = calls['new', 'a2a'] / calls['new', 's2s']
        res['a2a_over_s2s'] = {i: statistics.median(a / b for a, b in zip(times[i, 'a2a'], times[i, 's2s'])) for i in impls}
        res['a2a_over_s2s']['likelihood'] = statistics.median(a / b for a, b in zip(lik['a2a'], lik['s2s']))
        res['likelihood_ratio_a2a_over_s2s'] = lik_ratio
        res['a2a_over_s2s_rel_to_likelihood_ratio'] = res['a2a_over_s2s']['new'] / lik_ratio
    res.update(run_info(device))
    for k, v in res['ms_per_step'].items(): print(f"{k:10s} {v:8.2f} ms/step")
    print('speed-up old/new:', {e: round(v, 2) for e, v in speedup.items()})
    print('likelihood part of the new step (new - rest):', {e: round(v, 2) for e, v in res['likelihood_ms_per_step'].items()}, 'ms')
    if 'a2a_over_s2s' in res: print('A2A/S2S time:', {i: round(v, 2) for i, v in res['a2a_over_s2s'].items()}, 'likelihood evaluations:', lik_ratio)
    path = Path(out) if out else ROOT / 'benchmarks' / 'results' / f"phylo_step_{device.split(':')[0]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=1) + '\n')
    print(path)
