"""Inpainting (issue 9, item 3): Fashion-MNIST test images with the lower half missing, filled by vaekit
(importance resampling, MIWAE) and by the peers a user would reach for, in the same run on the same images: the
mean training image, and scikit-learn's KNNImputer fit on a subset of the training images. Score: the PSNR of the
filled half against the true pixels (in [0, 1]), per image, averaged.

vaekit's model is trained on incomplete images (data.missing: model): every training image loses one of the
patterns lower half, upper half, left half, right half or a random half of its pixels, or nothing, chosen at random
(seeded), so that its encoder has seen masks; the test images' lower halves are never seen.

    nice python bench/inpainting.py          # writes docs/inpainting.png, bench/results/ and BENCHMARKS.md
    python bench/inpainting.py --quick       # a smoke test: small model, few images; writes nothing
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import ROOT, machine, write_results  # noqa: E402
from vaekit.config import Config  # noqa: E402
from vaekit.data import Dataset, load_dataset  # noqa: E402
from vaekit.plots.image_rows import paired_rows, save_image_rows  # noqa: E402
from vaekit.tasks.imputation import impute  # noqa: E402
from vaekit.tasks.imputation.masks import image_mask  # noqa: E402
from vaekit.training.loop import train  # noqa: E402

DATA_DIR = "/usr/share/datasets/fashion-mnist"
PATTERNS = ("none", "lower-half", "upper-half", "left-half", "right-half", "random:0.5")


def training_masks(n: int, seed: int) -> torch.Tensor:
    """(n, 1, 28, 28): each image gets one of PATTERNS at random."""
    generator = torch.Generator().manual_seed(seed)
    choice = torch.randint(len(PATTERNS), (n,), generator=generator)
    masks = torch.zeros(n, 1, 28, 28, dtype=torch.bool)
    for index, pattern in enumerate(PATTERNS[1:], start=1):
        rows = choice == index
        if rows.any():
            masks[rows] = image_mask(pattern, (int(rows.sum()), 1, 28, 28), seed=seed + index)
    return masks


def psnr(filled: torch.Tensor, truth: torch.Tensor, missing: torch.Tensor) -> torch.Tensor:
    """Per image: 10 log10(1 / MSE over the missing pixels)."""
    squared = ((filled - truth) ** 2 * missing).flatten(1).sum(1) / missing.flatten(1).sum(1)
    return 10 * torch.log10(1 / squared.clamp(min=1e-10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    epochs, test_count, knn_train, k = (1, 200, 2000, 100) if args.quick else (20, 2000, 20000, 1000)
    data = load_dataset("fashion-mnist", data_dir=DATA_DIR, download=False)
    started = time.perf_counter()
    gappy_train = data.train_x.masked_fill(training_masks(len(data.train_x), 0), float("nan"))
    gappy = Dataset(name="fashion-mnist with gaps", train_x=gappy_train, test_x=data.test_x, train_y=None,
                    test_y=None, kind="image", source="fashion-mnist, training images with masks", missing=True)
    config = Config.from_dict({"data": {"source": "fashion-mnist", "missing": "model"},
                               "model": {"latent_dim": 32, "hidden": [512, 256], "likelihood": "bernoulli"},
                               "train": {"epochs": epochs, "batch_size": 128, "lr": 1e-3, "seed": 0}})
    with tempfile.TemporaryDirectory() as folder:
        model = train(config, folder, progress=False, data=gappy, pictures=False).model
    train_seconds = time.perf_counter() - started
    truth = data.test_x[:test_count]
    missing = image_mask("lower-half", tuple(truth.shape))
    holes = truth.masked_fill(missing, float("nan"))

    started = time.perf_counter()
    filled = {"vaekit": impute(model, holes, k=k, seed=0)}
    vaekit_seconds = time.perf_counter() - started
    filled["mean image"] = torch.where(missing, data.train_x.mean(0, keepdim=True), truth)
    from sklearn.impute import KNNImputer

    started = time.perf_counter()
    knn = KNNImputer(n_neighbors=5).fit(data.train_x[:knn_train].flatten(1).numpy())
    knn_filled = torch.from_numpy(knn.transform(holes.flatten(1).numpy())).reshape(truth.shape).float()
    filled["KNNImputer"] = torch.where(missing, knn_filled, truth)
    knn_seconds = time.perf_counter() - started
    scores = {name: psnr(values, truth, missing) for name, values in filled.items()}
    results = {"machine": machine(), "test_images": test_count, "knn_training_images": knn_train, "k": k,
               "epochs": epochs, "train_seconds": train_seconds, "vaekit_seconds": vaekit_seconds,
               "knn_seconds": knn_seconds,
               "psnr": {name: {"mean": float(s.mean()), "se": float(s.std() / len(s) ** 0.5)}
                        for name, s in scores.items()}}
    picture = ROOT / "docs" / "inpainting.png"
    if not args.quick:
        picture.parent.mkdir(exist_ok=True)
        shown = slice(0, 16)
        masked = truth[shown].masked_fill(missing[shown], float("nan"))  # drawn red
        rows = paired_rows([("masked", masked), ("vaekit", filled["vaekit"][shown]),
                            ("KNNImputer", filled["KNNImputer"][shown]), ("original", truth[shown])], 16)
        save_image_rows(picture, rows, "Fashion-MNIST test images with pixels masked (red), filled in by vaekit "
                        "and by KNNImputer, and the originals", group=4)
        write_results("inpainting", results, markdown(results))
    print(markdown(results))


def markdown(results: dict) -> str:
    psnr_rows = [f"| {name} | {value['mean']:.2f} ± {value['se']:.2f} |" for name, value in results["psnr"].items()]
    best = max(results["psnr"], key=lambda name: results["psnr"][name]["mean"])

    def gap(name: str) -> float:
        return results["psnr"]["vaekit"]["mean"] - results["psnr"][name]["mean"]

    return "\n".join([
        "## Inpainting: Fashion-MNIST, lower half missing", "",
        f"PSNR (dB, higher is better) of the filled lower half against the true pixels, mean ± standard error over "
        f"the first {results['test_images']} test images; every method on the same images in one run.", "",
        "| method | PSNR |", "|---|---|", *psnr_rows, "",
        f"Best: **{best}**. vaekit is {gap('mean image'):+.2f} dB against the mean image and "
        f"{gap('KNNImputer'):+.2f} dB against KNNImputer{'' if best == 'vaekit' else ' (behind it: not reached)'}. "
        "vaekit: an MLP VAE (512-256, latent 32, Bernoulli likelihood) trained for "
        f"{results['epochs']} epochs ({results['train_seconds'] / 60:.0f} min) on the 60,000 training images with "
        "missing values (each lost a lower, upper, left or right half, a random half of its pixels, or nothing), "
        f"then importance resampling with k = {results['k']} ({results['vaekit_seconds']:.0f} s). KNNImputer: 5 "
        f"neighbours among {results['knn_training_images']:,} complete training images "
        f"({results['knn_seconds']:.0f} s). Mean image: the training images' mean pixel.", "",
        "![inpainting](docs/inpainting.png)", "",
        "Rows: inputs (missing pixels red), vaekit, KNNImputer, originals.", "",
        f"Measured on {results['machine']}.", "",
        "Reproduce: `nice python bench/inpainting.py`"])


if __name__ == "__main__":
    main()
