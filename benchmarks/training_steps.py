"""Cost of one MISVAE training step under A2A, S2A and S2S, and test-evaluation throughput: ratios from one run.

What is timed (`step`): one optimisation step of the full network, `misvae_nb.networks.MISVAE(A, channels=C)` in
training mode, on a random binary batch x: [B, 1, 28, 28]: forward `miselbo_loss(model, x, estimator, S, L=1,
beta=1, validate=False)` (the model is built with validate=False too, so no step makes a host sync for checks),
zero_grad, backward, `torch.optim.Adam(lr=5e-4).step()`. With --amp the forward runs under bfloat16 autocast on
CUDA, as the trainer does (ignored on the CPU).

Default mode prints these ratios of median step times, each measured in this one process:
  1. S2S, S = 2:  time(A=800) / time(A=2)      target <= 1.15 (S2S touches only the S sampled components)
  2. S2A, S = 1 / S2S, S = 1, both at A = 800   target <= 1.1  (S2A scores against all A: [L, B, S, A] densities)
  3. A2A / S2S (S = 2), both at A = 50          informative   (A2A decodes all A components: ~A/S more work)
  4. evaluate_nll throughput at A = 50, L = 1000 (test images per second); an untrained model on random binary
     images (the cost does not depend on the weights).
A target missed is printed as FAIL; the exit status stays 0 (this is a benchmark, not a test).

--timing-grid mode (SPEC §5): seconds per epoch on full MNIST (50,000 training images) for A in --grid-A (1..4)
and S <= A, for each estimator in --grid-estimators (S2S and S2A), estimated as median step time x
ceil(50,000 / B) steps; with B = 100 that is 500 steps. The authors' GPU: ~3.7 + 6.4 S s/epoch, nearly
independent of A (A = 4: 10.14, 16.66, 22.93, 29.45 for S = 1..4). A least-squares fit a + b S per estimator is
printed for comparison. Data loading and the per-epoch validation pass are not included.

Timing (as benchmarks/estimators.py): every cell gets its own model, optimiser, batch and generator; --warmup
steps; a number of steps per repeat so that a repeat lasts at least --min-time seconds; then --repeats rounds
that time one repeat of every cell in turn (round-robin), so that load from other processes falls on all cells
alike. Reported: median over repeats of (repeat time / steps); the ratios of the fastest repeats are printed beside the
ratios of medians (PASS/FAIL is judged on the medians). On CUDA the device is synchronised before and
after every timed region. On the CPU torch uses --threads threads (default 1: on a small shared machine two
intra-op threads competing with other processes make single steps many times slower at random).

CPU defaults are small so that the default run finishes in a few minutes on two cores: B = 10 (CUDA: 100),
PixelCNN width --channels 16 (CUDA: 64, the paper's), --eval-images 2 and --eval-L 100 (CUDA: 100 and 1000;
the evaluation cost is linear in L, so the CPU line also prints the throughput scaled to L = 1000). The output
says which settings differ from the paper's.

Usage:
  .venv/bin/python benchmarks/training_steps.py                              # auto device, its defaults
  .venv/bin/python benchmarks/training_steps.py --device cuda --amp --json runs/training_steps_gpu.json
  .venv/bin/python benchmarks/training_steps.py --device cuda --no-compile --json runs/training_steps_gpu_eager_nets.json   # networks not compiled
  .venv/bin/python benchmarks/training_steps.py --device cuda --timing-grid --json figures/timing_grid_gpu.json
  .venv/bin/python benchmarks/training_steps.py --device cpu --timing-grid --B 4 --channels 8 --repeats 3
  .venv/bin/python benchmarks/training_steps.py --bn-compare --device cpu --threads 1 --json results/bn_compare_cpu.json
  .venv/bin/python benchmarks/training_steps.py --step-modes --device cpu --json benchmarks/results/step_modes_cpu.json

--bn-compare mode: the cost of per-component BatchNorm statistics (the paper's model, bn='component') against
one shared set (bn='shared') for S2S A=4 S=2, S2S A=50 S=20 and S2A A=800 S=1, as ratios from one run.
"""
from __future__ import annotations
import argparse, json, math, statistics, sys, time
from pathlib import Path

