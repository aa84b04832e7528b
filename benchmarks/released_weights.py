"""The released model's two bounds with its samples weighed two ways, on the same samples.

With per-component BatchNorm statistics the authors' MISVAE (A = 400) has a decoder per component, p_a(x|z): it is
a mixture of 400 decoders. Its evaluation bounds weigh sample z_al ~ q_a in one of two ways:
  q_mix: w = p(z) p_a(x|z) / q_mix(z|x), as the authors' code does (bounds no normalised likelihood here);
  own:   w = p(z) p_a(x|z) / q_a(z|x), the pair (a, z) against the mixture of decoders (a valid bound,
         what `misvae_nb.evaluation` reports; the estimators notebook, "A decoder per component").
Both come from one A2A pass (`iw_bounds`, which returns both for a decoder per component, as `misvae-eval` reports
them), so the difference is the weighting alone. The model is read from $MISVAE_AUTHORS_CHECKPOINT (or ../shared/authors/),
its per-component statistics recomputed on --calibration binarised training images (seed 0), then scored in
eval mode on the first --n_test MNIST test images (binarised with the test seed 0).

  python benchmarks/released_weights.py --n_test 20 --L 10 --calibration 100 --json results/released_cpu/weights.json
"""
import argparse, json, sys, time
import torch
from misvae_nb.authors import load_authors_checkpoint, authors_checkpoint_path
from misvae_nb.data import binarized_splits, binarize, Progress
from misvae_nb.networks import calibrate_batchnorm
from misvae_nb.estimators import iw_bounds
from misvae_nb.provenance import run_info


def weighed_both_ways(model, x: torch.Tensor, L: int, generator) -> dict[str, torch.Tensor]:
    "Both bounds [B] of the images x with the samples weighed by q_mix and by their own component (`iw_bounds`, one chunk)."
    b = iw_bounds(model.likelihood(x, False), model.mixture(x, validate=False), L, chunk_size=L, log_prior=model.log_prior,
                  generator=generator, validate=False)
    return dict(q_mix_per_component=b.q_mix_per_component, q_mix_pooled=b.q_mix_pooled, own_per_component=b.per_component, own_pooled=b.pooled)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n_test', type=int, default=20, help='first test images')
    p.add_argument('--L', type=int, default=10, help='samples per component')
    p.add_argument('--calibration', type=int, default=100, help='training images the per-component statistics are recomputed from')
    p.add_argument('--batch', type=int, default=2, help='test images per pass')
    p.add_argument('--threads', type=int, default=1, help='torch threads on the CPU')
    p.add_argument('--json', default=None, help='write the numbers, settings and run information here')
    a = p.parse_args(argv)
    path = authors_checkpoint_path()
    if path is None: sys.exit("released_weights.py: the released model is not on this machine; set MISVAE_AUTHORS_CHECKPOINT to its zip")
    torch.set_num_threads(a.threads)
    t0 = time.time()
    data = binarized_splits('mnist', seed=0, n_train=a.calibration, n_valid=1, n_test=a.n_test)
    model = load_authors_checkpoint(path, 'component')
    calibrate_batchnorm(model, binarize(data.train, torch.Generator().manual_seed(0)), seed=0)
    model.eval()
    g, sums = torch.Generator().manual_seed(0), {}
    with torch.no_grad():
        for x in Progress(data.test.split(a.batch), 'test batch'):
            for k, v in weighed_both_ways(model, x, a.L, g).items(): sums[k] = sums.get(k, 0.) + v.sum().item()
    nll = {k: -v / a.n_test for k, v in sums.items()}
    res = dict(nll=nll, own_minus_q_mix={b: nll[f'own_{b}'] - nll[f'q_mix_{b}'] for b in ('per_component', 'pooled')},
               params=vars(a), seconds=time.time() - t0, **run_info('cpu'))
    print(f"released model, first {a.n_test} test images, L = {a.L} per component, statistics recomputed on {a.calibration} images:")
    for b in ('per_component', 'pooled'):
        print(f"  {b} NLL: weighed by q_mix {nll[f'q_mix_{b}']:.2f}, by own component {nll[f'own_{b}']:.2f} (+{res['own_minus_q_mix'][b]:.2f})")
    if a.json: open(a.json, 'w').write(json.dumps(res, indent=1))


if __name__ == '__main__': main()
