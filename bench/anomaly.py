"""Anomaly detection and out-of-distribution detection with vaekit's scores, against PyOD and PCA, in one run.

(a) Fashion-MNIST one-class protocol: for each class c, train on the training images of class c only (6,000),
    score all 10,000 test images, class c normal; AUROC with the anomalies as the positive class, per class and
    mean, for every vaekit score kind and for PyOD's VAE, PyOD's IForest and a PCA reconstruction error.
(b) Out of distribution: one model trained on all Fashion-MNIST training images; Fashion-MNIST test (in, 0)
    against the MNIST test set (out, 1): the plain likelihood, the complexity-corrected score (Serra et al. 2020)
    and the likelihood ratio against a background model trained on perturbed images (Ren et al. 2019), whose
    inputs are corrupted afresh every batch by the denoising objective (corruption: replace, target: corrupted).

Several model settings (likelihood:latent:network:epochs) are measured side by side, every one on every class;
the table of all of them is printed, and the best (setting, score) by mean AUROC is named as chosen on this
protocol's test images (so it is optimistic, as a choice made on test data is).

    python bench/anomaly.py --device cuda --jobs 12       # the whole benchmark, writes BENCHMARKS.md and results
    python bench/anomaly.py --classes 0 --settings gaussian:8:mlp:2 --no-ood --no-write --limit 500   # a try
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.data.dataset import Dataset  # noqa: E402
from vaekit.data.image.idx import read_idx  # noqa: E402
from vaekit.tasks.scoring import score_many  # noqa: E402

FASHION = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
MNIST = Path(os.environ.get("MNIST_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist")))
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
KINDS = ["elbo", "iw", "reconstruction", "rate", "complexity"]
OOD_KINDS = ["iw", "elbo", "reconstruction", "rate", "complexity", "likelihood_ratio"]
PEERS = ["PyOD VAE", "PyOD IForest", "PCA reconstruction"]
K = 50  # importance samples per test image (iw, complexity, likelihood_ratio)
PCA_COMPONENTS = 80  # principal components of the training class (about 90% of its variance)
OOD_EPOCHS = 10  # the out-of-distribution models see 60,000 images: ten times a class's per epoch
PERTURBATION = 0.2  # the background model's inputs: this fraction of pixels replaced by uniform random levels
SETTINGS = ("gaussian:8:mlp:20,gaussian:16:mlp:50,bernoulli:16:mlp:50,continuous_bernoulli:16:mlp:50,"
            "gaussian:16:conv:50,bernoulli:16:conv:50")
OOD_SETTINGS = "gaussian:16:mlp:10,bernoulli:16:mlp:10,discretized_logistic:16:mlp:10"


def settings(setting: str, device: str) -> dict:
    """A vaekit config from "likelihood:latent:network:epochs"."""
    likelihood, latent_dim, network, epochs = setting.split(":")
    return {"data": {"source": "array"},
            "model": {"latent_dim": int(latent_dim), "hidden": [400, 200], "network": network,
                      "likelihood": likelihood},
            "train": {"epochs": int(epochs), "batch_size": 128, "lr": 1e-3, "seed": 0, "device": device}}


def train_vaekit(x: np.ndarray, config: dict) -> vaekit.VAE:
    """A VAE trained on images x (N, 1, 28, 28); 500 of them double as the (unused) validation split."""
    data = Dataset.from_arrays("fashion-mnist-part", x, x[:500], None, None, "image", "in-memory array")
    with tempfile.TemporaryDirectory() as folder:
        return vaekit.train(config, Path(folder) / "run", progress=False, data=data, pictures=False).model


def auroc(outlier: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(outlier, scores))


def _threads(threads: int) -> None:
    torch.set_num_threads(threads)


def vaekit_class(c: int, setting: str, device: str, normal: np.ndarray, test_x: np.ndarray, outlier: np.ndarray
                 ) -> dict:
    """AUROC of every score kind of one setting's model of class c."""
    start = time.perf_counter()
    model = train_vaekit(normal, settings(setting, device))
    scores = score_many(model, torch.from_numpy(test_x), KINDS, k=K, batch_size=500)
    row = {kind: auroc(outlier, scores[kind].numpy()) for kind in KINDS}
    return {"class": c, "setting": setting, "auroc": row, "seconds": time.perf_counter() - start}


def peers_class(c: int, device: str, epochs: int, normal: np.ndarray, test_x: np.ndarray, outlier: np.ndarray
                ) -> dict:
    from pyod.models.iforest import IForest
    from pyod.models.vae import VAE as PyodVAE

    flat_train, flat_test = normal.reshape(len(normal), -1), test_x.reshape(len(test_x), -1)
    row: dict = {}
    seconds: dict = {}
    start = time.perf_counter()
    # PyOD's defaults (standardized inputs, its network) with vaekit's epochs and batch size; quiet, seeded
    peer = PyodVAE(contamination=0.1, verbose=0, random_state=0, device=device, epoch_num=epochs,
                   batch_size=128).fit(flat_train)
    row["PyOD VAE"] = auroc(outlier, peer.decision_function(flat_test))
    seconds["PyOD VAE"] = time.perf_counter() - start
    start = time.perf_counter()
    forest = IForest(random_state=0, n_jobs=1).fit(flat_train)
    row["PyOD IForest"] = auroc(outlier, forest.decision_function(flat_test))
    seconds["PyOD IForest"] = time.perf_counter() - start
    start = time.perf_counter()
    pca = PCA(n_components=PCA_COMPONENTS, svd_solver="randomized", random_state=0).fit(flat_train)
    rebuilt = pca.inverse_transform(pca.transform(flat_test))
    row["PCA reconstruction"] = auroc(outlier, ((flat_test - rebuilt) ** 2).sum(1))
    seconds["PCA reconstruction"] = time.perf_counter() - start
    return {"class": c, "setting": "peers", "auroc": row, "seconds": seconds}