import torch
from misvae_nb.networks import MISVAE, compiles, compile_networks, calibrate_batchnorm
from misvae_nb.config import TrainConfig, STEP_MODES
from misvae_nb.training import build_step
from misvae_nb.evaluation import evaluate_nll, eval_plan
from misvae_nb.provenance import run_info

N_TRAIN = 50_000           # MNIST training images per epoch (SPEC §4)
PAPER_CHANNELS, PAPER_B, PAPER_L = 64, 100, 1000
TARGETS = dict(s2s_A800_over_A2=1.15, s2a_over_s2s_A800_S1=1.1,   # the GPU issue's targets (H100): ratios,
               step_ms_s2s_A4_S2=4.0, epoch_s=3.0, eval_minutes=10.0)   # S2S A=4 S=2 step, MNIST epoch with validation, A=50 L=1000 evaluation
PAPER_GRID_A4 = {1: 10.14, 2: 16.66, 3: 22.93, 4: 29.45}   # authors' s/epoch, S2S, A = 4, S = 1..4
PAPER_EVAL_DECODES = 10_000 * 50 * 1000                     # test images x A x L of the A = 50, L = 1000 evaluation
PEAK_TFLOPS = {'H100': 989.0, 'H200': 989.0}                 # dense bfloat16 tensor-core peak (NVIDIA's data sheets, SXM)


def sync(device: torch.device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def static_shapes():
    """Compile every cell and variant for its own shapes, as a run of the trainer does: no automatic dynamic shapes (a second shape
    of a compiled function otherwise recompiles it with symbolic sizes, so later cells would time other kernels than the first)."""
    import torch._dynamo
    torch._dynamo.config.automatic_dynamic_shapes = False
    for name in ('recompile_limit', 'cache_size_limit'):                 # room for one compilation per shape
        if hasattr(torch._dynamo.config, name): setattr(torch._dynamo.config, name, max(16, getattr(torch._dynamo.config, name)))


def cap_conv_warps():
    """Triton convolution configs with more than 4 warps run with 4 (pytorch#173068: Inductor's convolution template computed wrong
    results for kernels larger than 1x1 with 8 warps; upstream's fix caps them at 4, which this does where a torch lacks it).
    True if applied, else why not."""
    import copy
    try:
        from torch._inductor.choices import InductorChoices
        original = InductorChoices.get_conv_configs
    except (ImportError, AttributeError) as e: return f"not applied: {type(e).__name__}: {e}"
    def capped(self, *a, **k):
        configs = original(self, *a, **k)
        def gen(*b, **kw):
            for cfg in configs(*b, **kw):
                if getattr(cfg, 'num_warps', 0) > 4: cfg = copy.copy(cfg); cfg.num_warps = 4   # a copy: the heuristics' own stay as they are
                yield cfg
        return gen
    InductorChoices.get_conv_configs = capped
    return True


def save_partial(args, **numbers):
    "While a mode runs, what it has measured so far goes to --json's path + '.partial' (a part killed by its time limit leaves it)."
    if args.json:
        path = Path(args.json + '.partial'); path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(numbers=numbers, **run_info(args.device)), indent=1, default=float) + '\n')


