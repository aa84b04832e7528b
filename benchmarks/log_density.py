"""The mixture's log-density matrix (`misvae_nb.mixtures.log_q_components`) against `torch.distributions`' Normal.log_prob, its
first implementation: interleaved A/B in one process, forward and backward, at the shapes the estimators meet.

  python benchmarks/log_density.py [--device cpu|cuda] [--rounds R] [--json OUT.json]

Cells (samples z [L, B, S, D] against K components [B, K, D], D = 40, B = 100): S2A at A = 800, S = 1 (the [L, B, S, K, D]
difference tensor has 3.2 million entries), and A2A at A = 50 (10 million). Each call takes the log-density matrix, the
mixture's log-sum-exp over components and the gradient with respect to z, the means and the log standard deviations, as a
training step does. Each round times every cell once, in turn; the medians over rounds and their ratios are printed.
"""
from __future__ import annotations
import argparse, json, sys
from pathlib import Path
import torch
from torch.distributions import Independent, Normal
from misvae_nb.mixtures import log_q_components
sys.path.insert(0, str(Path(__file__).parent))
from interleaved import ab_compare

def with_distributions(z, mu, std):   # z [L, B, S, D], mu, std [B, K, D] -> [L, B, S, K]: the package's first implementation
    return Independent(Normal(mu[None, :, None], std[None, :, None], validate_args=False), 1).log_prob(z[..., None, :])

WAYS = dict(package=log_q_components, distributions=with_distributions)
SHAPES = dict(s2a_A800_S1=(1, 100, 1, 800), a2a_A50=(1, 100, 50, 50))   # L, B, S, K

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--rounds', type=int, default=15)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--json', default=None)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    def cell(shape, f):
        L, B, S, K = shape
        z = torch.randn(L, B, S, 40, device=dev, requires_grad=True)
        mu, log_std = torch.randn(B, K, 40, device=dev, requires_grad=True), (0.3 * torch.randn(B, K, 40, device=dev)).requires_grad_()
        def run():
            (f(z, mu, log_std.exp()).logsumexp(-1).sum()).backward()
        return run
    runs = {(s, w): cell(shape, f) for s, shape in SHAPES.items() for w, f in WAYS.items()}   # a cell's two ways back to back
    result = ab_compare(runs, a.rounds, dev, 'package', 'distributions', 'forward and backward', sync)
    if a.json:
        Path(a.json).write_text(json.dumps(dict(name='log_density', shapes=SHAPES, threads=a.threads, **result), indent=1, default=str) + '\n')

if __name__ == '__main__':
    sys.exit(main())
