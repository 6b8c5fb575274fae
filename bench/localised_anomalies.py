"""Where the anomaly is: pixel- and cell-level AUROC of vaekit's score maps against simple per-entry baselines.

(a) Images: Fashion-MNIST test images, each given one defect of known mask: a pasted patch (a square cut from
    another image), a scratch (a bright or dark line) or a blot (a filled disc of one grey level). The defect's
    pixels are those inside the shape whose value changed by more than 0.1 (a dark blot on a dark background
    changes nothing a map could see). Each map ranks every pixel of the defect images; pixel-level AUROC with the
    defect pixels as positives. Baselines: the per-pixel deviation from the training mean |x_j - mean_j| and the
    PCA reconstruction residual (x_j - x_hat_j)^2 (PCA fitted on the same training images).
(b) Tables: sklearn's breast cancer, wine and diabetes tables; each test row, and a copy of it with one corrupted
    cell: a shift of 4 training standard deviations up or down, or another row's value of the column (plausible
    alone, odd in its row). Cell-level AUROC over every cell of both. Baselines: the per-cell z-score
    |x_j - mean_j| / sd_j and the PCA residual of the standardized row.

Settings (the likelihood, and which map kind) are chosen on validation defects made from training images (tables:
training rows) the models never saw; the test figures are of the test split, each method in the same run on the
same defects.

    python bench/localised_anomalies.py                        # both parts, writes BENCHMARKS.md
    python bench/localised_anomalies.py --train 3000 --epochs 3 --no-write    # a quick try
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.data.dataset import Dataset  # noqa: E402
from vaekit.tasks.scoring.maps import score_map  # noqa: E402

KINDS = ("iw", "elbo", "reconstruction")
K = 50
IMAGE_SETTINGS = ("bernoulli:conv", "continuous_bernoulli:conv", "gaussian:conv")
TABLES = ("breast_cancer", "wine", "diabetes")
PCA_SHARE = 0.9  # components: 90% of the training variance


def _pca_residual(train: np.ndarray, rows: np.ndarray) -> np.ndarray:
    pca = PCA(n_components=PCA_SHARE, svd_solver="full", random_state=0).fit(train)
    return (rows - pca.inverse_transform(pca.transform(rows))) ** 2


# ---- images -------------------------------------------------------------------------------------------------------

def _disc(size: int, cy: float, cx: float, radius: float) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2


def _line(size: int, rng: np.random.Generator) -> np.ndarray:
    y0, x0, y1, x1 = rng.uniform(2, size - 2, 4)
    mask = np.zeros((size, size), bool)
    for t in np.linspace(0, 1, 4 * size):
        y, x = int(round(y0 + t * (y1 - y0))), int(round(x0 + t * (x1 - x0)))
        mask[max(0, y - 0):y + 1, max(0, x - 1):x + 1] = True
    return mask


def add_defects(images: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(defective images, defect masks (N, H, W), kind per image 0 patch / 1 scratch / 2 blot)."""
    rng = np.random.default_rng(seed)
    out, masks = images.copy(), np.zeros((len(images), *images.shape[-2:]), bool)
    kinds = rng.integers(0, 3, len(images))
    size = images.shape[-1]
    for i, kind in enumerate(kinds):
        if kind == 0:  # a square patch cut from another image, put elsewhere
            side = int(rng.integers(6, 11))
            donor = images[int(rng.integers(len(images)))][0]
            sy, sx, ty, tx = rng.integers(0, size - side, 4)
            region = np.zeros((size, size), bool)
            region[ty:ty + side, tx:tx + side] = True
            out[i, 0, ty:ty + side, tx:tx + side] = donor[sy:sy + side, sx:sx + side]
        elif kind == 1:  # a scratch: a line, bright or dark
            region = _line(size, rng)
            out[i, 0][region] = float(rng.choice([0.0, 1.0]))
        else:  # a blot: a disc of one grey level
            region = _disc(size, *rng.uniform(5, size - 5, 2), rng.uniform(2.5, 4.5))
            out[i, 0][region] = float(rng.uniform(0, 1))
        masks[i] = region & (np.abs(out[i, 0] - images[i, 0]) > 0.1)
    keep = masks.reshape(len(masks), -1).any(1)  # a defect that changed nothing is no defect
    return out[keep], masks[keep], kinds[keep]


def _pixel_auroc(masks: np.ndarray, maps: np.ndarray) -> float:
    return float(roc_auc_score(masks.ravel(), np.nan_to_num(maps.ravel())))


