"""A prototype for the evaluation target: the decoder's eval pass with each BatchNorm folded into the convolution before it,
so that cuDNN adds the shift and applies the ReLU in the convolution's epilogue (`torch.cudnn_convolution_relu`), against
the package's compiled decoder: interleaved A/B in one process, each one's log p(x|z) (bfloat16) against the float32 decoder's on
the same inputs.

  python benchmarks/fused_decoder.py [--device cuda] [--A 50] [--B 40] [--L 10] [--rounds 10] [--json OUT.json]
  python benchmarks/fused_decoder.py --check       # CPU, float64: the folded decoder computes the package's logits

Why: in a compiled bfloat16 evaluation pass on an H100 (20,000 decodes, 27.2 ms of GPU time) the seven masked convolutions
take 13.7 ms and the BatchNorm affine and ReLU, a separate memory-bound pass after each, 8.5 ms
(benchmarks/results/gpu_2026-11-28_h100/probe_profile.json); the evaluation target needs 1.16 times the speed. In eval mode a
component's BatchNorm is an affine map per channel, relu(s_a * conv(y, W) + t_a) = relu(conv(y, s_a W) + t_a): the scale
goes into the weights (one copy of the weights per component) and the shift is the convolution's bias. Two ways to run the
components' different weights, each a variant:
  loop     the images ordered by component, one convolution per component and layer (a Python loop over components: a
           prototype only, the package allows none on hot paths);
  grouped  the components side by side in the channels, one grouped convolution per layer (groups = A): loop-free, if cuDNN
           runs it as fast.
The masked convolution's extra output row (rows 0..r of the kernel, symmetric padding) is not cropped: cropping a
channels-last tensor's rows needs a copy before the next convolution. A layer's output rows below the image depend only
on rows below the image, so each layer adds a row of waste (28 -> 35 rows over seven layers, 14 % more work on average),
and the output layer reads the first 28. On a CPU the fused convolution is `F.relu(F.conv2d(...))`.
"""
from __future__ import annotations
import argparse, json, statistics, sys, time
from pathlib import Path
import torch
import torch.nn.functional as F
sys.path.insert(0, str(Path(__file__).parent))
from interleaved import interleaved_times
from misvae_nb.networks import MISVAE, MaskedConv2d, ComponentBatchNorm2d, calibrate_batchnorm, channels_last
from misvae_nb.provenance import run_info


def conv_relu(y, weight, bias, groups: int=1):
    "relu(conv(y, weight) + bias), padding 1 on every side; fused by cuDNN on CUDA."
    if y.is_cuda: return torch.cudnn_convolution_relu(y, weight, bias, [1, 1], [1, 1], [1, 1], groups)
    return F.relu(F.conv2d(y, weight, bias, padding=1, groups=groups))


def folded(bn: ComponentBatchNorm2d, idx):
    "Eval-mode BatchNorm of components idx [K] as an affine map: scale, shift [K, C], at least float32."
    groups, dt = (idx if bn.groups > 1 else torch.zeros_like(idx)), torch.promote_types(bn.weight.dtype, torch.float32)
    scale = bn.weight.to(dt) * torch.rsqrt(bn.running_var[groups].to(dt) + bn.eps)                  # [K, C]
    return scale, bn.bias.to(dt) - bn.running_mean[groups].to(dt) * scale


def layers(dec):
    "The (masked convolution, BatchNorm) pairs after the first layer, and the first layer's BatchNorm."
    mods = list(dec.pixelcnn)
    convs = [(m, mods[i + 1]) for i, m in enumerate(mods) if isinstance(m, MaskedConv2d) and i > 0]
    return mods[1], convs


def live_weight(conv: MaskedConv2d):
    "The masked kernel's live rows 0..r: [C, Cin, r + 1, k]."
    r = conv.kernel_size[0] // 2
    return conv.weight[:, :, :r + 1] * conv.mask[:r + 1]