def make_cell(estimator: str, A: int, S: int|None, args, bn: str='component', mode: str|None=None, amp: bool|None=None,
              compile: bool|None=None, prepare=None):
    """A closure running one training step (the trainer's `TrainStep`) of a fresh MISVAE(A, bn=bn) with its own Adam, batch and generator;
    `prepare(model)`: a change to the model before its first step (compilation is lazy), for an A/B."""
    torch.manual_seed(args.seed)
    compile = args.compile if compile is None else compile
    cfg = TrainConfig(estimator=estimator, A=A, S=S or 1, channels=args.channels, bn=bn, batch_size=args.B, device=str(args.device),
                      amp=args.amp if amp is None else amp, step=mode or args.mode, compile=compile)
    g = torch.Generator(device=args.device).manual_seed(args.seed)
    step_fn = build_step(cfg, args.device, g)                                            # as the trainer builds it
    if getattr(args, 'heads_mode', None): step_fn.model.f_phi.compile(mode=args.heads_mode)   # a candidate (--heads-mode), compiled anew
    if prepare: prepare(step_fn.model)
    x = torch.bernoulli(torch.full((args.B, 1, 28, 28), 0.5, device=args.device), generator=g)  # [B, 1, 28, 28]
    return lambda: step_fn(x, 1.0)


def time_cells(specs: dict, args) -> dict:
    "Median seconds per step of every cell {name: (estimator, A, S[, bn, mode, amp, compile])}, the cells' repeats interleaved round-robin."
    runs, steps, peak_mb, errors = {}, {}, {}, {}
    for name, spec in specs.items():
        if args.device.type == 'cuda': torch.cuda.reset_peak_memory_stats(args.device)
        try:
            run = make_cell(*spec[:3], args, *spec[3:])
            for _ in range(args.warmup): run()             # a graphed step captures after its eager warm-up steps
            run(); sync(args.device)                       # one more: the call that captures is not the one that calibrates
            t0 = time.perf_counter(); run(); sync(args.device)
        except Exception as e:                             # one way failing (a capture, a compilation) leaves the others measured
            errors[name] = f"{type(e).__name__}: {e}"[:2000]; print(f"  {name}: failed: {errors[name][:300]}", flush=True); continue
        runs[name] = run
        steps[name] = max(1, math.ceil(args.min_time / max(time.perf_counter() - t0, 1e-7)))
        peak_mb[name] = torch.cuda.max_memory_allocated(args.device) / 2**20 if args.device.type == 'cuda' else None
    times = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            sync(args.device); t0 = time.perf_counter()
            for _ in range(steps[name]): run()
            sync(args.device); times[name].append((time.perf_counter() - t0) / steps[name])
        save_partial(args, seconds_per_step=times, steps_per_repeat=steps, errors=errors)
    field = lambda spec, k, default: spec[k] if len(spec) > k and spec[k] is not None else default
    cell = lambda name: dict(estimator=specs[name][0], A=specs[name][1], S=specs[name][2])
    failed = {name: dict(cell(name), time_s=float('nan'), times_s=[float('nan')], peak_memory_mb=None, error=err) for name, err in errors.items()}
    return failed | {name: dict(cell(name), bn=field(specs[name], 3, 'component'),
                       mode=field(specs[name], 4, args.mode), amp=field(specs[name], 5, args.amp),
                       compile=compiles(field(specs[name], 6, args.compile), args.device), time_s=statistics.median(ts),
                       steps_per_repeat=steps[name], times_s=ts, peak_memory_mb=peak_mb[name]) for name, ts in times.items()}


