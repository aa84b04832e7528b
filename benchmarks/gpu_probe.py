"""Where a graphed MISVAE step and an evaluation pass spend their GPU time, and what candidate changes buy: A/B in one run.

  python benchmarks/gpu_probe.py OUT.json [--parts eval,profile] [--eval-variants ...] [--pass-sizes ...] [--cudnn-benchmark]

eval:    evaluate_nll decodes/s at A=50, L=1000 (40 images, passes of 20,000 decodes or --pass-sizes), and the projected minutes
         of the paper's 10,000-image evaluation, for each of --eval-variants, named PRECISION[_HOW][_graphed]: float32 or bfloat16;
         networks compiled ('_compiled'), or compiled in Inductor's max-autotune mode ('_autotuned': on an H100 it chose cuDNN
         and fused nothing); '_graphed': each batch's chunks replayed from a CUDA graph (evaluate_nll's graph=True), which pays
         only where passes are small (--pass-sizes; benchmarks/results/gpu_2026-11-28_h100/).
profile: torch.profiler over S2S A=4 S=2 steps (eager; graphed with the networks compiled; compiled but not graphed, whose
         torch ops show which launched the step's 34 copy kernels) and over one evaluation pass (eager float32; compiled
         bfloat16): the kernels by GPU time, and the torch ops behind them with their input shapes.
--cudnn-benchmark sets torch.backends.cudnn.benchmark (cuDNN times its algorithms for each shape); run it in a
process of its own, beside one without, since cuDNN keeps the algorithm it chose for a shape for the process's life.
Each part writes its numbers into OUT.json as soon as it is done (run_info stamped), so a part that fails or
runs out of time leaves the others. (benchmarks/results/gpu_2026-11-26/probe.json was made by this script at
commit cafeb91, when it also had an A/B of masked convolutions cropped to their live rows against whole kernels, not compiled:
the cropped ones were slower there, and came back at 3fcf1bb, compiled, with the crop fused into the BatchNorm pass; the ways
to run a step are benchmarks/training_steps.py --step-modes. At commit 0e0f94f it also had a 'compile' part,
the graphed step with the decoder compiled against the encoder and heads compiled too: benchmarks/results/gpu_2026-11-26b/.
At d41cd16 it also had Triton convolutions with the BatchNorm and ReLU in their epilogue ('_tritonconv', with the masked rows
'_uncropped' or '_whole'): slower than cuDNN's, benchmarks/results/gpu_2026-11-28_h100/probe_autotune.json.)
"""
from __future__ import annotations
import argparse, json, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent))
import training_steps as ts
from misvae_nb.networks import MISVAE, compile_networks, decoder_precision
from misvae_nb.provenance import run_info

AUTOTUNE_MODE = 'max-autotune-no-cudagraphs'   # Inductor times Triton templates (convolutions too) against cuDNN and picks the faster

def variant(name: str):
    """PRECISION[_HOW][_graphed] -> (precision, compile_networks' arguments or None, graph). HOW: 'compiled'; 'autotuned' (Inductor's
    max-autotune). '_graphed': evaluate_nll(graph=True)."""
    parts = name.split('_')
    graph = parts[-1] == 'graphed'
    if graph: parts.pop()
    p, how = parts[0], '_'.join(parts[1:])
    hows = {'': None, 'compiled': {}, 'autotuned': dict(mode=AUTOTUNE_MODE)}
    if p not in ('float32', 'bfloat16') or how not in hows:
        raise ValueError(f"eval variant {name!r}: PRECISION[_HOW][_graphed], PRECISION float32 or bfloat16, HOW compiled or autotuned")
    return p, hows[how], graph


AGREE_NATS = 1.0    # the most a variant's bound may differ from the first variant's of its pass size (the same samples): a wrong kernel moves
                    # it by tens to hundreds of nats (one layer's output replaced by noise: 260 on the CPU), bfloat16 against float32 by ~0.05

