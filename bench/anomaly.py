"""Anomaly detection and out-of-distribution detection with vaekit's scores, against PyOD and PCA, in one run.

(a) Fashion-MNIST one-class protocol: for each class c, train on the training images of class c only (6,000),
    score all 10,000 test images, class c normal; AUROC with the anomalies as the positive class, per class and
    mean, for every vaekit score kind and for PyOD's VAE, PyOD's IForest and a PCA reconstruction error.
(b) Out of distribution: one model trained on all Fashion-MNIST training images; Fashion-MNIST test (in, 0)
    against the MNIST test set (out, 1): the plain likelihood, the complexity-corrected score (Serra et al. 2020)
    and the likelihood ratio against a background model trained on perturbed images (Ren et al. 2019).

    nice python bench/anomaly.py              # the whole benchmark, writes BENCHMARKS.md and bench/results
    python bench/anomaly.py --classes 0 --no-ood --no-write    # one class, to try settings
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
from vaekit.data.idx import read_idx  # noqa: E402
from vaekit.scoring import score_many  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
MNIST = Path("/work/shared/datasets/mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
KINDS = ["elbo", "iw", "reconstruction", "rate", "complexity"]
K = 50  # importance samples per test image (iw, complexity, likelihood_ratio)
PCA_COMPONENTS = 80  # principal components of the training class (about 90% of its variance)
OOD_EPOCHS = 10  # the out-of-distribution models see 60,000 images: ten times a class's per epoch
PERTURBATION = 0.2  # the background model's inputs: this fraction of pixels replaced by uniform random levels


def settings(likelihood: str, latent_dim: int, epochs: int) -> dict:
    return {"data": {"source": "array"},
            "model": {"latent_dim": latent_dim, "hidden": [400, 200], "likelihood": likelihood},
            "train": {"epochs": epochs, "batch_size": 128, "lr": 1e-3, "seed": 0, "device": "cpu"}}


def train_vaekit(x: np.ndarray, config: dict) -> vaekit.VAE:
    """A VAE trained on images x (N, 1, 28, 28); 500 of them double as the (unused) validation split."""
    data = Dataset.from_arrays("fashion-mnist-part", x, x[:500], None, None, "image", "in-memory array")
    with tempfile.TemporaryDirectory() as folder:
        return vaekit.train(config, Path(folder) / "run", progress=False, data=data, pictures=False).model.cpu()


def auroc(outlier: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(outlier, scores))


def one_class(c: int, train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
              config: dict) -> dict:
    from pyod.models.iforest import IForest
    from pyod.models.vae import VAE as PyodVAE

    normal = train_x[train_y == c]
    outlier = (test_y != c).astype(int)
    flat_train, flat_test = normal.reshape(len(normal), -1), test_x.reshape(len(test_x), -1)
    row: dict = {"class": c, "name": CLASSES[c], "train_examples": len(normal), "seconds": {}}
    start = time.perf_counter()
    model = train_vaekit(normal, config)
    scores = score_many(model, torch.from_numpy(test_x), KINDS, k=K, batch_size=500)
    row["seconds"]["vaekit"] = time.perf_counter() - start
    for kind in KINDS:
        row[f"vaekit {kind}"] = auroc(outlier, scores[kind].numpy())
    start = time.perf_counter()
    # PyOD's defaults (standardized inputs, its network) with vaekit's epochs and batch size; quiet, seeded
    peer = PyodVAE(contamination=0.1, verbose=0, random_state=0, device="cpu", epoch_num=config["train"]["epochs"],
                   batch_size=config["train"]["batch_size"]).fit(flat_train)
    row["PyOD VAE"] = auroc(outlier, peer.decision_function(flat_test))
    row["seconds"]["PyOD VAE"] = time.perf_counter() - start
    start = time.perf_counter()
    forest = IForest(random_state=0, n_jobs=1).fit(flat_train)
    row["PyOD IForest"] = auroc(outlier, forest.decision_function(flat_test))
    row["seconds"]["PyOD IForest"] = time.perf_counter() - start
    start = time.perf_counter()
    pca = PCA(n_components=PCA_COMPONENTS, svd_solver="randomized", random_state=0).fit(flat_train)
    rebuilt = pca.inverse_transform(pca.transform(flat_test))
    row["PCA reconstruction"] = auroc(outlier, ((flat_test - rebuilt) ** 2).sum(1))
    row["seconds"]["PCA reconstruction"] = time.perf_counter() - start
    row["pca_components"] = int(pca.n_components_)
    return row


def perturbed(x: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A copy of x with `fraction` of its pixels (drawn independently) replaced by uniform random 8-bit levels."""
    rng = np.random.default_rng(seed)
    replace = rng.random(x.shape) < fraction
    noise = rng.integers(0, 256, size=x.shape).astype(np.float32) / 255
    return np.where(replace, noise, x).astype(np.float32)