def eval_throughput(args, precision: str='float32', compile: bool=False, compile_how: dict|None=None, graph: bool=False) -> dict:
    "Decodes per second of evaluate_nll at A = --eval-A, L = --eval-L on --eval-images random binary images."
    torch.manual_seed(args.seed)
    model = MISVAE(args.eval_A, channels=args.channels, validate=False).to(args.device)
    g = torch.Generator(device=args.device).manual_seed(args.seed + 1)
    images = torch.bernoulli(torch.full((args.eval_images, 1, 28, 28), 0.5, device=args.device), generator=g).cpu()
    calibrate_batchnorm(model, images[:2], seed=args.seed, progress=False)   # statistics of its own layers: without them an untrained
    #   decoder's output hardly depends on its convolutions (noise of 3 sd in one layer moved the bound by 0.01 nats; calibrated, by 260),
    #   so the bound could not tell a wrong kernel from a right one; the kernels timed are the same
    if compile and compile_how: compile_networks(model, args.device, **compile_how)   # compile_networks' arguments, not its defaults
    B, chunk = eval_plan(args.eval_A, args.eval_L, args.eval_max_images, args.eval_images)
    evaluate_nll(model, images[:B], L=min(args.eval_L, 3 * chunk), max_images=args.eval_max_images, device=args.device, progress=False,
                 precision=precision, compile=compile and not compile_how, graph=graph)   # warm-up (and compilation): passes of the timed shape
    if args.device.type == 'cuda': torch.cuda.reset_peak_memory_stats(args.device)
    sync(args.device); t0 = time.perf_counter()
    nll = evaluate_nll(model, images, L=args.eval_L, max_images=args.eval_max_images, device=args.device, progress=False, precision=precision,
                       compile=False, graph=graph)   # the warm-up compiled the networks in place when `compile`: the timed call runs the compiled code
    sync(args.device); secs = time.perf_counter() - t0
    ips, decodes = args.eval_images / secs, args.eval_images * args.eval_A * args.eval_L / secs
    return dict(A=args.eval_A, L=args.eval_L, images=args.eval_images, max_images=args.eval_max_images, precision=precision, compile=compile,
                compile_how=(compile_how or 'default') if compile else None, graph=graph,
                batch=min(B, args.eval_images), chunk=chunk, seconds=secs, images_per_s=ips, decodes_per_s=decodes,
                images_per_s_at_L1000=ips * args.eval_L / PAPER_L, minutes_for_paper_eval=PAPER_EVAL_DECODES / decodes / 60,
                peak_memory_mb=torch.cuda.max_memory_allocated(args.device) / 2**20 if args.device.type == 'cuda' else None,
                nll_untrained=nll.per_component)


def step_flops(estimator: str, A: int, S: int|None, args) -> float:
    "Floating-point operations of one training step (forward and backward; counted by torch's FlopCounterMode, eager)."
    from torch.utils.flop_counter import FlopCounterMode
    args_eager = argparse.Namespace(**{**vars(args), 'mode': 'eager'})
    run = make_cell(estimator, A, S, args_eager, compile=False)
    with FlopCounterMode(display=False) as counter: run()
    return float(counter.get_total_flops())


def settings_note(args) -> str:
    diffs = [f"{k}={v} (paper {p})" for k, v, p in (('B', args.B, PAPER_B), ('channels', args.channels, PAPER_CHANNELS))
             if v != p]
    return ('differs from the paper: ' + ', '.join(diffs)) if diffs else 'paper settings (B=100, channels=64)'


RATIO_CELLS = dict(s2s_A800_over_A2=('s2s_A800_S2', 's2s_A2_S2'), s2a_over_s2s_A800_S1=('s2a_A800_S1', 's2s_A800_S1'),
                   a2a_over_s2s_A50=('a2a_A50', 's2s_A50_S2'))   # each ratio: numerator cell, denominator cell
CELLS = {'s2s_A2_S2': ('s2s', 2, 2), 's2s_A800_S2': ('s2s', 800, 2), 's2a_A800_S1': ('s2a', 800, 1), 's2s_A800_S1': ('s2s', 800, 1),
         'a2a_A50': ('a2a', 50, None), 's2s_A50_S2': ('s2s', 50, 2)}