def fused_logits_loop(dec, x, z, idx):
    "Bernoulli logits [L, B, K, 784] of the eval-mode decoder, images ordered by component, one convolution per component and layer."
    L, B, K, _ = z.shape
    bn0, convs = layers(dec)
    zk = z.permute(2, 0, 1, 3)                                                     # [K, L, B, D]: component-major
    y = dec.first_layer(x, dec.dense(zk).reshape(K * L, B, 1, 28, 28))           # [K*L*B, C, 28, 28] in (k, l, b) order
    C = y.shape[1]
    s, t = folded(bn0, idx)
    y = y.view(K, L * B, C, 28, 28)
    ys = (y * s.to(y.dtype)[:, None, :, None, None] + t.to(y.dtype)[:, None, :, None, None]).relu_().unbind(0)   # K x [M, C, 28, 28]
    for conv, bn in convs:
        s, t = folded(bn, idx)
        w = (s[:, :, None, None, None] * live_weight(conv).to(s.dtype)).to(y.dtype)   # [K, C, Cin, 2, 3]
        ys = [conv_relu(y_k, w[k].contiguous(memory_format=torch.channels_last), t[k].to(y.dtype)) for k, y_k in enumerate(ys)]
    logits = torch.stack([dec.last_layer(y_k[:, :, :28]) for y_k in ys])          # [K, L*B, 784]
    return logits.view(K, L, B, 784).permute(1, 2, 0, 3)


def fused_logits_grouped(dec, x, z, idx):
    "Bernoulli logits [L, B, K, 784] of the eval-mode decoder, the K components side by side in the channels, grouped convolutions."
    L, B, K, _ = z.shape
    bn0, convs = layers(dec)
    y = dec.first_layer(x, dec.dense(z).view(L, B, K, 28, 28))                    # [L*B*K, C, 28, 28], memory [L, B, K, 28, 28, C]
    C = y.shape[1]
    s, t = folded(bn0, idx)
    y6 = y.permute(0, 2, 3, 1).reshape(L * B, K, 28, 28, C).permute(0, 2, 3, 1, 4)   # [M, 28, 28, K, C], a view
    g = torch.empty(L * B, 28, 28, K, C, dtype=y.dtype, device=y.device)          # memory: each pixel's K*C channels
    torch.addcmul(t.to(y.dtype), y6, s.to(y.dtype), out=g).relu_()
    y = g.view(L * B, 28, 28, K * C).permute(0, 3, 1, 2)                          # [M, K*C, 28, 28] channels-last
    for conv, bn in convs:
        s, t = folded(bn, idx)
        w = (s[:, :, None, None, None] * live_weight(conv).to(s.dtype)).to(y.dtype)   # [K, C, Cin, 2, 3]
        y = conv_relu(y, w.flatten(0, 1).contiguous(memory_format=torch.channels_last), t.flatten().to(y.dtype), groups=K)
    out = dec.out.weight.view(-1).to(y.dtype)                                     # [C]
    y = y[:, :, :28].unflatten(1, (K, C))                                         # [M, K, C, 28, 28]
    logits = torch.einsum('mkchw,c->mkhw', y, out) + dec.out.bias.to(y.dtype)     # [M, K, 28, 28]
    return logits.reshape(L, B, K, 784)


VARIANTS = dict(loop=fused_logits_loop, grouped=fused_logits_grouped)


def model_and_inputs(a, dev, dtype=torch.float32):
    "An untrained MISVAE with calibrated BatchNorm statistics (so that every layer matters), in eval mode; x [B,1,28,28], z [L,B,A,D], idx [A]."
    torch.manual_seed(a.seed)
    model = channels_last(MISVAE(a.A, channels=a.channels, validate=False)).to(dev)
    images = torch.bernoulli(torch.full((max(a.B, 2), 1, 28, 28), 0.5), generator=torch.Generator().manual_seed(a.seed))
    calibrate_batchnorm(model, images[:2], seed=a.seed, progress=False)
    model = model.to(dtype).eval()
    x = images[:a.B].to(dev, dtype)
    z = torch.randn(a.L, a.B, a.A, model.decoder.dense.h.in_features, generator=torch.Generator().manual_seed(a.seed + 1)).to(dev, dtype)
    return model, x, z, torch.arange(a.A, device=dev)