def _train(x: np.ndarray, valid: np.ndarray, kind: str, model: dict, epochs: int, folder: Path):
    data = Dataset.from_arrays("part", x, valid, None, None, kind, "in-memory array")
    config = {"data": {"source": "array"}, "model": model,
              "train": {"epochs": epochs, "batch_size": 128, "seed": 0}}
    return vaekit.train(config, folder / "run", progress=False, data=data, pictures=False).model


def _maps(model, x: np.ndarray) -> dict[str, np.ndarray]:
    return {kind: score_map(model, torch.from_numpy(x), kind, k=K, batch_size=250).numpy() for kind in KINDS}


def images(train_count: int, test_count: int, epochs: int) -> dict:
    all_x = vaekit.load_dataset("fashion-mnist", download=False)
    train_x, test_x = all_x.train_x.numpy(), all_x.test_x.numpy()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(train_x))
    fit_x, valid_x = train_x[order[:train_count]], train_x[order[train_count:train_count + 1000]]
    valid_bad, valid_masks, _ = add_defects(valid_x, seed=1)
    test_bad, test_masks, test_kinds = add_defects(test_x[:test_count], seed=2)
    flat_fit = fit_x.reshape(len(fit_x), -1)
    mean = flat_fit.mean(0)
    baselines = {"deviation from the training mean": lambda x: np.abs(x.reshape(len(x), -1) - mean),
                 "PCA residual": lambda x: _pca_residual(flat_fit, x.reshape(len(x), -1))}
    result: dict = {"validation": {}, "test": {}, "train_images": train_count, "epochs": epochs}
    trained = {}
    with tempfile.TemporaryDirectory() as folder:
        for setting in IMAGE_SETTINGS:
            likelihood, network = setting.split(":")
            start = time.perf_counter()
            model = _train(fit_x, valid_x[:500], "image", {"likelihood": likelihood, "network": network,
                                                          "latent_dim": 16}, epochs, Path(folder) / setting)
            maps = _maps(model, valid_bad)
            for kind, values in maps.items():
                result["validation"][f"vaekit {setting} {kind}"] = _pixel_auroc(valid_masks, values)
            trained[setting] = model
            print(f"  {setting}: trained and mapped in {time.perf_counter() - start:.0f} s", flush=True)
    chosen = max((name for name in result["validation"]), key=result["validation"].get)
    _, setting, kind = chosen.split(" ")
    test_maps = score_map(trained[setting], torch.from_numpy(test_bad), kind, k=K, batch_size=250).numpy()
    result["chosen"] = f"{setting} {kind}"
    groups = {"all": np.ones(len(test_bad), bool), **{name: test_kinds == i for i, name in
                                                      enumerate(("patch", "scratch", "blot"))}}
    for group, rows in groups.items():
        row = {f"vaekit ({setting}, {kind} map)": _pixel_auroc(test_masks[rows], test_maps[rows])}
        for name, baseline in baselines.items():
            row[name] = _pixel_auroc(test_masks[rows], baseline(test_bad[rows]).reshape(test_masks[rows].shape))
        result["test"][group] = row
    result["test_images"] = int(len(test_bad))
    return result


# ---- tables -------------------------------------------------------------------------------------------------------

def _table(name: str) -> np.ndarray:
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")().data.astype(np.float32)