def benchmark(args) -> dict:
    specs = {name: CELLS[name] for name in CELLS if any(name in RATIO_CELLS[r] for r in args.ratios)}
    cells = time_cells(specs, args)
    t = lambda name: cells[name]['time_s']
    ratios = {r: t(RATIO_CELLS[r][0]) / t(RATIO_CELLS[r][1]) for r in args.ratios}
    print(f"\nstep time, median of {args.repeats} repeats after {args.warmup} warm-up step(s); {settings_note(args)}")
    for name, c in cells.items():
        spread = f"[{min(c['times_s']) * 1e3:.1f} .. {max(c['times_s']) * 1e3:.1f}]"
        print(f"  {c['estimator']:>3}  A={c['A']:<4} S={'A' if c['S'] is None else c['S']:<4}  {c['time_s'] * 1e3:9.2f} ms  {spread} ms"
              f"  ({c['steps_per_repeat']} step(s)/repeat)")
    m = lambda name: min(cells[name]['times_s'])
    min_ratios = {r: m(RATIO_CELLS[r][0]) / m(RATIO_CELLS[r][1]) for r in args.ratios}
    print("\nratios of medians (ratio of fastest repeats in brackets: less sensitive to load from other processes)")
    labels = dict(s2s_A800_over_A2='S2S (S=2) step, A=800 / A=2',
                  s2a_over_s2s_A800_S1='S2A / S2S step, A=800, S=1',
                  a2a_over_s2s_A50='A2A / S2S (S=2) step, A=50')
    verdicts = {}
    for k, r in ratios.items():
        if k in TARGETS:
            verdicts[k] = 'PASS' if r <= TARGETS[k] else 'FAIL'
            print(f"  {labels[k]:<32} {r:7.3f}   [{min_ratios[k]:.3f}]  target <= {TARGETS[k]}: {verdicts[k]}")
        else: print(f"  {labels[k]:<32} {r:7.3f}   [{min_ratios[k]:.3f}]  (informative)")
    ev = None
    if args.eval_images > 0:
        ev = {p: eval_throughput(args, p, compiles(args.compile, args.device)) for p in (('float32', 'bfloat16') if args.device.type == 'cuda' else ('float32',))}
        for p, e in ev.items():
            scaled = '' if args.eval_L == PAPER_L else f"; scaled to L=1000 (cost ~ L): {e['images_per_s_at_L1000']:.4f} images/s"
            note = '' if args.eval_L == PAPER_L and args.channels == PAPER_CHANNELS else \
                f"  [CPU-sized: L={args.eval_L}, {args.eval_images} image(s), channels={args.channels}]"
            print(f"\nevaluate_nll ({p} decoder), A={e['A']}, L={e['L']}, {e['images']} test image(s) (batch {e['batch']}, "
                  f"chunk {e['chunk']} samples): {e['seconds']:.2f} s -> {e['decodes_per_s'] / 1e3:.1f}k decodes/s, "
                  f"{e['images_per_s']:.4f} images/s{scaled}; the 10,000-image A=50, L=1000 evaluation: {e['minutes_for_paper_eval']:.1f} min{note}")
    return dict(cells=cells, ratios=ratios, ratios_of_minima=min_ratios, targets=TARGETS, verdicts=verdicts, eval=ev)


def bn_compare(args) -> dict:
    "Step time with per-component BatchNorm statistics against one shared set, same estimator, A and S, interleaved."
    configs = [('s2s', 4, 2), ('s2s', 50, 20), ('s2a', 800, 1)]
    specs = {f"{e}_A{A}_S{S}_{bn}": (e, A, S, bn) for e, A, S in configs for bn in ('component', 'shared')}
    cells = time_cells(specs, args)
    print(f"\nper-component / shared BatchNorm statistics, step time (median of {args.repeats} repeats); {settings_note(args)}")
    ratios = {}
    for e, A, S in configs:
        c, s = cells[f"{e}_A{A}_S{S}_component"], cells[f"{e}_A{A}_S{S}_shared"]
        ratios[f"{e}_A{A}_S{S}"] = c['time_s'] / s['time_s']
        print(f"  {e.upper()} A={A:<4} S={S:<3} component {c['time_s'] * 1e3:8.2f} ms  shared {s['time_s'] * 1e3:8.2f} ms"
              f"  ratio {ratios[f'{e}_A{A}_S{S}']:.3f}  [fastest repeats: {min(c['times_s']) / min(s['times_s']):.3f}]")
    return dict(cells=cells, ratios_component_over_shared=ratios)


