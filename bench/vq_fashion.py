"""VQ-VAE against the Gaussian VAE at the same compression, on Fashion-MNIST (CPU, one thread).

Both models share the network (conv, channels 32 and 64, Bernoulli likelihood on the grey levels, Adam 1e-3, batch
128, the full 60,000 training images, the same epochs):

- VQ-VAE: 16 code positions of 4 numbers (latent_dim 64), K = 32 codes, commitment 0.25, EMA decay 0.99, dead codes
  restarted after 20 idle steps: M log2 K = 16 * 5 = 80 bits of code per image under the uniform prior of
  training. After training a GRU prior over the 16 positions is fitted to the training codes (vaekit fit-prior's
  fit_code_prior), whose test -log2 p(code) is the code length a learned prior needs.
- Gaussian VAE: latent_dim 32, with the capacity objective of Burgess et al. 2018 (loss = distortion + beta * |KL -
  C|, beta 5, C = 80 ln 2 = 55.45 nats at once), so that its rate, KL(q(z|x) || p(z)), is held at 80 bits too: the
  same compression, measured the way a VAE's rate is measured (bits-back), not a code length.

Reported on the 10,000 test images: -log p(x|z) at the posterior mean (BCE per image, nats), squared error per image
(sum over pixels of (x - mean of p(x|z))^2), the rate in bits, and for the VQ-VAE the codebook usage (codes used at
least once by the test codes) and perplexity (exp of the entropy of the code frequencies), and those of its last
training epoch as training logs them.

    python bench/vq_fashion.py               # writes bench/results/vq_fashion.json and the BENCHMARKS.md section
    python bench/vq_fashion.py --epochs 1    # a smoke run; does not touch BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.priors.codes import usage_and_perplexity  # noqa: E402
from vaekit.tasks.code_prior_fit import encode_codes, fit_code_prior  # noqa: E402

POSITIONS, CODE_DIM, CODES = 16, 4, 32
BITS = POSITIONS * math.log2(CODES)
NETWORK = {"network": "conv", "conv_channels": [32, 64], "likelihood": "bernoulli"}
VQ = {"model": {**NETWORK, "posterior": "vq", "prior": "codes", "latent_dim": POSITIONS * CODE_DIM,
                "code_dim": CODE_DIM, "codebook_size": CODES, "commitment": 0.25, "ema_decay": 0.99,
                "dead_code_steps": 20},
      "objective": {"name": "vq"}}
GAUSSIAN = {"model": {**NETWORK, "latent_dim": 32},
            "objective": {"name": "elbo", "beta": 5.0, "capacity": BITS * math.log(2), "capacity_epochs": 0.0}}
COMMAND = "nice -n 10 python bench/vq_fashion.py"


@torch.no_grad()
def test_terms(model: vaekit.VAE, x: torch.Tensor) -> dict[str, float]:
    """Mean BCE (-log p(x|z) at the posterior mean), squared error per image and rate (bits) on x."""
    model.eval()
    bce, squared, rate = [], [], []
    for batch in x.split(1000):
        q = model.encode(batch)
        px = model.decode(q.mean)
        bce.append(-px.log_prob(batch))
        squared.append((batch - px.mean).pow(2).flatten(1).sum(1))
        rate.append(model.elbo(batch).rate)
    return {"bce_nats": float(torch.cat(bce).mean()), "squared_error": float(torch.cat(squared).mean()),
            "rate_bits": float(torch.cat(rate).mean()) / math.log(2)}


def train(settings: dict, epochs: int, folder: Path, data: vaekit.Dataset) -> tuple[vaekit.Run, float]:
    config = {"data": {"source": "fashion-mnist", "download": False}, **settings,
              "train": {"epochs": epochs, "batch_size": 128, "lr": 1e-3, "seed": 0, "device": "cpu"}}
    started = time.perf_counter()
    run = vaekit.train(config, folder, progress=False, pictures=False, data=data)
    return run, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=8, help="epochs of each model (8; fewer: no BENCHMARKS.md)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # a shared machine: one core for this
    data = vaekit.load_dataset("fashion-mnist", download=False)
    results: dict = {"machine": machine(), "epochs": args.epochs, "train_examples": len(data.train_x),
                     "test_examples": len(data.test_x), "bits_per_image": BITS, "vq": VQ, "gaussian": GAUSSIAN}
    with tempfile.TemporaryDirectory() as folder:
        vq_run, vq_seconds = train(VQ, args.epochs, Path(folder) / "vq", data)
        gaussian_run, gaussian_seconds = train(GAUSSIAN, args.epochs, Path(folder) / "gaussian", data)
    vq_model, gaussian_model = vq_run.model, gaussian_run.model
    codes = encode_codes(vq_model, data.test_x)
    vq_terms = {**test_terms(vq_model, data.test_x), **usage_and_perplexity(torch.bincount(codes.flatten(),
                                                                                          minlength=CODES)),
                "train_codebook_usage": vq_run.metrics[-1]["train_codebook_usage"],
                "train_codebook_perplexity": vq_run.metrics[-1]["train_codebook_perplexity"],
                "seconds": vq_seconds}
    started = time.perf_counter()
    prior = fit_code_prior(vq_model, data.train_x, data.test_x, epochs=5)
    vq_terms["fitted_prior"] = {**prior, "seconds": time.perf_counter() - started}
    gaussian_terms = {**test_terms(gaussian_model, data.test_x), "seconds": gaussian_seconds}
    results.update(vq_results=vq_terms, gaussian_results=gaussian_terms)
    print(results)
    if args.epochs < 8:
        return
    v, g = vq_terms, gaussian_terms
    usage_goal = "reached" if v["codebook_usage"] > 0.9 else "NOT reached"
    fitted_seconds = v["fitted_prior"]["seconds"]
    load = os.getloadavg()[0]  # other jobs on the machine stretch the seconds
    prior_test, prior_train = v["fitted_prior"]["test_bits"], v["fitted_prior"]["train_bits"]
    table = "\n".join([
        f"| model | rate (bits/image) | BCE (nats/image) | squared error/image | codebook usage | perplexity (of "
        f"{CODES}) | training (s) |",
        "|---|---|---|---|---|---|---|",
        f"| VQ-VAE | {v['rate_bits']:.1f} (uniform prior) | {v['bce_nats']:.1f} | {v['squared_error']:.2f} | "
        f"{v['codebook_usage']:.0%} | {v['codebook_perplexity']:.1f} | {v['seconds']:.0f} |",
        f"| Gaussian VAE | {g['rate_bits']:.1f} (KL) | {g['bce_nats']:.1f} | {g['squared_error']:.2f} | | | "
        f"{g['seconds']:.0f} |"])
    markdown = f"""## Discrete latents: VQ-VAE against the Gaussian VAE at the same compression (Fashion-MNIST)

