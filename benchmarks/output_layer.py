"""The decoder's 1x1 output convolution against `PixelCNNDecoder.last_layer` (the same layer as a product over channels):
interleaved A/B in one process, for the layer alone and for the decoder's log-likelihood (eval, and forward + backward).

  python benchmarks/output_layer.py [--device cpu|cuda] [--images N] [--rounds R] [--compile] [--json OUT.json]

The paper's network (64 channels, A = 4, two components sampled per data point), channels-last as the trainer and the
evaluator store it. Each round times every cell once, in turn; the medians over rounds and their ratios are printed.
"""
from __future__ import annotations
import argparse, json, sys
from pathlib import Path
import torch
from misvae_nb.networks import MISVAE, PixelCNNDecoder, channels_last, compile_networks
sys.path.insert(0, str(Path(__file__).parent))
from interleaved import ab_compare

class ConvolutionOutput(PixelCNNDecoder):
    "The decoder with its output layer run as the nn.Conv2d it is stored as (the package's `last_layer`: a product over channels)."
    def last_layer(self, y): return self.out(y).view(len(y), 784)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--images', type=int, default=100, help='decoded images per call (data points x 2 components)')
    p.add_argument('--rounds', type=int, default=7)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--compile', action='store_true', help='torch.compile the networks (each way compiles once, in warm-up)')
    p.add_argument('--json', default=None)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    weights = MISVAE(4, validate=False).state_dict()                        # both ways start from these
    B = max(1, a.images // 2)
    x, z, idx = torch.bernoulli(torch.full((B, 1, 28, 28), 0.5, device=dev)), torch.randn(1, B, 2, 40, device=dev), torch.tensor([0, 3], device=dev)
    y = torch.relu(torch.randn(2 * B, 64, 28, 28, device=dev)).to(memory_format=torch.channels_last)
    models = {}
    for way in ('convolution', 'product'):                                 # a model per way, the same weights
        m = channels_last(MISVAE(4, validate=False).to(dev)); m.load_state_dict(weights)
        if way == 'convolution': m.decoder.__class__ = ConvolutionOutput
        if a.compile: compile_networks(m, dev)
        models[way] = m
    def cells(way):
        m = models[way]
        def layer():
            with torch.no_grad(): m.decoder.last_layer(y)
        def eval_pass():
            m.eval()
            with torch.no_grad(): m.log_likelihood(x, z, idx)
        def train_pass():
            m.train(); m.zero_grad(set_to_none=True); m.log_likelihood(x, z, idx).sum().backward()
        return dict(layer=layer, eval=eval_pass, train=train_pass)
    made = {w: cells(w) for w in models}
    runs = {(c, w): made[w][c] for c in ('layer', 'eval', 'train') for w in models}   # the two ways of a cell back to back
    result = ab_compare(runs, a.rounds, dev, 'product', 'convolution', f"{2 * B} images, 64 channels, compiled: {a.compile}", sync)
    if a.json:
        Path(a.json).write_text(json.dumps(dict(name='output_layer', images=2 * B, compile=a.compile, threads=a.threads, **result),
                                           indent=1, default=str) + '\n')

if __name__ == '__main__':
    sys.exit(main())