def step_modes(args) -> dict:
    """Each way the trainer can run a step (eager or one CUDA graph; float32 or bfloat16; networks compiled or not), interleaved; ratios to eager
    float32. (At d41cd16 also the compiled graphed step with Inductor's channels-last layouts forced, `*_channels_last`: no faster on an H100,
    benchmarks/results/gpu_2026-11-28_h100/step_modes_gpu.json.)"""
    configs = [(e, int(A), int(S)) for e, A, S in (c.split(':') for c in args.step_configs)]
    ways = ([('eager', False, False), ('eager', True, False), ('graph', False, False), ('graph', True, False), ('graph', False, True),
             ('graph', True, True)] if args.device.type == 'cuda' else [('eager', False, False), ('eager', False, True)])
    name = lambda e, A, S, mode, amp, comp: f"{e}_A{A}_S{S}_{mode}_{'bf16' if amp else 'fp32'}" + ('_compiled' if comp else '')
    specs = {name(e, A, S, *way): (e, A, S, 'component', *way) for e, A, S in configs for way in ways}
    cells = time_cells(specs, args)
    gpu = torch.cuda.get_device_name(args.device) if args.device.type == 'cuda' else ''
    peak = next((v for k, v in PEAK_TFLOPS.items() if k in gpu), None)
    steps_per_epoch = math.ceil(N_TRAIN / args.B)
    print(f"\nstep time by mode (median of {args.repeats} repeats); {settings_note(args)}; "
          f"floor = FLOPs / {peak or '?'} TFLOP/s (dense bfloat16 peak of this GPU)")
    flops = {}
    for e, A, S in configs:
        flops[f"{e}_A{A}_S{S}"] = f = step_flops(e, A, S, args)
        base = cells[name(e, A, S, 'eager', False, False)]['time_s']
        for way in ways:
            mode, amp, comp = way
            label = f"{mode:<5} {'bf16' if amp else 'fp32'} {'compiled' if comp else '        '}"
            c = cells[name(e, A, S, *way)]
            if 'error' in c: print(f"  {e.upper()} A={A:<3} S={S:<3} {label}  failed"); continue
            c.update(flops=f, ratio_to_eager_fp32=c['time_s'] / base, tflops_per_s=f / c['time_s'] / 1e12,
                     floor_fraction=None if peak is None else f / (peak * 1e12) / c['time_s'], s_per_epoch_steps_only=c['time_s'] * steps_per_epoch)
            print(f"  {e.upper()} A={A:<3} S={S:<3} {label}  {c['time_s'] * 1e3:8.2f} ms"
                  f"  x{base / c['time_s']:5.2f} vs eager fp32  {c['tflops_per_s']:6.1f} TFLOP/s"
                  + ('' if peak is None else f"  {100 * c['floor_fraction']:5.1f} % of the floor") +
                  (f"  peak {c['peak_memory_mb']:.0f} MB" if c['peak_memory_mb'] else '') + f"  ({c['s_per_epoch_steps_only']:.1f} s per {steps_per_epoch} steps)")
    return dict(cells=cells, flops_per_step=flops, peak_tflops=peak, steps_per_epoch=steps_per_epoch)