`{COMMAND}` ({args.epochs} epochs of each model on the 60,000 training images, one CPU thread; {machine()}).
Same conv network (channels 32, 64), Bernoulli likelihood, Adam 1e-3, batch 128. VQ-VAE: {POSITIONS} positions x
{CODE_DIM} numbers, K = {CODES}, commitment 0.25, EMA 0.99, dead codes restarted after 20 idle steps: {BITS:.0f}
bits of code per image (M log2 K). Gaussian VAE: latent_dim 32, its rate held at the same {BITS:.0f} bits by the
capacity objective (beta 5, C = {BITS * math.log(2):.2f} nats from the start). Test split (10,000 images), at the
posterior mean:

{table}

- Codebook usage goal (> 90% of the codes): {usage_goal}: {v['codebook_usage']:.0%} of the {CODES} codes appear in
  the test codes; the last training epoch used {v['train_codebook_usage']:.0%}, perplexity
  {v['train_codebook_perplexity']:.1f}.
- The prior over codes fitted after training (a GRU over the 16 positions, 5 epochs, {fitted_seconds:.0f} s)
  needs {prior_test:.1f} bits per test image ({prior_train:.1f} on the training codes) instead of the uniform prior's
  {BITS:.0f}: a code length, where the Gaussian's rate is a KL (bits-back), so "the same compression" holds for the
  rates the two objectives pay, not for file sizes.
- Short runs: the numbers compare the two models under one budget; neither has converged. Training seconds are
  wall-clock, on the machine as it was (load average {load:.1f} on {os.cpu_count()} cores at the end of the run).
"""
    write_results("vq_fashion", results, markdown)


if __name__ == "__main__":
    main()
