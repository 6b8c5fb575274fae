"""Evaluation of the classic Fashion-MNIST VAE (issue 3): the k=5000 importance-weighted estimate on all 10,000
test images, twice with different seeds, timed.

    python bench/fashion_mnist_evaluation.py                 # writes bench/results/ and the BENCHMARKS.md section
    python bench/fashion_mnist_evaluation.py --examples 200  # a quick look, no BENCHMARKS.md update
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from fashion_mnist_classic import CLASSIC  # noqa: E402
from report import machine, write_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10_000, help="test images to evaluate")
    parser.add_argument("--k", type=int, default=5000)
    args = parser.parse_args()
    config = vaekit.Config.from_dict(CLASSIC).with_overrides({"train": {"epochs": 10}})
    with tempfile.TemporaryDirectory() as folder:
        run = vaekit.train(config, Path(folder) / "run", progress=False, pictures=False)
    data = vaekit.load_dataset("fashion-mnist", download=False)
    x = data.test_x[:args.examples]
    # the whole test split goes through the full evaluation (probe included), as `vaekit evaluate` runs it
    target = data if len(x) == len(data.test_x) else x
    evaluations, seconds = [], []
    for seed in (0, 1):
        started = time.perf_counter()
        evaluations.append(vaekit.evaluate(run.model, target, k=args.k, seed=seed, likelihood="bernoulli"))
        seconds.append(time.perf_counter() - started)
        print(f"seed {seed}: -log p(x) {evaluations[-1]['neg_log_likelihood']['mean']:.3f} nats, "
              f"{seconds[-1]:.0f} s", flush=True)
    first, second = evaluations
    nll = [e["neg_log_likelihood"]["mean"] for e in evaluations]
    results = {"machine": machine(), "examples": len(x), "k": args.k, "seconds": seconds,
               "neg_elbo": first["neg_elbo"], "neg_log_likelihood": [e["neg_log_likelihood"] for e in evaluations],
               "seed_difference": abs(nll[0] - nll[1]), "protocol": first["protocol"],
               "active_units": first["active_units"], "linear_probe_accuracy": first.get("linear_probe_accuracy")}
    def cell(value: dict) -> str:
        return f"{value['mean']:.3f} ± {value['se']:.2f}"

    markdown = f"""## Evaluating the classic Fashion-MNIST VAE (issue 3)

The model of the section above (MLP 784-400-20, Bernoulli on grey levels, 10 epochs, seed 0), evaluated on
{len(x)} test images with k = {args.k} importance samples per image, with two evaluation seeds.
Command: `.venv/bin/python bench/fashion_mnist_evaluation.py`. Machine: {results['machine']}.
Protocol: {first['protocol']}.

| measure | value | target |
|---|---|---|
| negative ELBO (nats per image, mean ± standard error) | {cell(first['neg_elbo'])} | |
| -log p(x), k = {args.k} estimate, seed 0 | {cell(first['neg_log_likelihood'])} | below the negative ELBO |
| -log p(x), k = {args.k} estimate, seed 1 | {cell(second['neg_log_likelihood'])} | |
| difference between the two seeds | {results['seed_difference']:.3f} nats | within 0.1 |
| active units (of 20) | {first['active_units']} | |
| linear probe accuracy (logistic regression on posterior means) | {first.get('linear_probe_accuracy')} | |
| seconds per evaluation (seed 0, seed 1) | {seconds[0]:.0f}, {seconds[1]:.0f} | under 600 |
"""
    print(markdown)
    if len(x) == 10_000:
        write_results("fashion_mnist_evaluation", results, markdown)


if __name__ == "__main__":
    main()