def timing_grid(args) -> dict:
    specs = {f"{e}_A{A}_S{S}": (e, A, S) for e in args.grid_estimators for A in args.grid_A for S in range(1, A + 1)}
    cells = time_cells(specs, args)
    steps_per_epoch = math.ceil(N_TRAIN / args.B)
    for c in cells.values(): c['s_per_epoch'] = c['time_s'] * steps_per_epoch
    print(f"\nseconds per epoch (full MNIST, {N_TRAIN} images, batch {args.B}: {steps_per_epoch} steps x median step"
          f" time; no data loading or validation); {settings_note(args)}")
    fits = {}
    for e in args.grid_estimators:
        print(f"  {e.upper()}      " + ''.join(f"   S={S:<6}" for S in range(1, max(args.grid_A) + 1)))
        for A in args.grid_A:
            print(f"    A={A:<5} " + ''.join(f"{cells[f'{e}_A{A}_S{S}']['s_per_epoch']:10.2f}" for S in range(1, A + 1)))
        pts = [(c['S'], c['s_per_epoch']) for c in cells.values() if c['estimator'] == e]
        n, sx, sy = len(pts), sum(s for s, _ in pts), sum(y for _, y in pts)
        sxx, sxy = sum(s * s for s, _ in pts), sum(s * y for s, y in pts)
        b = (n * sxy - sx * sy) / (n * sxx - sx * sx) if n * sxx != sx * sx else float('nan')
        a = (sy - b * sx) / n
        fits[e] = dict(a=a, b=b)
        print(f"    fit: {a:.2f} + {b:.2f} S s/epoch   (authors' GPU, S2S: ~3.7 + 6.4 S)")
    return dict(cells=cells, steps_per_epoch=steps_per_epoch, n_train=N_TRAIN, fits=fits,
                paper_s2s_A4_s_per_epoch=PAPER_GRID_A4)


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='auto', help="'auto' (cuda if available), 'cpu', 'cuda', ...")
    p.add_argument('--B', type=int, default=None, help='batch size (default: 100 on CUDA, 10 on CPU)')
    p.add_argument('--channels', type=int, default=None, help='PixelCNN width (default: 64 = the paper on CUDA, 16 on CPU)')
    p.add_argument('--repeats', type=int, default=None, help='timed repeats per cell (default: 7 on CUDA, 5 on CPU)')
    p.add_argument('--warmup', type=int, default=None, help='warm-up steps per cell (default: 3 on CUDA, 1 on CPU)')
    p.add_argument('--min-time', type=float, default=None, help='least seconds per repeat (default: 0.2 on CUDA, 0 on CPU)')
    p.add_argument('--amp', action='store_true', help='bfloat16 autocast in the training steps (CUDA only, as the trainer)')
    p.add_argument('--compile', action=argparse.BooleanOptionalAction, default=None,
                   help="torch.compile the networks in every cell, as the trainer's --compile (default, as the trainer: on CUDA where Triton is installed; --step-modes: as listed)")
    p.add_argument('--mode', choices=STEP_MODES, default='auto', help="how steps run, as the trainer's --step: 'auto' (one CUDA graph per step on CUDA), 'eager', 'graph'")
    p.add_argument('--step-modes', action='store_true', help='compare the ways to run a step (eager / CUDA graph, float32 / bfloat16, networks compiled or not; CPU: eager and compiled) instead of the ratios')
    p.add_argument('--compile-density', action='store_true', help="also torch.compile the mixture's log-density (misvae_nb.mixtures.log_q_components, eager in the "
                   "package: S2A scores every sample against all A components with it), to measure what that would buy")
    p.add_argument('--tf32', action='store_true', help="torch.backends.cuda.matmul.allow_tf32 = True for the whole process: matrix products on "
                   "TensorFloat32 tensor cores, as cuDNN's convolutions already run (PyTorch's default); a candidate, not the package's behaviour "
                   "(S2A at A = 800 runs the heads' products for all 800 components)")
    p.add_argument('--heads-mode', default=None, help="torch.compile the heads f_phi in this mode in every cell (e.g. max-autotune-no-cudagraphs: "
                   "Triton matrix products that can take the additions and ReLUs after them; S2A at A = 800 runs them for all 800 components)")
    p.add_argument('--ratios', nargs='+', default=list(RATIO_CELLS), choices=list(RATIO_CELLS), help="default mode: the ratios measured (each times its two cells only)")
    p.add_argument('--step-configs', nargs='+', default=['s2s:4:2', 's2s:50:20'], help="--step-modes: the steps compared, as ESTIMATOR:A:S")
    p.add_argument('--eval-images', type=int, default=None, help='test images for the throughput (default: 100 on CUDA, 2 on CPU; 0: skip)')
    p.add_argument('--eval-L', type=int, default=None, help='importance samples per component (default: 1000 on CUDA, 100 on CPU)')
    p.add_argument('--eval-A', type=int, default=50)
    p.add_argument('--eval-max-images', type=int, default=20_000, help="evaluate_nll's max_images (decoder images per pass)")
    p.add_argument('--timing-grid', action='store_true', help='seconds per epoch for the A x S grid instead of the ratios')
    p.add_argument('--bn-compare', action='store_true', help="step time with per-component vs shared BatchNorm statistics (bn='component' / 'shared')")
    p.add_argument('--grid-A', type=int, nargs='+', default=[1, 2, 3, 4])
    p.add_argument('--grid-estimators', nargs='+', default=['s2s', 's2a'], choices=['s2s', 's2a', 'a2a'])
    p.add_argument('--threads', type=int, default=1, help='torch CPU threads (default 1; 0: torch default)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--json', default=None, help='write the numbers, settings and misvae_nb.provenance.run_info() here')
    args = p.parse_args(argv)
    args.device = torch.device(('cuda' if torch.cuda.is_available() else 'cpu') if args.device == 'auto' else args.device)
    cuda = args.device.type == 'cuda'
    for name, on_cuda, on_cpu in (('B', 100, 10), ('channels', 64, 16), ('repeats', 7, 5), ('warmup', 3, 1),
                                  ('min_time', 0.2, 0.0), ('eval_images', 100, 2), ('eval_L', 1000, 100)):
        if getattr(args, name) is None: setattr(args, name, on_cuda if cuda else on_cpu)
    for name in ('B', 'channels', 'repeats', 'eval_A', 'eval_L', 'eval_max_images'):
        if getattr(args, name) < 1: raise ValueError(f"--{name.replace('_', '-')}={getattr(args, name)}: must be >= 1")
    if args.warmup < 0 or args.eval_images < 0: raise ValueError("--warmup and --eval-images must be >= 0")
    if args.amp and not cuda: print("note: --amp applies on CUDA only; the CPU steps run in float32", file=sys.stderr)
    return args