def check(a) -> dict:
    "On the CPU in float64: each variant's logits against the package decoder's (eval mode)."
    dev = torch.device('cpu')
    model, x, z, idx = model_and_inputs(a, dev, torch.float64)
    with torch.no_grad():
        ref = model.decoder(x, z, idx)                                            # [L, B, A, 784]
        diffs = {name: (fn(model.decoder, x, z, idx) - ref).abs().max().item() for name, fn in VARIANTS.items()}
    for name, d in diffs.items():
        print(f"  {name:<8} largest |logit - package's| {d:.2e}", flush=True)
        assert d < 1e-9, f"{name}: the folded decoder's logits differ from the package's by {d}"
    return diffs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cuda')
    p.add_argument('--check', action='store_true', help='on the CPU in float64: the variants compute the package decoder\'s logits (small sizes)')
    p.add_argument('--A', type=int, default=None, help='components per pass (default 50; --check: 3)')
    p.add_argument('--B', type=int, default=None, help='images (default 40; --check: 2)')
    p.add_argument('--L', type=int, default=None, help='samples per component (default 10, so A*B*L = 20,000 decodes a pass; --check: 2)')
    p.add_argument('--channels', type=int, default=None, help='default 64; --check: 8')
    p.add_argument('--rounds', type=int, default=10)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--json', default=None)
    a = p.parse_args(argv)
    small = a.check
    a.A, a.B, a.L, a.channels = a.A or (3 if small else 50), a.B or (2 if small else 40), a.L or (2 if small else 10), a.channels or (8 if small else 64)
    if a.check:
        print(f"check (cpu, float64, A={a.A}, B={a.B}, L={a.L}, channels={a.channels})")
        check(a); return
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    model, x, z, idx = model_and_inputs(a, dev)
    dec = model.decoder
    compiled = torch.compile(dec)                                                 # as evaluate_nll compiles the networks
    def bf16(fn):                                                                 # as decoder_precision runs the decoder in bfloat16
        def run():
            with torch.autocast(dev.type, torch.bfloat16): return fn(dec, x, z, idx)
        return run
    runs = {'package_compiled': bf16(lambda dec, x, z, idx: compiled(x, z, idx))} | {name: bf16(fn) for name, fn in VARIANTS.items()}
    out = {}
    log_p = lambda logits: -F.binary_cross_entropy_with_logits(logits.float(), x.view(1, a.B, 1, 784).expand(logits.shape), reduction='none').sum(-1)
    with torch.no_grad():
        ref = log_p(dec(x, z, idx))                                               # float32, eager: [L, B, A]
        for name, run in runs.items():                                          # each run's log p(x|z) against float32's, same inputs
            try: d = (log_p(run()) - ref).abs()
            except Exception as e: out[name] = dict(error=f"{type(e).__name__}: {e}"[:2000]); print(f"  {name}: failed: {out[name]['error'][:300]}"); continue
            out[name] = dict(largest_difference_from_float32=d.max().item(), mean_difference_from_float32=d.mean().item())
        ok = {k: run for k, run in runs.items() if 'error' not in out[k]}
        times = interleaved_times(ok, a.rounds, sync)
    decodes = a.A * a.B * a.L
    base = statistics.median(times['package_compiled'])
    info = run_info(dev)
    print(f"{info['device']}, commit {info['commit']}, A={a.A} B={a.B} L={a.L} ({decodes} decodes a pass), channels={a.channels}, bfloat16, median of {a.rounds} rounds")
    for name, ts in times.items():
        med = statistics.median(ts)
        out[name].update(ms_per_pass=med * 1e3, decodes_per_s=decodes / med, speedup_over_package=base / med)
        print(f"  {name:<18} {med * 1e3:7.2f} ms a pass, {decodes / med / 1e3:5.0f}k decodes/s, x{base / med:4.2f} vs the package; "
              f"|log p(x|z) - float32's| {out[name]['mean_difference_from_float32']:.3f} on average, at most {out[name]['largest_difference_from_float32']:.3f} nats", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(dict(name='fused_decoder', A=a.A, B=a.B, L=a.L, channels=a.channels, rounds=a.rounds,
                                                variants=out, **info), indent=1, default=str) + '\n')
        print(f"wrote {a.json}")


if __name__ == '__main__':
    sys.exit(main())
