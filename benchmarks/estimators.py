"""Estimator-only cost of A2A, S2A and S2S against the number of mixture components A.

What is timed is one optimisation step of the estimator alone: drawing the subset Phi, computing the selected
components from the leaf tensors, reparameterised sampling, the density matrix, the mixture logsumexp, and the
backward pass to the leaves `mu` and `log_std` ([B, A, D] each). The likelihood is a closed form (the standard
normal log-density summed over D), so it costs next to nothing. The mixture is `GaussianMixture(params=fn, A=A)`
with `fn(idx)` gathering rows of the leaves and exponentiating only the gathered `log_std`: S2S asks `fn` for
the S sampled components only, A2A and S2A for all A. Calls pass validate=False (no value checks, no host syncs).

Expected shape of the results (one step, L samples per sampled component):
  A2A: samples all A components and scores them against all A -> density matrix [L, B, A, A], whose
       broadcast temporaries are [L, B, A, A, D]: cost ~ A^2.
  S2A: S samples scored against all A -> [L, B, S, A]: cost ~ A (plus the gather of all A components).
  S2S: S samples scored against the S sampled ones -> [L, B, S, S]: independent of A, apart from O(A) work
       that is tiny here: drawing the subset (A uniform keys and a top-k) and, in backward, the zero-filled
       [B, A, D] gradient into which index_select scatters the S rows.

Time: every cell (estimator, A) gets its inputs, one warm-up step, and as steps per repeat the smallest power of
2 whose run lasts at least --min-time seconds (as `timeit.autorange`). Then up to --repeats rounds run, each
timing one repeat of every cell in turn (round-robin), so that load from other processes on a shared machine
falls on all cells alike; a cell leaves the rounds once it has 3 repeats and --cell-budget timed seconds (only
A2A at large A does). The reported time is the median over a cell's repeats of (repeat time / steps); the JSON
also holds every repeat and the minimum. On CUDA the device is synchronised before and after each timed repeat.
All cells are timed in this one process, so the ratios come from one run on one machine. On the CPU torch uses
--threads threads, 1 by default: on a small shared machine two intra-op threads fighting other processes for
two cores made steps over 10x slower at random, which would swamp the ratios; --threads 0 keeps torch's default.

Memory: the peak extra memory of one step, over what the inputs (leaves, generator) already hold.
  CUDA: torch.cuda.max_memory_allocated() after torch.cuda.reset_peak_memory_stats(), minus
        torch.cuda.memory_allocated() just before the cell's first step (after a warm-up step at A = S).
  CPU:  PyTorch keeps no allocator statistics on the CPU, so each cell runs in a fresh subprocess: it builds
        the inputs, runs one warm-up step of the same estimator at A = S (one-time initialisation: thread pools,
        autograd engine, lazy imports; at this size it leaves nothing behind), resets the kernel's peak-RSS mark
        (writing 5 to /proc/self/clear_refs), reads VmRSS, runs one step of the cell and reads VmHWM; the
        reported number is VmHWM - VmRSS. The subprocess runs with MALLOC_MMAP_THRESHOLD_=65536 and
        MALLOC_TRIM_THRESHOLD_=0, so glibc serves every block of 64 KiB or more with its own mmap and gives it
        back on free; freed memory then leaves the RSS and the peak counts what the step really held. Blocks
        under 64 KiB come from the heap and may be reused unseen, so the figure is exact only to about a MB.
        Where clear_refs cannot be written, it falls back to resource.getrusage(...).ru_maxrss after the step
        minus before (a lower bound: it reads 0 when the step stays under an earlier peak). The method used
        is reported in the JSON. These subprocesses run after the timing, so they do not disturb it.
  Cells whose estimated peak exceeds --max-gb are neither timed nor measured: the table says
  "skipped (est. X GB)". The estimate is 6 broadcast temporaries of the density matrix, 6 * L*B*S*K*D*4 bytes
  (S = K = A for A2A; K = A for S2A; K = S for S2S); measured CPU peaks of A2A are about 5-6 of them.

Usage:
  .venv/bin/python benchmarks/estimators.py                    # defaults: A = 2 10 50 200 800, S=2, B=16, D=10
  .venv/bin/python benchmarks/estimators.py --A 2 50 800 --repeats 3 --json runs/estimators_bench.json
  .venv/bin/python benchmarks/estimators.py --device cuda --max-gb 40
"""
from __future__ import annotations
import argparse, json, math, os, resource, statistics, subprocess, sys, time
from pathlib import Path

