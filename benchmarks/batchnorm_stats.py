"""Per-component BatchNorm statistics in one pass (the package's `ComponentBatchNorm2d.batch_stats`: shifted sums, networks
notebook) against the two passes of its first implementation (the mean, then squares about it): interleaved A/B in one process.

  python benchmarks/batchnorm_stats.py [--device cpu|cuda] [--channels C] [--B B] [--rounds R] [--json OUT.json]

Cells, each with both ways:
  layer   one BatchNorm + ReLU, forward and backward, on the [2B, C, 28, 28] channels-last activations of an S2S A = 4, S = 2
          batch (two components), eager and compiled;
  step    the trainer's whole S2S A = 4, S = 2 training step (`misvae_nb.training.build_step`), as it runs by default and
          compiled: on the CPU eager and compiled; on CUDA one CUDA graph, compiled, in float32 and in bfloat16 (--amp).
Each round times every cell once (--steps calls), in turn; round 0 (warm-up, compilation) is not kept. Printed: the medians
over rounds and two-pass / one-pass, the speed-up of the package's way. Defaults: B = 10 and 16 channels on the CPU, the
paper's B = 100 and 64 channels on CUDA.
"""
from __future__ import annotations
import argparse, json, sys
from pathlib import Path
import torch
import torch.nn.functional as F
from misvae_nb.networks import ComponentBatchNorm2d
sys.path.insert(0, str(Path(__file__).parent))
from interleaved import ab_compare
import training_steps

class TwoPassBatchNorm2d(ComponentBatchNorm2d):
    "The first implementation's statistics: the group means, then the squares about them (two passes over y)."
    def batch_stats(self, y, comp): # y: [N,C,H,W], comp: [N]
        N, C, H, W = y.shape
        dt = torch.promote_types(y.dtype, torch.float32)
        f32 = dict(dtype=dt, device=y.device)
        n = torch.zeros(self.groups, **f32).index_add(0, comp, torch.full((N,), H * W, **f32))
        mean = torch.zeros(self.groups, C, **f32).index_add(0, comp, y.sum((2, 3), dtype=dt)) / n.clamp(min=1)[:, None]
        dev = y - mean[comp][:, :, None, None]
        var = torch.zeros(self.groups, C, **f32).index_add(0, comp, dev.pow(2).sum((2, 3))) / n.clamp(min=1)[:, None]
        return mean, var, n

WAYS = dict(one_pass=ComponentBatchNorm2d, two_pass=TwoPassBatchNorm2d)

def with_way(model: torch.nn.Module, cls) -> torch.nn.Module:
    "Every ComponentBatchNorm2d of `model` computing its statistics the way of `cls` (before the first call: compilation is lazy)."
    for m in model.modules():
        if isinstance(m, ComponentBatchNorm2d): m.__class__ = cls
    return model

def layer_cell(cls, a, dev, compiled: bool):
    N = 2 * a.B                                                           # S2S A = 4, S = 2: components 1 and 3
    comp = torch.tensor([1, 3], device=dev).repeat(a.B)
    bn = cls(4, a.channels).to(dev)
    y = torch.randn(N, a.channels, 28, 28, device=dev).contiguous(memory_format=torch.channels_last).requires_grad_()
    f = lambda y: F.relu(bn(y, comp)).sum()
    f = torch.compile(f) if compiled else f
    def run():
        for _ in range(a.steps): y.grad = None; f(y).backward()
    return run

def step_cell(cls, a, dev, mode: str, compiled: bool, amp: bool):
    settings = argparse.Namespace(seed=0, channels=a.channels, B=a.B, device=dev, mode=mode, compile=compiled, amp=amp)
    step = training_steps.make_cell('s2s', 4, 2, settings, prepare=lambda model: with_way(model, cls))   # as the step benchmark builds it
    def run():
        for _ in range(a.steps): step()
    return run

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--channels', type=int, default=None, help='PixelCNN width (default: 16 on the CPU, 64 on CUDA)')
    p.add_argument('--B', type=int, default=None, help='batch size (default: 10 on the CPU, 100 on CUDA)')
    p.add_argument('--rounds', type=int, default=15)
    p.add_argument('--steps', type=int, default=None, help='calls per cell and round (default: 1 on the CPU, 20 on CUDA)')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--json', default=None)
    a = p.parse_args(argv)
    dev = torch.device(a.device)
    cuda = dev.type == 'cuda'
    a.channels, a.B, a.steps = a.channels or (64 if cuda else 16), a.B or (100 if cuda else 10), a.steps or (20 if cuda else 1)
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    sync = (lambda: torch.cuda.synchronize(dev)) if cuda else (lambda: None)
    kinds = dict(layer_eager=lambda c: layer_cell(c, a, dev, False), layer_compiled=lambda c: layer_cell(c, a, dev, True))
    if cuda: kinds |= dict(step_graph_fp32_compiled=lambda c: step_cell(c, a, dev, 'graph', True, False),
                           step_graph_bf16_compiled=lambda c: step_cell(c, a, dev, 'graph', True, True))
    else: kinds |= dict(step_eager=lambda c: step_cell(c, a, dev, 'eager', False, False),
                        step_compiled=lambda c: step_cell(c, a, dev, 'eager', True, False))
    runs = {(k, w): make(cls) for k, make in kinds.items() for w, cls in WAYS.items()}   # a cell's two ways back to back
    result = ab_compare(runs, a.rounds, dev, 'one_pass', 'two_pass', f"B={a.B}, channels={a.channels}", sync, a.steps)
    if a.json:
        Path(a.json).write_text(json.dumps(dict(name='batchnorm_stats', B=a.B, channels=a.channels, steps=a.steps, threads=a.threads,
                                                **result), indent=1, default=str) + '\n')

if __name__ == '__main__':
    sys.exit(main())