def evals(args, out: dict, save) -> None:
    """Each variant's numbers into `out`, saved as soon as it is measured (a variant that fails or is cut off by a time limit leaves the
    others). Every variant scores the same samples, so each bound is checked against the first variant's (`agrees`): a fast variant whose
    kernels compute something else (a miscompiled Triton convolution) is flagged, not taken as a win."""
    sizes = [int(n) for n in args.pass_sizes.split(',')]
    first = {}                                                             # the first variant's bound, per pass size (other sizes: other samples)
    for size, name in ((n, v) for n in sizes for v in args.eval_variants.split(',')):
        key = name if len(sizes) == 1 else f'{name}_pass{size}'
        try:
            p, how, graph = variant(name)
            e = ts.eval_throughput(argparse.Namespace(**{**vars(args), 'eval_max_images': size}), p, compile=how is not None, compile_how=how,
                                   graph=graph)
        except Exception as err:
            out[key] = dict(error=f"{type(err).__name__}: {err}"[:3000]); print(f"  eval {name:<32} passes of {size}: failed: {out[key]['error'][:300]}", flush=True)
            save(); continue
        first.setdefault(size, e['nll_untrained'])
        e.update(nll_minus_first=e['nll_untrained'] - first[size], agrees=abs(e['nll_untrained'] - first[size]) < AGREE_NATS)
        out[key] = e
        print(f"  eval {name:<32} passes of {size}: {e['decodes_per_s'] / 1e3:.0f}k decodes/s, "
              f"paper's evaluation {e['minutes_for_paper_eval']:.1f} min, peak {e['peak_memory_mb'] or 0:.0f} MB, "
              f"bound {e['nll_untrained']:.3f} ({e['nll_minus_first']:+.3f} against the first variant of this pass size{'' if e['agrees'] else ': DISAGREES, a wrong kernel?'})", flush=True)
        save()


