"""Why inpainting loses to KNNImputer on small image sets: the same lower-half task as bench/untuned_data.py, with
the VAE built several ways and filled in by each of vaekit's imputation methods, against the same baselines on
the same test images, in this one script.

    python bench/inpainting_variants.py --data digits
    python bench/inpainting_variants.py --data fashion_mnist --variants defaults,conv --out bench/results/x.json

Protocol: the seeded 70/30 split of bench/untuned_data.py; each VAE trained on the training images with `vaekit
train`'s defaults plus one change (the variant); the lower half of every test image hidden and filled in; PSNR (dB)
over the hidden pixels. Variants:

    defaults     vaekit train as it is (an MLP, the Bernoulli likelihood)
    conv         --network conv (a convolutional encoder and decoder; 28x28 images only)
    cb           --likelihood continuous_bernoulli
    gaussian     --likelihood gaussian (a learned standard deviation per pixel)
    gaussian_global  --likelihood gaussian --gaussian-scale global (one learned standard deviation)
    latent16     --latent-dim 16
    iwae         --objective iwae (a tighter bound, a broader posterior)
    masked       --objective denoising --corruption mask --corruption-level 0.5 (trained to see half the pixels)
    hide         --corruption hide --corruption-level 0.5 (the denoising objective with a random region, half or
                 share of pixels hidden from the encoder, scored on the whole image; filled in by the encoder alone,
                 `vaekit inpaint`'s method for such a run)
    missing      trained on copies of the training images with a random half (upper, lower, left or right) made
                 NaN, with --missing model: an encoder that reads which pixels are missing

Each model fills in the gaps by the method `vaekit inpaint` takes for its run (importance resampling, k = 1,000,
or the encoder alone, k = 100, for hide); the defaults' model also by k = 10,000, pseudo-Gibbs and
Metropolis-within-Gibbs.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from untuned_data import _images, _split, _square  # noqa: E402
from vaekit.core.errors import VaekitError  # noqa: E402
from vaekit.data.dataset import Dataset  # noqa: E402
from vaekit.tasks.baselines.denoising import inpainting_baselines, psnr  # noqa: E402
from vaekit.tasks.imputation import DEFAULT_K, impute, method_for  # noqa: E402

VARIANTS = {
    "defaults": {},
    "conv": {"model": {"network": "conv"}},
    "cb": {"model": {"likelihood": "continuous_bernoulli"}},
    "gaussian": {"model": {"likelihood": "gaussian"}},
    "gaussian_global": {"model": {"likelihood": "gaussian", "gaussian_scale": "global"}},
    "latent16": {"model": {"latent_dim": 16}},
    "iwae": {"objective": {"name": "iwae"}},
    "masked": {"objective": {"name": "denoising", "corruption": "mask", "corruption_level": 0.5}},
    "missing": {"data": {"missing": "model"}},
    "hide": {"objective": {"name": "denoising", "corruption": "hide", "corruption_level": 0.5}},
}
COPIES = 4  # the "missing" variant's copies of each training image, each with its own random half hidden


def _random_halves(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """COPIES copies of `images` (N, 1, H, W), each with one random half (upper, lower, left, right) set to NaN."""
    rng = np.random.default_rng(seed)
    copies = []
    for _ in range(COPIES):
        hidden = images.copy()
        half = images.shape[-1] // 2
        for row, side in enumerate(rng.integers(0, 4, len(images))):
            where = [(slice(None), slice(None, half)), (slice(None), slice(half, None)),
                     (slice(None, half), slice(None)), (slice(half, None), slice(None))][side]
            hidden[row, :, where[0], where[1]] = np.nan
        copies.append(hidden)
    return np.concatenate(copies)


def _run(train: np.ndarray, variant: str) -> vaekit.Run:
    config = {section: dict(values) for section, values in VARIANTS[variant].items()}
    missing = config.get("data", {}).get("missing") == "model"
    images = _random_halves(train) if missing else train
    data = Dataset.from_arrays("images", images, images[:50], None, None, "image", "the training images",
                               missing=missing)
    config["data"] = {**config.get("data", {}), "source": "images"}
    return vaekit.train(config, f"{tempfile.mkdtemp()}/run", progress=False, data=data, pictures=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="digits", help="an image set of bench/untuned_data.py: digits, mnist, "
                                                         "fashion_mnist")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="variants to train, separated by commas")
    parser.add_argument("--out", default=None, help="[default: bench/results/inpainting_variants_DATA.json]")
    args = parser.parse_args()
    torch.manual_seed(0)
    x, y = _images()[args.data]
    train_x, test_x, _, _ = _split(x, y)
    train, clean = _square(train_x), torch.from_numpy(_square(test_x))
    gaps = clean.clone()
    gaps[:, :, clean.shape[-2] // 2:, :] = float("nan")
    where = torch.isnan(gaps).numpy()
    found: dict[str, float] = {f"baseline {name}": psnr(clean.numpy(), guess, where=where)
                               for name, guess in inpainting_baselines(train, gaps.numpy(), image=True).items()}
    for variant in args.variants.split(","):
        started = time.perf_counter()
        try:
            run = _run(train, variant)
        except VaekitError as error:  # a variant these images cannot take (conv on 8x8): said, and the rest go on
            print(f"{variant}: not trained: {error}", flush=True)
            continue
        model, method = run.model.cpu(), method_for(run.config)
        methods = [(method, DEFAULT_K[method])]
        if variant == "defaults":
            methods += [("importance", 10000), ("gibbs", None), ("metropolis", None)]
        for method, k in methods:
            filled = impute(model, gaps, method=method, k=k, seed=0)
            label = f"{variant}, {method}" + (f" k={k}" if k else "")
            found[label] = psnr(clean.numpy(), filled.numpy(), where=where)
            print(f"{label}: {found[label]:.2f} dB ({time.perf_counter() - started:.0f} s)", flush=True)
    out = Path(args.out or f"bench/results/inpainting_variants_{args.data}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": platform.processor() or platform.machine(), "data": args.data,
                               "threads": torch.get_num_threads(), "psnr": found}, indent=1))
    print("| how | PSNR (dB) |\n|---|---|")
    for label, value in found.items():
        print(f"| {label} | {value:.2f} |")


if __name__ == "__main__":
    main()