def corrupt_cells(rows: np.ndarray, reference: np.ndarray, sd: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(the rows, then a copy of each with one cell changed; the changed cells' mask): half the rows clean."""
    rng = np.random.default_rng(seed)
    out = rows.copy()
    mask = np.zeros(rows.shape, bool)
    for i in range(len(rows)):
        j = int(rng.integers(rows.shape[1]))
        if rng.random() < 0.5:
            out[i, j] += float(rng.choice([-4.0, 4.0])) * sd[j]
        else:  # another row's value, the farthest from this one's among 20 drawn
            drawn = reference[rng.integers(len(reference), size=20), j]
            out[i, j] = drawn[np.argmax(np.abs(drawn - rows[i, j]))]
        mask[i, j] = out[i, j] != rows[i, j]
    return np.concatenate([rows, out]), np.concatenate([np.zeros(rows.shape, bool), mask])


def tables(epochs: int) -> dict:
    found: dict = {}
    for name in TABLES:
        x = _table(name)
        rng = np.random.default_rng(0)
        order = rng.permutation(len(x))
        cut, valid_cut = int(0.6 * len(x)), int(0.8 * len(x))
        fit_x, valid_x, test_x = x[order[:cut]], x[order[cut:valid_cut]], x[order[valid_cut:]]
        mean, sd = fit_x.mean(0), fit_x.std(0) + 1e-12
        valid_bad, valid_mask = corrupt_cells(valid_x, fit_x, sd, seed=1)
        test_bad, test_mask = corrupt_cells(test_x, fit_x, sd, seed=2)
        with tempfile.TemporaryDirectory() as folder:
            model = _train(fit_x, valid_x, "vector", {"latent_dim": min(8, x.shape[1] // 2)}, epochs, Path(folder))
            valid_maps = _maps(model, valid_bad)
            validation = {kind: _pixel_auroc(valid_mask, values) for kind, values in valid_maps.items()}
            kind = max(validation, key=validation.get)
            test_maps = score_map(model, torch.from_numpy(test_bad), kind, k=K).numpy()
        standard = (fit_x - mean) / sd
        found[name] = {"validation": validation, "chosen": kind, "cells": int(test_mask.size),
                       "corrupted": int(test_mask.sum()), "test": {
                           f"vaekit ({kind} map)": _pixel_auroc(test_mask, test_maps),
                           "per-cell z-score": _pixel_auroc(test_mask, np.abs(test_bad - mean) / sd),
                           "PCA residual": _pixel_auroc(test_mask, _pca_residual(standard, (test_bad - mean) / sd))}}
        print(f"  {name}: {found[name]['test']}", flush=True)
    return found


def markdown(result: dict, command: str) -> str:
    lines = ["## Where the anomaly is: pixel- and cell-level AUROC of score maps (issue 24)", "",
             f"`{command}` on {machine()}; {result['seconds']:.0f} s. Every method ranks every entry of the same "
             "defective rows; the VAE's likelihood and map kind were chosen on validation defects made from rows "
             "it never trained on, never on the test rows.", ""]
    if "images" in result:
        part = result["images"]
        methods = list(part["test"]["all"])
        lines += [f"**Fashion-MNIST**: {part['train_images']} training images, {part['epochs']} epochs; "
                  f"{part['test_images']} test images with one defect each (patch, scratch or blot); chosen on "
                  f"validation: {part['chosen']}.", "",
                  "| defects | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
        for group, row in part["test"].items():
            lines.append(f"| {group} | " + " | ".join(f"{row[m]:.3f}" for m in methods) + " |")
        lines += ["", "Validation pixel AUROC of each setting and map kind: " + ", ".join(
            f"{name.removeprefix('vaekit ')} {value:.3f}" for name, value in part["validation"].items()) + ".", ""]
    if "tables" in result:
        lines += ["**Tables**: each test row, and a copy of it with one corrupted cell (a 4-sd shift or another "
                  "row's value); cell-level AUROC over every cell of both.", "",
                  "| table | cells (corrupted) | vaekit map (kind) | per-cell z-score | PCA residual |",
                  "|---|---:|---:|---:|---:|"]
        for name, part in result["tables"].items():
            vaekit_name = next(m for m in part["test"] if m.startswith("vaekit"))
            lines.append(f"| {name} | {part['cells']} ({part['corrupted']}) | {part['test'][vaekit_name]:.3f} "
                         f"({part['chosen']}) | {part['test']['per-cell z-score']:.3f} | "
                         f"{part['test']['PCA residual']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=int, default=12000, help="Fashion-MNIST training images")
    parser.add_argument("--test", type=int, default=2000, help="Fashion-MNIST test images given a defect")
    parser.add_argument("--epochs", type=int, default=15, help="epochs of the image models")
    parser.add_argument("--table-epochs", type=int, default=200, help="epochs of the table models (early stopping)")
    parser.add_argument("--no-images", action="store_true")
    parser.add_argument("--no-tables", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    start = time.perf_counter()
    result: dict = {}
    if not args.no_tables:
        print("tables", flush=True)
        result["tables"] = tables(args.table_epochs)
    if not args.no_images:
        print("images", flush=True)
        result["images"] = images(args.train, args.test, args.epochs)
    result["seconds"] = time.perf_counter() - start
    command = "python bench/" + Path(sys.argv[0]).name + "".join(f" {a}" for a in sys.argv[1:])
    text = markdown(result, command)
    print(text)
    if not args.no_write:
        write_results("localised-anomalies", result, text)


if __name__ == "__main__":
    main()