import torch
from misvae_nb.estimators import ESTIMATORS, miselbo
from misvae_nb.mixtures import GaussianMixture, take_components

TEMPORARIES = 6  # broadcast temporaries of the density matrix assumed alive at the peak (for --max-gb)


def make_inputs(A: int, B: int, D: int, device: str, seed: int):
    "Leaf tensors mu, log_std: [B, A, D], a mixture computing components from indices, and a seeded generator."
    g = torch.Generator(device=device).manual_seed(seed)
    mu = torch.randn(B, A, D, generator=g, device=device).requires_grad_()
    log_std = (0.1 * torch.randn(B, A, D, generator=g, device=device)).requires_grad_()
    def params(idx):  # idx: [K] or [B, K] -> mu, std: [B, K, D]; only the K asked-for components are computed
        return take_components(mu, idx), take_components(log_std, idx).exp()
    fam = GaussianMixture(params=params, A=A, validate=False)
    fam.device = torch.device(device)  # where `draw_subset` puts the indices
    return mu, log_std, fam, g


def std_normal_log_lik(z):  # z: [L, B, S, D] -> [L, B, S]
    return -0.5 * (z * z).sum(-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)


def step(estimator, fam, mu, log_std, g, S, L):
    "One estimator step: forward and backward to the leaves."
    mu.grad = log_std.grad = None
    r = miselbo(std_normal_log_lik, fam, estimator, S=S, L=L, generator=g, validate=False)
    (-r.estimate.mean()).backward()


def estimate_gb(estimator, A, S, B, D, L) -> float:
    "Rough peak of one step in GB: TEMPORARIES broadcast temporaries [L, B, S, K, D] of float32."
    S_, K = (A, A) if estimator == 'a2a' else (S, A) if estimator == 's2a' else (S, S)
    return TEMPORARIES * L * B * S_ * K * D * 4 / 1e9


def sync(device):
    if torch.device(device).type == 'cuda': torch.cuda.synchronize(device)


def time_cells(specs, args) -> dict:
    "Median seconds per step of every cell (estimator, A), the cells' repeats interleaved round-robin."
    runs = {}
    for e, A in specs:
        mu, log_std, fam, g = make_inputs(A, args.B, args.D, args.device, args.seed)
        runs[e, A] = (lambda e=e, fam=fam, mu=mu, log_std=log_std, g=g: step(e, fam, mu, log_std, g, args.S, args.L))
    def timed(run, n):
        sync(args.device); t0 = time.perf_counter()
        for _ in range(n): run()
        sync(args.device); return time.perf_counter() - t0
    steps = {}
    for key, run in runs.items():
        n = 1 if timed(run, 1) >= args.min_time else 2             # warm-up; a slow step needs no calibration
        while n > 1 and timed(run, n) < args.min_time: n *= 2      # as timeit.autorange: the smallest 2^k that lasts
        steps[key] = n
    times = {key: [] for key in runs}
    for _ in range(args.repeats):                                    # one round: one repeat of every cell
        for key, run in runs.items():                                # ... that is still under its time budget
            if len(times[key]) >= 3 and sum(times[key]) * steps[key] >= args.cell_budget: continue
            times[key].append(timed(run, steps[key]) / steps[key])
    return {key: dict(time_s=statistics.median(ts), time_min_s=min(ts), steps_per_repeat=steps[key], repeats=len(ts),
                      times_s=ts) for key, ts in times.items()}


def _status_kb(key):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'): return int(line.split()[1])
    raise KeyError(key)