def read_mnist_test() -> np.ndarray:
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"):
        if (MNIST / name).is_file():
            return read_idx(MNIST / name).astype(np.float32)[:, None] / 255
    raise SystemExit(f"no MNIST test images in {MNIST}")


def out_of_distribution(train_x: np.ndarray, test_x: np.ndarray, mnist_x: np.ndarray, config: dict) -> dict:
    start = time.perf_counter()
    model = train_vaekit(train_x, config)
    trained = time.perf_counter() - start
    background = train_vaekit(perturbed(train_x, PERTURBATION, seed=1), config)
    both = torch.from_numpy(np.concatenate([test_x, mnist_x]))
    outlier = np.r_[np.zeros(len(test_x), int), np.ones(len(mnist_x), int)]
    kinds = ["iw", "elbo", "reconstruction", "rate", "complexity", "likelihood_ratio"]
    scores = score_many(model, both, kinds, k=K, batch_size=500, background=background)
    result = {kind: auroc(outlier, scores[kind].numpy()) for kind in kinds}
    iw = scores["iw"].numpy()
    result["mean -log p(x) in (nats)"] = float(iw[:len(test_x)].mean())
    result["mean -log p(x) out (nats)"] = float(iw[len(test_x):].mean())
    result["seconds"] = {"one model": trained, "all": time.perf_counter() - start}
    return result


