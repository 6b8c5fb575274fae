"""Denoising Fashion-MNIST test images: PSNR of each method's output against the clean image, in one run.

Noise (vaekit.data.corruption, seeded, once for all methods): gaussian sigma 0.3 clamped to [0, 1], and salt-and-pepper
on 10% of the pixels. Methods, on the same noisy images:
  - vaekit, a denoising VAE (objective: denoising, Im et al. 2017) trained on that noise, and one trained on the
    other noise; a plain VAE (objective: elbo). All MLP 784-400-20, Bernoulli on grey levels, Adam 1e-3, batch 128,
    10 epochs, seed 0: `vaekit.tasks.denoising.denoise`, the likelihood mean at the posterior mean;
  - scipy.ndimage median filter (3x3, 5x5) and Gaussian filter (sigma 0.5, 1.0);
  - scikit-learn PCA reconstruction (fit on the clean training images; 20 and 50 components);
  - the noisy image itself.
For the peers with a parameter, each row shows every setting tried; the best one on the test images is marked
(picked on the data they are scored on: a small advantage to them).

    nice python bench/denoising.py            # writes bench/results/denoising.json and the BENCHMARKS.md section
    nice python bench/denoising.py --quick    # 1 epoch, 2,000 test images: a smoke run, writes nothing
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.tasks.denoising import add_noise, denoise  # noqa: E402

NOISES = {"gaussian": "gaussian:0.3", "salt_pepper": "salt_pepper:0.1"}
MODEL = {"data": {"source": "fashion-mnist", "download": False},
         "model": {"network": "mlp", "hidden": [400], "latent_dim": 20, "likelihood": "bernoulli"},
         "train": {"batch_size": 128, "lr": 1e-3, "seed": 0, "device": "cpu"}}
COMMAND = "nice .venv/bin/python bench/denoising.py"


def psnr(clean: np.ndarray, estimate: np.ndarray) -> float:
    """Mean over images of 10 log10(1 / MSE) (dB; pixels in [0, 1]), each image's MSE floored at 1e-10."""
    mse = ((clean - estimate) ** 2).reshape(len(clean), -1).mean(1)
    return float(np.mean(10 * np.log10(1.0 / np.maximum(mse, 1e-10))))


def train(folder: Path, epochs: int, objective: dict) -> tuple[vaekit.VAE, float]:
    config = vaekit.Config.from_dict({**MODEL, "objective": objective}).with_overrides({"train": {"epochs": epochs}})
    started = time.perf_counter()
    run = vaekit.train(config, folder, progress=False, pictures=False)
    return run.model, time.perf_counter() - started