def main(argv=None):
    args = parse(argv)
    static_shapes()
    if args.device.type == 'cpu' and args.threads > 0: torch.set_num_threads(args.threads)
    if args.tf32: torch.backends.cuda.matmul.allow_tf32 = True                 # a candidate, not the package's behaviour
    if args.compile_density:                                                   # a candidate, not the package's behaviour
        import misvae_nb.mixtures as mixtures
        mixtures.log_q_components = torch.compile(mixtures.log_q_components)
    started = time.time()
    info = run_info(args.device)
    print(f"device: {info['device']}; torch {info['torch']}; commit {info['commit']}")
    print(f"settings: B={args.B} channels={args.channels} repeats={args.repeats} warmup={args.warmup} "
          f"min_time={args.min_time} amp={args.amp and args.device.type == 'cuda'} mode={args.mode} compile={args.compile} threads={torch.get_num_threads()}"
          f" tf32_matmul={torch.backends.cuda.matmul.allow_tf32} cudnn_tf32={torch.backends.cudnn.allow_tf32}")
    numbers = (timing_grid(args) if args.timing_grid else bn_compare(args) if args.bn_compare else
               step_modes(args) if args.step_modes else benchmark(args))
    wall = time.time() - started
    print(f"\nwall time {wall:.1f} s")
    if args.json:
        params = {k: (str(v) if isinstance(v, torch.device) else v) for k, v in vars(args).items()}
        name = 'timing_grid' if args.timing_grid else 'bn_compare' if args.bn_compare else 'step_modes' if args.step_modes else 'training_steps'
        record = dict(name=name, numbers=numbers, params=params,
                      **info, wall_time_s=round(wall, 2))
        path = Path(args.json); path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1, default=float) + '\n')
        Path(args.json + '.partial').unlink(missing_ok=True)                   # the whole record replaces what was saved on the way
        print(f"wrote {path}")
    return numbers


if __name__ == '__main__':
    main()