def memory_cell_here(estimator, A, args) -> dict:
    "Peak extra memory of one step in MB, measured in this process (CUDA, or CPU in a fresh subprocess)."
    w = make_inputs(args.S, args.B, args.D, args.device, args.seed)  # warm-up on A = S: one-time initialisation
    step(estimator, w[2], w[0], w[1], w[3], args.S, args.L); sync(args.device); del w
    mu, log_std, fam, g = make_inputs(A, args.B, args.D, args.device, args.seed)
    run = lambda: step(estimator, fam, mu, log_std, g, args.S, args.L)
    if torch.device(args.device).type == 'cuda':
        torch.cuda.reset_peak_memory_stats(args.device); before = torch.cuda.memory_allocated(args.device)
        run(); sync(args.device)
        return dict(mem_mb=(torch.cuda.max_memory_allocated(args.device) - before) / 2**20, mem_method='cuda.max_memory_allocated')
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')  # reset the peak-RSS mark (VmHWM)
        before = _status_kb('VmRSS'); run(); peak = _status_kb('VmHWM')
        return dict(mem_mb=(peak - before) / 1024, mem_method='VmHWM after clear_refs, minus VmRSS')
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; run()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return dict(mem_mb=(after - before) / 1024, mem_method='ru_maxrss after minus before (lower bound)')