def peers(noisy: np.ndarray, train_x: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Each peer's outputs by setting, for noisy images (N, 1, 28, 28)."""
    from scipy import ndimage
    from sklearn.decomposition import PCA

    found: dict[str, dict[str, np.ndarray]] = {"median filter": {}, "Gaussian filter": {}, "PCA reconstruction": {}}
    for size in (3, 5):
        found["median filter"][f"{size}x{size}"] = ndimage.median_filter(noisy, size=(1, 1, size, size))
    for sigma in (0.5, 1.0):
        found["Gaussian filter"][f"sigma {sigma}"] = ndimage.gaussian_filter(noisy, sigma=(0, 0, sigma, sigma))
    flat = noisy.reshape(len(noisy), -1)
    for components in (20, 50):
        pca = PCA(components, random_state=0).fit(train_x.reshape(len(train_x), -1))
        found["PCA reconstruction"][f"{components} components"] = np.clip(
            pca.inverse_transform(pca.transform(flat)), 0, 1).reshape(noisy.shape)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 epoch and 2,000 test images; writes nothing")
    args = parser.parse_args()
    torch.set_num_threads(1)  # a shared machine: one core for this
    epochs = 1 if args.quick else 10
    data = vaekit.load_dataset("fashion-mnist", download=False)
    clean = data.test_x[:2000] if args.quick else data.test_x
    results: dict = {"epochs": epochs, "test_images": len(clean), "noises": NOISES, "psnr_db": {}, "seconds": {},
                     "machine": machine()}
    with tempfile.TemporaryDirectory() as folder:
        models = {}
        for name, objective in (("plain VAE", {"name": "elbo"}),
                                *((f"denoising VAE ({kind})", {"name": "denoising", "corruption": kind,
                                                               "corruption_level": float(spec.split(":")[1])})
                                  for kind, spec in NOISES.items())):
            models[name], seconds = train(Path(folder) / name.replace(" ", "-"), epochs, objective)
            results["seconds"][f"train {name}"] = round(seconds, 1)
            print(f"trained {name} in {seconds:.0f} s", flush=True)
        for kind, spec in NOISES.items():
            noisy = add_noise(models["plain VAE"], clean, spec, seed=0)
            scores: dict = {"noisy input": psnr(clean.numpy(), noisy.numpy())}
            for name, model in models.items():
                started = time.perf_counter()
                scores[f"vaekit {name}"] = psnr(clean.numpy(), denoise(model, noisy).numpy())
                results["seconds"][f"denoise {kind} {name}"] = round(time.perf_counter() - started, 2)
            for peer, outputs in peers(noisy.numpy(), data.train_x.numpy()).items():
                for setting, output in outputs.items():
                    scores[f"{peer} ({setting})"] = psnr(clean.numpy(), output)
            results["psnr_db"][kind] = {k: round(v, 2) for k, v in scores.items()}
            print(kind, results["psnr_db"][kind], flush=True)
    if not args.quick:
        write_results("denoising", results, markdown(results))


def markdown(results: dict) -> str:
    noise = results["psnr_db"]
    rows = list(noise["gaussian"])
    lines = ["## Denoising Fashion-MNIST (issue 9)", "",
             f"PSNR (dB, mean over the {results['test_images']:,} test images, pixels in [0, 1]) of each method's "
             "output against the clean image. Noise drawn once (seed 0, vaekit.data.corruption): gaussian sigma 0.3 "
             "clamped to [0, 1]; salt-and-pepper on 10% of the pixels. vaekit models: MLP 784-400-20, Bernoulli "
             f"on grey levels, Adam 1e-3, batch 128, {results['epochs']} epochs, seed 0; a denoising VAE "
             "(`--objective denoising`, Im et al. 2017) per noise and a plain VAE, output = the likelihood mean at "
             "the posterior mean (`vaekit denoise`). Peers with a parameter show each setting tried; **bold** is "
             "the best of each column (peer settings were picked on these test images).",
             "", f"Command: `{COMMAND}`. Machine: {results['machine']}.", "",
             "| method | gaussian sigma 0.3 | salt-and-pepper 10% |", "|---|---|---|"]
    best = {kind: max(scores.values()) for kind, scores in noise.items()}
    for row in rows:
        cells = [f"**{noise[k][row]:.2f}**" if noise[k][row] == best[k] else f"{noise[k][row]:.2f}" for k in noise]
        lines.append(f"| {row} | {' | '.join(cells)} |")
    lines.append("")
    for kind, scores in noise.items():
        ours = max((v, k) for k, v in scores.items() if k.startswith("vaekit"))
        theirs = max((v, k) for k, v in scores.items() if not k.startswith("vaekit") and k != "noisy input")
        plain = scores["vaekit plain VAE"]
        verdict = "above" if ours[0] > theirs[0] else "below"
        lines.append(f"- {kind}: vaekit's best, {ours[1][7:]} at {ours[0]:.2f} dB, is {verdict} the best peer, "
                     f"{theirs[1]} at {theirs[0]:.2f} dB ({ours[0] - theirs[0]:+.2f} dB); the denoising objective "
                     f"gains {ours[0] - plain:+.2f} dB over the plain VAE.")
    seconds = results["seconds"]
    lines += ["", "Training seconds (one thread, on a machine shared with other jobs: not a speed measurement): " +
              ", ".join(f"{name[6:]} {value:.0f}" for name, value in seconds.items() if name.startswith("train ")) +
              "."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