def profile(args, out: dict, save) -> None:
    from torch.profiler import profile as prof, ProfilerActivity
    sync = torch.cuda.synchronize if args.device.type == 'cuda' else (lambda: None)
    act = [ProfilerActivity.CUDA if args.device.type == 'cuda' else ProfilerActivity.CPU]
    def kernels(p, per: int, n: int=25) -> list[dict]:
        return [dict(name=k.key[:120], ms=k.self_device_time_total / 1e3 / per, calls=k.count / per)
                for k in sorted(p.key_averages(), key=lambda k: -k.self_device_time_total)[:n]]
    def ops(p, per: int, n: int=20) -> list[dict]:   # the torch ops that launched the kernels, with their input shapes
        return [dict(op=k.key, shapes=str(k.input_shapes)[:200], device_ms=k.device_time_total / 1e3 / per, calls=k.count / per)
                for k in sorted(p.key_averages(group_by_input_shape=True), key=lambda k: -k.device_time_total)
                if k.key.startswith('aten::')][:n]
    steps = {}
    fast = 'graph' if args.device.type == 'cuda' else 'eager'
    cells = [('s2s_A4_S2_eager_fp32', 'eager', False, False), (f's2s_A4_S2_{fast}_fp32_compiled', fast, True, False),
             ('s2s_A4_S2_eager_fp32_compiled', 'eager', True, True)]   # compiled but not graphed: the ops behind its copy kernels
    for name, mode, compile, with_ops in cells[:3 if fast == 'graph' else 2]:
        run = ts.make_cell('s2s', 4, 2, args, mode=mode, amp=False, compile=compile)
        for _ in range(5): run()                                           # warm-up, capture
        sync()
        with prof(activities=list({ProfilerActivity.CPU, *act}) if with_ops else act, record_shapes=with_ops) as p:
            for _ in range(10): run()
            sync()
        steps[name] = dict(gpu_ms_per_step=sum(k.self_device_time_total for k in p.key_averages()) / 1e3 / 10,
                           kernels_per_step=sum(k.count for k in p.key_averages() if k.self_device_time_total > 0) / 10,
                           top=kernels(p, 10), **(dict(ops=ops(p, 10)) if with_ops else {}))
        print(f"  {name}: {steps[name]['gpu_ms_per_step']:.2f} ms of GPU time, {steps[name]['kernels_per_step']:.0f} kernels per step", flush=True)
        for r in steps[name]['top'][:10]: print(f"    {r['ms']:7.3f} ms  x{r['calls']:<5.0f} {r['name'][:90]}", flush=True)
        for r in steps[name].get('ops', [])[:10]: print(f"    op {r['device_ms']:7.3f} ms  x{r['calls']:<5.0f} {r['op']} {r['shapes'][:80]}", flush=True)
    model = MISVAE(50, channels=args.channels, validate=False).to(args.device, memory_format=torch.channels_last).eval()
    x = torch.bernoulli(torch.full((100, 1, 28, 28), 0.5, device=args.device)); z = torch.randn(4, 100, 50, 40, device=args.device)
    idx = torch.arange(50, device=args.device)
    with torch.no_grad():
        for _ in range(2): model.log_likelihood(x, z, idx, validate=False)
        sync()
        with prof(activities=list({ProfilerActivity.CPU, *act}), record_shapes=True) as p:
            model.log_likelihood(x, z, idx, validate=False); sync()
    ev, ev_ops = kernels(p, 1, 15), ops(p, 1)
    for r in ev[:8]: print(f"  eval pass {r['ms']:7.2f} ms  x{r['calls']:<4.0f} {r['name'][:90]}", flush=True)
    for r in ev_ops[:10]: print(f"  eval pass op {r['device_ms']:7.2f} ms  x{r['calls']:<4} {r['op']} {r['shapes'][:80]}", flush=True)
    compile_networks(model, args.device)                                   # the same pass, compiled, bfloat16
    ll = decoder_precision(model.likelihood(x, validate=False), 'bfloat16', args.device)
    with torch.no_grad():
        for _ in range(2): ll(z, idx)
        sync()
        with prof(activities=list({ProfilerActivity.CPU, *act}), record_shapes=True) as p:
            ll(z, idx); sync()
    ev_compiled, ev_compiled_ops = kernels(p, 1, 15), ops(p, 1)       # which op launched each aten kernel (the whole-activation copy)
    for r in ev_compiled[:8]: print(f"  eval pass compiled bf16 {r['ms']:7.2f} ms  x{r['calls']:<4.0f} {r['name'][:80]}", flush=True)
    for r in ev_compiled_ops[:10]: print(f"  eval pass compiled bf16 op {r['device_ms']:7.2f} ms  x{r['calls']:<4} {r['op']} {r['shapes'][:80]}", flush=True)
    out.update(steps=steps, eval_pass_20k_decodes_fp32=ev, eval_pass_ops=ev_ops, eval_pass_20k_decodes_bf16_compiled=ev_compiled,
               eval_pass_ops_bf16_compiled=ev_compiled_ops)


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out')
    p.add_argument('--parts', default='eval,profile')
    p.add_argument('--eval-variants', default='float32,bfloat16,float32_compiled,bfloat16_compiled')
    p.add_argument('--pass-sizes', default='20000', help="evaluate_nll's max_images (decoder images per pass), comma-separated: each variant "
                   "at each (smaller passes: more host work per decode, each layer's activations closer to fitting the L2 cache)")
    p.add_argument('--cudnn-benchmark', action='store_true', help='torch.backends.cudnn.benchmark = True for the whole process')
    p.add_argument('--smoke', action='store_true', help='tiny CPU settings, to check that the script runs')
    a = p.parse_args()
    ts.static_shapes()
    warps = ts.cap_conv_warps() if not a.smoke else None
    args = ts.parse(['--device', 'cpu', '--B', '2', '--channels', '4', '--repeats', '1', '--eval-images', '2', '--eval-L', '4'] if a.smoke else
                    ['--device', 'cuda', '--repeats', '5', '--min-time', '0.1', '--eval-images', '40'])
    args.eval_variants, args.pass_sizes, torch.backends.cudnn.benchmark = a.eval_variants, a.pass_sizes, a.cudnn_benchmark
    record = dict(name='gpu_probe', cudnn_benchmark=a.cudnn_benchmark, conv_warps_capped=warps, started=time.strftime('%Y-%m-%d %H:%M:%S'), **run_info(args.device))
    save = lambda: Path(a.out).write_text(json.dumps(record, indent=1, default=float) + '\n')
    for part in a.parts.split(','):
        t0 = time.time(); print(f"== {part}", flush=True)
        record[part] = out = {}
        try: dict(eval=evals, profile=profile)[part](args, out, save)
        except Exception as e: out['error'] = f"{type(e).__name__}: {e}"[:3000]; print(out['error'], flush=True)
        record[part + '_wall_s'] = time.time() - t0
        save()