def read_mnist_test() -> np.ndarray:
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"):
        if (MNIST / name).is_file():
            return read_idx(MNIST / name).astype(np.float32)[:, None] / 255
    raise SystemExit(f"no MNIST test images in {MNIST} (set MNIST_DIR)")


def out_of_distribution(setting: str, device: str, train_x: np.ndarray, test_x: np.ndarray, mnist_x: np.ndarray
                        ) -> dict:
    start = time.perf_counter()
    config = settings(setting, device)
    model = train_vaekit(train_x, config)
    trained = time.perf_counter() - start
    # Ren et al.'s background model: the same model of inputs with PERTURBATION of their pixels replaced by
    # uniform random levels, drawn afresh each batch (the denoising objective, scoring the corrupted copy)
    background_config = {**config, "objective": {"name": "denoising", "corruption": "replace",
                                                 "corruption_level": PERTURBATION, "denoising_target": "corrupted"}}
    background = train_vaekit(train_x, background_config)
    both = torch.from_numpy(np.concatenate([test_x, mnist_x]))
    outlier = np.r_[np.zeros(len(test_x), int), np.ones(len(mnist_x), int)]
    scores = score_many(model, both, OOD_KINDS, k=K, batch_size=500, background=background)
    result: dict = {"setting": setting, "auroc": {kind: auroc(outlier, scores[kind].numpy()) for kind in OOD_KINDS}}
    iw = scores["iw"].numpy()
    result["mean -log p(x) in (nats)"] = float(iw[:len(test_x)].mean())
    result["mean -log p(x) out (nats)"] = float(iw[len(test_x):].mean())
    result["seconds"] = {"one model": trained, "all": time.perf_counter() - start}
    return result


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def markdown(results: dict) -> str:
    best_setting, best_kind = results["best"]
    per_class = results["per_class"]
    means = results["means"]
    peer_means = {p: means["peers"][p] for p in PEERS}
    best_mean = means[best_setting][best_kind]
    columns = [f"vaekit {kind}" for kind in KINDS] + PEERS
    rows = []
    for c in results["classes"]:
        cells = [per_class[best_setting][str(c)][kind] for kind in KINDS] + [per_class["peers"][str(c)][p]
                                                                             for p in PEERS]
        rows.append([f"{c} {CLASSES[c]}"] + [f"{v:.3f}" for v in cells])
    rows.append(["**mean**"] + [f"**{means[best_setting][k]:.3f}**" for k in KINDS]
                + [f"**{peer_means[p]:.3f}**" for p in PEERS])
    sweep = _table(["setting (likelihood:latent:network:epochs)"] + KINDS,
                   [[s] + [f"{means[s][k]:.3f}" for k in KINDS] for s in results["settings"]])
    beaten = [p for p in PEERS if best_mean > peer_means[p]]
    verdict = (f"vaekit's best, the **{best_kind}** score of **{best_setting}**, has mean AUROC {best_mean:.3f}: it "
               f"{'reaches' if best_mean >= 0.90 else 'falls short of'} the goal of 0.90 and is above "
               f"{', '.join(beaten) if beaten else 'none of the peers'}"
               + ("" if len(beaten) == len(PEERS) else f" (not above {', '.join(p for p in PEERS if p not in beaten)})")
               + ". It was chosen among the settings below on these same test images, so the figure is optimistic "
               "by the choice; the table shows every setting's mean, chosen or not.")
    text = f"""## Anomaly and out-of-distribution detection (issue 9)

Fashion-MNIST one-class protocol: train on the 6,000 training images of one class, score all 10,000 test images,
that class normal; AUROC with the anomalies as the positive class. vaekit: VAEs (MLP hidden 400/200 or the conv
network; batch 128, Adam 1e-3, seed 0), every score kind of `vaekit score` (iw and complexity with k = {K}); peers
on the same images in the same run: PyOD's VAE (pyod {_version('pyod')}, its defaults, standardized inputs, with
{results['peer_epochs']} epochs and batch 128), PyOD's IForest (100 trees) and a PCA reconstruction error
({PCA_COMPONENTS} components, about 90% of a class's variance).

Per class, vaekit's best setting ({best_setting}) and the peers:

{_table(["class"] + columns, rows)}

{verdict}

Mean AUROC over the ten classes of every vaekit setting and score:

{sweep}
"""
    for ood in results["out_of_distribution"]:
        a = ood["auroc"]
        text += f"""
Out of distribution, {ood['setting']} on all 60,000 Fashion-MNIST training images: Fashion-MNIST test (in) against
the MNIST test set (out), AUROC with MNIST as the positive class. Plain likelihood (iw) {a['iw']:.3f}, -ELBO
{a['elbo']:.3f}, reconstruction {a['reconstruction']:.3f}, rate {a['rate']:.3f}; **complexity-corrected
(Serra et al. 2020) {a['complexity']:.3f}**; likelihood ratio against a background model (Ren et al. 2019)
{a['likelihood_ratio']:.3f}. Mean -log p(x): {ood['mean -log p(x) in (nats)']:.1f} nats in,
{ood['mean -log p(x) out (nats)']:.1f} nats out.
"""
    if results["out_of_distribution"]:
        best_ood = max(results["out_of_distribution"], key=lambda o: o["auroc"]["complexity"])
        text += f"""
The plain likelihood ranks MNIST digits, which the models never saw, as more likely than Fashion-MNIST's own test
images wherever its AUROC is below 0.5 (Nalisnick et al. 2019). The best complexity-corrected score,
{best_ood['auroc']['complexity']:.3f} ({best_ood['setting']}), {'reaches' if best_ood['auroc']['complexity'] >= 0.95
else 'falls short of'} the goal of 0.95. The background models are trained with the denoising objective
(corruption: replace, level {PERTURBATION}, denoising_target: corrupted): {PERTURBATION:.0%} of the pixels replaced
by uniform random levels, drawn afresh for every batch.
"""
    text += f"""
Reproduce: `{results['command']}` ({results['minutes']:.1f} minutes on {results['machine']}).
"""
    return text


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9")
    parser.add_argument("--settings", default=SETTINGS, help="likelihood:latent:network:epochs, comma-separated")
    parser.add_argument("--ood-settings", default=OOD_SETTINGS)
    parser.add_argument("--peer-epochs", type=int, default=50)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--jobs", type=int, default=1, help="models trained at once, each in its own process")
    parser.add_argument("--limit", type=int, default=0, help="use only this many test images (a quick try)")
    parser.add_argument("--no-ood", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="print, do not write BENCHMARKS.md and results")
    parser.add_argument("--partial", default="", help="also write results here as they come")
    args = parser.parse_args()
    began = time.perf_counter()
    threads = max(1, (os.cpu_count() or 1) // args.jobs)
    fashion = vaekit.load_dataset("fashion-mnist", data_dir=FASHION, download=False)
    train_x, train_y = fashion.train_x.numpy(), fashion.train_y.numpy()
    test_x, test_y = fashion.test_x.numpy(), fashion.test_y.numpy()
    if args.limit:
        test_x, test_y = test_x[:args.limit], test_y[:args.limit]
    classes = [int(c) for c in args.classes.split(",")]
    setting_names = args.settings.split(",")
    ood_names = [] if args.no_ood else args.ood_settings.split(",")
    mnist_x = None if args.no_ood else read_mnist_test()[:args.limit or None]
    found: list[dict] = []
    oods: list[dict] = []
    context = torch.multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.jobs, mp_context=context, initializer=_threads, initargs=(threads,)) as pool:
        tasks = [pool.submit(out_of_distribution, s, args.device, train_x, test_x, mnist_x) for s in ood_names]
        for c in classes:
            normal, outlier = train_x[train_y == c], (test_y != c).astype(int)
            tasks.append(pool.submit(peers_class, c, args.device, args.peer_epochs, normal, test_x, outlier))
            tasks += [pool.submit(vaekit_class, c, s, args.device, normal, test_x, outlier) for s in setting_names]
        for task in as_completed(tasks):
            result = task.result()
            (oods if "class" not in result else found).append(result)
            print(result, flush=True)
            if args.partial:
                Path(args.partial).write_text(json.dumps({"classes": found, "ood": oods}, indent=1))
    per_class: dict = {}
    for result in found:
        per_class.setdefault(result["setting"], {})[str(result["class"])] = result["auroc"]
    means = {setting: {name: float(np.mean([row[name] for row in rows.values()]))
                       for name in next(iter(rows.values()))} for setting, rows in per_class.items()}
    best = max(((s, k) for s in setting_names for k in KINDS), key=lambda sk: means[sk[0]][sk[1]])
    print("means", json.dumps(means, indent=1), "best", best, flush=True)
    shown = [arg for arg, before in zip(sys.argv[1:], ["", *sys.argv[1:]]) if "partial" not in arg + before]
    command = " ".join(["python bench/anomaly.py", *shown])
    results = {"classes": classes, "settings": setting_names, "k": K, "peer_epochs": args.peer_epochs,
               "per_class": per_class, "means": means, "best": list(best),
               "out_of_distribution": sorted(oods, key=lambda o: ood_names.index(o["setting"])),
               "runs": found, "minutes": (time.perf_counter() - began) / 60, "machine": machine(),
               "command": command}
    if not args.no_write:
        write_results("anomaly", results, markdown(results))
    print(f"{results['minutes']:.1f} minutes", flush=True)


if __name__ == "__main__":
    main()
