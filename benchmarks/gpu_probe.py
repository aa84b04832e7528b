"""Where a graphed MISVAE step and an evaluation pass spend their GPU time, and what two changes buy: A/B in one run.

  python benchmarks/gpu_probe.py OUT.json [--parts ab,eval,profile,compile]

ab:      ms/step of the trainer's step (benchmarks/training_steps.py's cells): eager float32, graphed with the decoder
         in float32 and in bfloat16, for S2S A=4 S=2, S2A A=800 S=1 and S2S A=50 S=20.
eval:    evaluate_nll decodes/s at A=50, L=1000 (40 images, passes of 20,000 decodes), float32 and bfloat16, with the
         decoder compiled and not, and the projected minutes of the paper's 10,000-image evaluation.
profile: torch.profiler over eager S2S A=4 S=2 steps and one evaluation pass: the kernels by GPU time, and the
         evaluation pass's torch ops (with their input shapes) by the GPU time of their kernels.
compile: the graphed step with the decoder under torch.compile (the trainer's --compile), beside the plain one.
Each part writes its numbers into OUT.json as soon as it is done (run_info stamped), so a part that fails or
runs out of time leaves the others. (benchmarks/results/gpu_2026-11-26/probe.json was made by this script at
commit cafeb91, when ab and eval also compared masked convolutions cropped to their live rows: slower, removed.)
"""
from __future__ import annotations
import argparse, json, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
import training_steps as ts
from misvae_nb.networks import MISVAE
from misvae_nb.provenance import run_info

CONFIGS = [('s2s', 4, 2), ('s2a', 800, 1), ('s2s', 50, 20)]


def ab(args) -> dict:
    specs = {}
    for e, A, S in CONFIGS:
        specs[f"{e}_A{A}_S{S}_eager_fp32"] = (e, A, S, 'component', 'eager', False)
        for amp in (False, True): specs[f"{e}_A{A}_S{S}_graph_{'bf16' if amp else 'fp32'}"] = (e, A, S, 'component', 'graph', amp)
    cells = ts.time_cells(specs, args)
    for name, c in cells.items(): print(f"  {name:<36} {c['time_s'] * 1e3:8.2f} ms  peak {c['peak_memory_mb'] or 0:.0f} MB", flush=True)
    return cells


def evals(args) -> dict:
    out = {}
    for compile in (False, True):
        for p in ('float32', 'bfloat16'):
            out[p + ('_compiled' if compile else '')] = e = ts.eval_throughput(args, p, compile)
            print(f"  eval {p:<9} {'compiled' if compile else '':<8}: {e['decodes_per_s'] / 1e3:.0f}k decodes/s, "
                  f"paper's evaluation {e['minutes_for_paper_eval']:.1f} min", flush=True)
    return out


def profile(args) -> dict:
    from torch.profiler import profile as prof, ProfilerActivity
    sync = torch.cuda.synchronize if args.device.type == 'cuda' else (lambda: None)
    act = [ProfilerActivity.CUDA if args.device.type == 'cuda' else ProfilerActivity.CPU]
    run = ts.make_cell('s2s', 4, 2, argparse.Namespace(**{**vars(args), 'mode': 'eager'}))
    for _ in range(3): run()
    sync()
    with prof(activities=act) as p:
        for _ in range(10): run()
        sync()
    step = [dict(name=k.key[:120], ms_per_step=k.self_device_time_total / 1e3 / 10, calls_per_step=k.count / 10)
            for k in sorted(p.key_averages(), key=lambda k: -k.self_device_time_total)[:25]]
    step_gpu_ms = sum(k.self_device_time_total for k in p.key_averages()) / 1e3 / 10
    model = MISVAE(50, channels=args.channels, validate=False).to(args.device, memory_format=torch.channels_last).eval()
    x = torch.bernoulli(torch.full((100, 1, 28, 28), 0.5, device=args.device)); z = torch.randn(4, 100, 50, 40, device=args.device)
    idx = torch.arange(50, device=args.device)
    with torch.no_grad():
        for _ in range(2): model.log_likelihood(x, z, idx, validate=False)
        sync()
        with prof(activities=list({ProfilerActivity.CPU, *act}), record_shapes=True) as p:
            model.log_likelihood(x, z, idx, validate=False); sync()
    ev = [dict(name=k.key[:120], ms=k.self_device_time_total / 1e3, calls=k.count)
          for k in sorted(p.key_averages(), key=lambda k: -k.self_device_time_total)[:15]]
    ev_ops = [dict(op=k.key, shapes=str(k.input_shapes)[:200], device_ms=k.device_time_total / 1e3, calls=k.count)   # which torch op, on what
              for k in sorted(p.key_averages(group_by_input_shape=True), key=lambda k: -k.device_time_total)
              if k.key.startswith('aten::')][:20]
    print(f"  eager step: {step_gpu_ms:.2f} ms of GPU time", flush=True)
    for r in step[:12]: print(f"  step {r['ms_per_step']:7.3f} ms  x{r['calls_per_step']:<5.0f} {r['name'][:90]}", flush=True)
    for r in ev[:8]: print(f"  eval pass {r['ms']:7.2f} ms  x{r['calls']:<4} {r['name'][:90]}", flush=True)
    for r in ev_ops[:10]: print(f"  eval pass op {r['device_ms']:7.2f} ms  x{r['calls']:<4} {r['op']} {r['shapes'][:80]}", flush=True)
    return dict(step_s2s_A4_S2_eager_fp32=step, eval_pass_20k_decodes_fp32=ev, eval_pass_ops=ev_ops,
                step_gpu_ms=step_gpu_ms)


def compiled(args) -> dict:
    specs = {'s2s_A4_S2_graph_fp32': ('s2s', 4, 2, 'component', 'graph', False, False),
             's2s_A4_S2_graph_fp32_compiled': ('s2s', 4, 2, 'component', 'graph', False, True),
             's2s_A4_S2_graph_bf16_compiled': ('s2s', 4, 2, 'component', 'graph', True, True)}
    t0 = time.time(); cells = ts.time_cells(specs, args)
    for name, c in cells.items(): print(f"  {name:<36} {c['time_s'] * 1e3:8.2f} ms", flush=True)
    return dict(cells=cells, wall_s_with_compilation=time.time() - t0)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out')
    p.add_argument('--parts', default='ab,eval,profile,compile')
    p.add_argument('--smoke', action='store_true', help='tiny CPU settings, to check that the script runs')
    a = p.parse_args()
    args = ts.parse(['--device', 'cpu', '--B', '2', '--channels', '4', '--repeats', '1', '--eval-images', '2', '--eval-L', '4'] if a.smoke else
                    ['--device', 'cuda', '--repeats', '5', '--min-time', '0.1', '--eval-images', '40'])
    record = dict(name='gpu_probe', started=time.strftime('%Y-%m-%d %H:%M:%S'), **run_info(args.device))
    for part in a.parts.split(','):
        t0 = time.time(); print(f"== {part}", flush=True)
        try: record[part] = dict(ab=ab, eval=evals, profile=profile, compile=compiled)[part](args)
        except Exception as e: record[part] = dict(error=f"{type(e).__name__}: {e}"[:3000]); print(record[part], flush=True)
        record[part + '_wall_s'] = time.time() - t0
        Path(a.out).write_text(json.dumps(record, indent=1, default=float) + '\n')