def memory_cell(estimator, A, args) -> dict:
    if torch.device(args.device).type == 'cuda': return memory_cell_here(estimator, A, args)
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536', MALLOC_TRIM_THRESHOLD_='0')
    cell = json.dumps(dict(estimator=estimator, A=A, S=args.S, B=args.B, D=args.D, L=args.L, device=args.device, seed=args.seed, threads=args.threads))
    out = subprocess.run([sys.executable, os.path.abspath(__file__), '--memory-cell', cell],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0: raise RuntimeError(f"memory subprocess for {estimator} A={A} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def fmt_table(header, rows):
    "Right-aligned plain-text table."
    cols = list(zip(header, *rows))
    w = [max(len(str(c)) for c in col) for col in cols]
    return '\n'.join('  '.join(str(c).rjust(wi) for c, wi in zip(r, w)) for r in [header, *rows])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], epilog='See the module docstring for the method.',
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument('--A', type=int, nargs='+', default=[2, 10, 50, 200, 800], help='numbers of components')
    p.add_argument('--S', type=int, default=2, help='components sampled per step (S2A, S2S)')
    p.add_argument('--B', type=int, default=16, help='data points')
    p.add_argument('--D', type=int, default=10, help='latent dimension')
    p.add_argument('--L', type=int, default=1, help='samples per sampled component')
    p.add_argument('--repeats', type=int, default=25, help='timed repeats per cell, fewer (>= 3) past --cell-budget; median reported')
    p.add_argument('--min-time', type=float, default=0.02, help='seconds a repeat lasts at least (steps per repeat grow)')
    p.add_argument('--cell-budget', type=float, default=20., help='timed seconds per cell, beyond which it gets no more repeats (it gets >= 3)')
    p.add_argument('--threads', type=int, default=1, help='torch CPU threads (default 1; see the docstring); 0: torch default')
    p.add_argument('--max-gb', type=float, default=8., help='skip cells whose estimated peak memory exceeds this')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', help='cuda if available, else cpu')
    p.add_argument('--seed', type=int, default=0, help='seed of the generators (subsets, samples, inputs)')
    p.add_argument('--json', type=Path, help='also write the numbers and provenance here')
    p.add_argument('--memory-cell', help=argparse.SUPPRESS)  # internal: measure one cell, print JSON
    args = p.parse_args(argv)

    if args.memory_cell:  # fresh-subprocess memory measurement of one cell
        c = json.loads(args.memory_cell)
        for k, v in c.items(): setattr(args, k, v)
        if args.threads > 0: torch.set_num_threads(args.threads)
        print(json.dumps(memory_cell_here(c['estimator'], c['A'], args))); return

    for name in ('S', 'B', 'D', 'L', 'repeats'):
        if getattr(args, name) < 1: p.error(f"--{name.lower() if name == 'repeats' else name}={getattr(args, name)}: give an int >= 1")
    if min(args.A) < args.S: p.error(f"--A {min(args.A)} < --S {args.S}: every A must be >= S (S components are sampled without replacement)")
    if args.threads > 0: torch.set_num_threads(args.threads)
    from misvae_nb.provenance import run_info
    info = run_info(args.device)
    As = sorted(set(args.A)); ref = As[0]
    print(f"estimator-only cost, S={args.S} B={args.B} D={args.D} L={args.L}; {info['device']}; "
          f"torch {info['torch']}; commit {info['commit']}")

    started = time.time()
    cells = {e: {} for e in ESTIMATORS}
    for A in As:
        for e in ESTIMATORS:
            gb = estimate_gb(e, A, args.S, args.B, args.D, args.L)
            cells[e][A] = dict(skipped=gb > args.max_gb, est_gb=gb)
    print(f"timing {sum(not c['skipped'] for e in ESTIMATORS for c in cells[e].values())} cells ...", file=sys.stderr, flush=True)
    timed = time_cells([(e, A) for A in As for e in ESTIMATORS if not cells[e][A]['skipped']], args)
    for (e, A), c in timed.items(): cells[e][A].update(c)
    print("measuring memory ...", file=sys.stderr, flush=True)
    for A in As:                                              # memory: after the timing
        for e in ESTIMATORS:
            if not cells[e][A]['skipped']: cells[e][A].update(memory_cell(e, A, args))

    def cell_str(e, A, key, f):
        c = cells[e][A]
        return f"skipped (est. {c['est_gb']:.3g} GB)" if c['skipped'] else f(c[key])
    def ratio(a, b):
        return f"{a / b:.2f}" if a is not None and b is not None else '-'
    T = lambda e, A: None if cells[e][A]['skipped'] else cells[e][A]['time_s']
    names = [e.upper() for e in ESTIMATORS]

    reps = [c['repeats'] for e in ESTIMATORS for c in cells[e].values() if not c['skipped']] or [0]
    print(f"\nseconds per step (forward + backward), median of {min(reps)}{'-' + str(max(reps)) if max(reps) > min(reps) else ''} repeats")
    print(fmt_table(['A', *names, 'A2A/S2S', 'S2A/S2S'],
                    [[A, *(cell_str(e, A, 'time_s', lambda v: f"{v:.3e}") for e in ESTIMATORS),
                      ratio(T('a2a', A), T('s2s', A)), ratio(T('s2a', A), T('s2s', A))] for A in As]))
    print(f"\ntime(A) / time(A={ref})")
    print(fmt_table(['A', *names], [[A, *(ratio(T(e, A), T(e, ref)) for e in ESTIMATORS)] for A in As]))
    method = next((c['mem_method'] for e in ESTIMATORS for c in cells[e].values() if 'mem_method' in c), '-')
    print(f"\npeak memory of one step over the inputs, MB ({method})")
    print(fmt_table(['A', *names], [[A, *(cell_str(e, A, 'mem_mb', lambda v: f"{v:.1f}" if v >= 0.05 else '<0.1') for e in ESTIMATORS)] for A in As]))
    top = As[-1]
    print(f"\nS2S(A={top}) / S2S(A={ref}) time ratio = {ratio(T('s2s', top), T('s2s', ref))} (expected near 1: S2S's work does not grow with A)")
    print(f"total wall time {time.time() - started:.0f} s")

    if args.json:
        params = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != 'memory_cell'}
        record = dict(name='estimators_benchmark', params=params, temporaries_in_estimate=TEMPORARIES,
                      cells={e: {str(A): c for A, c in cells[e].items()} for e in ESTIMATORS}, **info,
                      wall_time_s=round(time.time() - started, 2))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + '\n')
        print(f"wrote {args.json}")


if __name__ == '__main__':
    main()