def markdown(rows: list[dict], ood: dict | None, best: str, config: dict, command: str, minutes: float) -> str:
    peers = ["PyOD VAE", "PyOD IForest", "PCA reconstruction"]
    columns = [f"vaekit {kind}" for kind in KINDS] + peers
    mean = {column: float(np.mean([row[column] for row in rows])) for column in columns}
    header = "| class | " + " | ".join(columns) + " |\n|---|" + "---:|" * len(columns)
    lines = [f"| {row['class']} {row['name']} | " + " | ".join(f"{row[c]:.3f}" for c in columns) + " |"
             for row in rows]
    lines.append("| **mean** | " + " | ".join(f"**{mean[c]:.3f}**" for c in columns) + " |")
    model = config["model"]
    beaten = [p for p in peers if mean[best] > mean[p]]
    verdict = (f"vaekit's best score, **{best.removeprefix('vaekit ')}**, has mean AUROC {mean[best]:.3f}: "
               f"{'reaches' if mean[best] >= 0.90 else 'falls short of'} the goal of 0.90, and is above "
               f"{', '.join(beaten) if beaten else 'none of the peers'}"
               + ("" if len(beaten) == len(peers) else f" (not above {', '.join(p for p in peers if p not in beaten)})")
               + ".")
    text = f"""## Anomaly and out-of-distribution detection

Fashion-MNIST one-class protocol: train on the 6,000 training images of one class, score all 10,000 test images,
that class normal; AUROC with the anomalies as the positive class. vaekit: an MLP VAE (hidden 400/200, latent
{model['latent_dim']}, {model['likelihood']} likelihood, {config['train']['epochs']} epochs, batch 128), every score
kind of `vaekit score` (iw and complexity with k = {K}); PyOD's VAE (pyod {_version('pyod')}, its defaults,
standardized inputs, with vaekit's epochs and batch size), PyOD's IForest (100 trees) and a PCA reconstruction
error ({PCA_COMPONENTS} components, about 90% of a class's variance), all on the same images in the same run.

{header}
{chr(10).join(lines)}

{verdict}
"""
    if ood is not None:
        text += f"""
Out of distribution: one model on all 60,000 Fashion-MNIST training images (same settings, {OOD_EPOCHS} epochs),
Fashion-MNIST test (in) against the MNIST test set (out); AUROC with MNIST as the positive class.

| score | AUROC |
|---|---:|
| plain likelihood, iw (-log p(x)) | {ood['iw']:.3f} |
| -ELBO | {ood['elbo']:.3f} |
| reconstruction error | {ood['reconstruction']:.3f} |
| rate | {ood['rate']:.3f} |
| complexity-corrected, -log2 p(x) - PNG bits (Serra et al. 2020) | {ood['complexity']:.3f} |
| likelihood ratio against a background model (Ren et al. 2019) | {ood['likelihood_ratio']:.3f} |

Mean -log p(x): {ood['mean -log p(x) in (nats)']:.1f} nats on Fashion-MNIST test, {ood['mean -log p(x) out (nats)']:.1f}
nats on MNIST: the model finds the digits, which it never saw, {'more' if ood['iw'] < 0.5 else 'less'} likely
(Nalisnick et al. 2019). The complexity-corrected score {'reaches' if ood['complexity'] >= 0.95 else 'falls short of'}
the goal of 0.95. The background model has the same settings, trained on the training images with
{PERTURBATION:.0%} of the pixels replaced by uniform random 8-bit levels, drawn once per image (seeded), not
afresh each epoch.
"""
    text += f"""
Reproduce: `{command}` ({minutes:.1f} minutes on {machine()}).
"""
    return text


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--likelihood", default="gaussian")
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-ood", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, do not write BENCHMARKS.md and results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    config = settings(args.likelihood, args.latent_dim, args.epochs)
    fashion = vaekit.load_dataset("fashion-mnist", data_dir=FASHION, download=False)
    train_x, train_y = fashion.train_x.numpy(), fashion.train_y.numpy()
    test_x, test_y = fashion.test_x.numpy(), fashion.test_y.numpy()
    rows = []
    for c in (int(c) for c in args.classes.split(",")):
        rows.append(one_class(c, train_x, train_y, test_x, test_y, config))
        print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rows[-1].items()}, flush=True)
    means = {key: float(np.mean([row[key] for row in rows])) for key in rows[0]
             if key.startswith(("vaekit", "PyOD", "PCA"))}
    best = max((key for key in means if key.startswith("vaekit")), key=means.get)
    print("means", {k: round(v, 3) for k, v in means.items()}, flush=True)
    ood_config = {**config, "train": {**config["train"], "epochs": OOD_EPOCHS}}
    ood = None if args.no_ood else out_of_distribution(train_x, test_x, read_mnist_test(), ood_config)
    print("ood", ood, flush=True)
    minutes = (time.perf_counter() - began) / 60
    command = "nice python bench/anomaly.py" + "".join(
        f" {flag}" for flag, default, value in [(f"--likelihood {args.likelihood}", "gaussian", args.likelihood),
                                                (f"--latent-dim {args.latent_dim}", 8, args.latent_dim),
                                                (f"--epochs {args.epochs}", 20, args.epochs)] if value != default)
    results = {"config": config, "k": K, "one_class": rows, "means": means, "best": best, "out_of_distribution": ood,
               "minutes": minutes, "machine": machine(), "command": command}
    if not args.no_write:
        write_results("anomaly", results, markdown(rows, ood, best, config, command, minutes))
    print(f"{minutes:.1f} minutes", flush=True)


if __name__ == "__main__":
    main()
