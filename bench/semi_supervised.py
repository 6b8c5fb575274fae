"""Semi-supervised learning on Fashion-MNIST (issue 10, item 2): test accuracy with 100 and 1000 labels (10 and 100
per class of the training split, 3 seeds) of vaekit's M2 and M1+M2 (Kingma et al. 2014) against logistic
regression on the same labelled pixels, scikit-learn's LabelSpreading and logistic regression on vaekit's
unsupervised codes (M1), all in one run on the same data. Scored on the 10,000 test images.

What is trained (by default on CPU, one thread: sized to run in about 25 minutes on a shared machine; on a GPU
with --device cuda, where the size flags below lengthen it):
- M1: one unsupervised VAE (784-(600,600)-50, Bernoulli likelihood on grey values) on all 60,000 training images,
  without labels; its posterior means are the codes of M1 and M1+M2 for every seed.
- M1+M2: VAEClassifier (M2, Gaussian likelihood on standardized codes) on the codes of the labelled images and
  a seeded subset of 20,000 unlabelled ones.
- M2: VAEClassifier on pixels: the labelled images and a seeded subset of unlabelled ones (M2 runs its decoder
  K = 10 times per unlabelled image, so the whole training set is out of reach here).
- LabelSpreading (kNN kernel, 7 neighbours) on the labelled images and the same unlabelled subset as M2 (the RBF
  kernel's dense 60,000 x 60,000 affinity does not fit).
- Logistic regression (scikit-learn, C = 1) on the labelled pixels, and on the labelled rows' M1 codes.

    nice python bench/semi_supervised.py            # about 25 minutes on one CPU thread
    python bench/semi_supervised.py --quick         # one seed, tiny sizes, a smoke test; writes nothing
    python bench/semi_supervised.py --device cuda --m1-epochs 30 --m2-epochs 10 --m2-unlabelled 20000 \\
        --m1m2-epochs 20 --m1m2-unlabelled 59000    # a GPU, longer (the unlabelled pool is 59,000 to 59,900)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import add_device_option, device_words, machine, settle_device, write_results  # noqa: E402
from vaekit import VAEClassifier  # noqa: E402
from vaekit.config import Config  # noqa: E402
from vaekit.data import Dataset, load_dataset  # noqa: E402
from vaekit.data.common.partial_labels import keep_labels_per_class  # noqa: E402
from vaekit.tasks.outputs import embed  # noqa: E402
from vaekit.training.loop import train  # noqa: E402

PER_CLASS = (10, 100)
SEEDS = (0, 1, 2)
FULL = {"m1_epochs": 10, "m1_rows": 60000, "m2_epochs": 6, "m2_unlabelled": 6000, "m1m2_epochs": 15,
        "m1m2_unlabelled": 20000}
# FULL's sizes that a command line may change (--m1-epochs and so on), for a longer run on a GPU
KNOBS = {"m1_epochs": "M1's epochs", "m2_epochs": "M2's epochs", "m1m2_epochs": "M1+M2's epochs",
         "m2_unlabelled": "unlabelled images of M2 and LabelSpreading",
         "m1m2_unlabelled": "unlabelled codes of M1+M2"}
QUICK = {"m1_epochs": 1, "m1_rows": 3000, "m2_epochs": 1, "m2_unlabelled": 500, "m1m2_epochs": 2,
         "m1m2_unlabelled": 1000}


def train_m1(x: np.ndarray, epochs: int, device: str) -> torch.nn.Module:
    """The unsupervised VAE of M1 on images x, no labels."""
    config = Config.from_dict({"data": {"source": "array"},
                               "model": {"latent_dim": 50, "hidden": [600, 600], "likelihood": "bernoulli"},
                               "train": {"epochs": epochs, "batch_size": 100, "lr": 1e-3, "seed": 0,
                                         "device": device}})
    data = Dataset.from_arrays("fashion-mnist", x, x[:1000], None, None, "image", "fashion-mnist")
    with tempfile.TemporaryDirectory() as folder:
        return train(config, folder, progress=False, data=data, pictures=False).model


def logistic(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
             standardize: bool) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # each baseline in its stronger form (measured: the codes, whose scales differ by dimension, gain from
    # standardizing, 0.63 against 0.59 at 100 labels; the pixels lose, 0.71 against 0.72)
    steps = [StandardScaler()] if standardize else []
    model = make_pipeline(*steps, LogisticRegression(C=1.0, max_iter=2000)).fit(train_x, train_y)
    return float(model.score(test_x, test_y))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, tiny sizes (the size flags are ignored); "
                        "writes nothing")
    for key, what in KNOBS.items():
        parser.add_argument("--" + key.replace("_", "-"), type=int, default=FULL[key], help=f"{what} (default "
                            f"{FULL[key]})")
    add_device_option(parser)
    args = parser.parse_args()
    sizes = QUICK if args.quick else {**FULL, **{key: getattr(args, key) for key in KNOBS}}
    seeds = SEEDS[:1] if args.quick else SEEDS
    device = settle_device(args.device)
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    data = load_dataset("fashion-mnist")
    train_images, test_images = data.train_x.numpy(), data.test_x.numpy()
    flat_train, flat_test = train_images.reshape(len(train_images), -1), test_images.reshape(len(test_images), -1)
    test_y = data.test_y.numpy()

    clock = time.perf_counter()
    m1 = train_m1(train_images[:sizes["m1_rows"]], sizes["m1_epochs"], device)
    codes_train = embed(m1, data.train_x).numpy()
    codes_test = embed(m1, data.test_x).numpy()
    m1_seconds = time.perf_counter() - clock
    print(f"M1: {m1_seconds:.0f} s", flush=True)

    rows = []
    for per_class in PER_CLASS:
        for seed in seeds:
            labels = keep_labels_per_class(data, per_class, seed).train_y.numpy()
            labelled = np.flatnonzero(labels >= 0)
            # the unlabelled subset of M2 and LabelSpreading, seeded
            pool = np.random.default_rng(seed).permutation(np.flatnonzero(labels < 0))
            subset = np.concatenate([labelled, pool[:sizes["m2_unlabelled"]]])
            code_subset = np.concatenate([labelled, pool[:sizes["m1m2_unlabelled"]]])
            row = {"labels": int(len(labelled)), "seed": seed}
            timings = {}

            clock = time.perf_counter()
            row["logistic_pixels"] = logistic(flat_train[labelled], labels[labelled], flat_test, test_y, False)
            row["logistic_m1_codes"] = logistic(codes_train[labelled], labels[labelled], codes_test, test_y, True)
            timings["logistic"] = time.perf_counter() - clock

            from sklearn.semi_supervised import LabelSpreading

            clock = time.perf_counter()
            spreading = LabelSpreading(kernel="knn", n_neighbors=7, max_iter=100)
            spreading.fit(flat_train[subset], labels[subset])
            row["label_spreading"] = float(spreading.score(flat_test, test_y))
            timings["label_spreading"] = time.perf_counter() - clock

            clock = time.perf_counter()
            m2 = VAEClassifier(latent_dim=50, hidden=(500,), epochs=sizes["m2_epochs"], batch_size=100,
                               seed=seed, device=device)
            m2.fit(train_images[subset], labels[subset])
            row["m2"] = float(m2.score(test_images, test_y))
            timings["m2"] = time.perf_counter() - clock

            clock = time.perf_counter()
            m1m2 = VAEClassifier(latent_dim=50, hidden=(200,), epochs=sizes["m1m2_epochs"], batch_size=100,
                                 seed=seed, device=device)
            m1m2.fit(codes_train[code_subset], labels[code_subset])
            row["m1_m2"] = float(m1m2.score(codes_test, test_y))
            timings["m1_m2"] = time.perf_counter() - clock
            row["seconds"] = {name: round(value, 1) for name, value in timings.items()}
            rows.append(row)
            print(row, flush=True)

    results = {"machine": machine(), "device": device, "ran_on": device_words(device), "sizes": sizes,
               "seeds": list(seeds), "m1_seconds": round(m1_seconds, 1), "rows": rows,
               "total_seconds": round(time.perf_counter() - started, 1)}
    if args.quick:
        return
    write_results("semi_supervised", results, markdown(results))


METHODS = (("m1_m2", "vaekit M1+M2"), ("m2", "vaekit M2 (pixels)"), ("logistic_m1_codes", "logistic regression on "
           "vaekit's M1 codes"), ("label_spreading", "LabelSpreading (kNN, 7)"),
           ("logistic_pixels", "logistic regression on pixels"))


def reproduce(results: dict) -> str:
    """The command that repeats a run: each size that differs from FULL's, and the device."""
    flags = [f" --{key.replace('_', '-')} {results['sizes'][key]}" for key in KNOBS
             if results["sizes"][key] != FULL[key]]
    return "nice python bench/semi_supervised.py" + "".join(flags) + (
        " --device cuda" if results["device"] == "cuda" else "")


def markdown(results: dict) -> str:
    sizes = results["sizes"]
    where = ("CPU, one thread, on a machine shared with other jobs" if results["device"] == "cpu" else
             results["ran_on"])
    lines = ["## Semi-supervised learning: Fashion-MNIST with 100 and 1000 labels", "",
             f"Test accuracy on the 10,000 test images, mean ± standard deviation over seeds {results['seeds']} (the "
             "labelled images, the unlabelled subset and the initial weights change with the seed; M1 is trained "
             "once). Run on " + where + ": " + results["machine"] + ".", "",
             "| method | 100 labels | 1000 labels |", "|---|---|---|"]
    for key, name in METHODS:
        cells = []
        for count in (100, 1000):
            values = [row[key] for row in results["rows"] if row["labels"] == count]
            cells.append(f"{np.mean(values):.3f} ± {np.std(values):.3f}")
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    means = {key: np.mean([row[key] for row in results["rows"] if row["labels"] == 100]) for key, _ in METHODS}
    best = max((key for key, _ in METHODS if key not in ("m1_m2", "m2")), key=means.get)  # the baselines
    reached = means["m1_m2"] > means[best]
    lines += ["", f"Goal (M1+M2 above every baseline at 100 labels): {'reached' if reached else 'not reached'}. "
              f"M1+M2 {means['m1_m2']:.3f} against {dict(METHODS)[best]} {means[best]:.3f}."]
    if not reached:
        lines += ["Logistic regression on the pixels is a strong baseline on Fashion-MNIST (0.71 with 100 labels), "
                  "and M1's codes are the bottleneck: logistic regression on them gets only 0.60 at 100 labels, "
                  "M1+M2 lifts that by 10 points but not past the pixels. Tried before this run (seed 0, 100 "
                  "labels, M1 of 8 epochs): M2 on the codes with hidden 500 or 200 (0.692, 0.690), 20 epochs "
                  "(0.700), all 60,000 codes for 6 epochs (0.682), classifier_weight 1.0 (0.678), z of 2, 8 or 20 "
                  "dimensions (0.610, 0.689, 0.686). Not tried for want of CPU time: a longer-trained or "
                  "convolutional M1, M2 on posterior samples of M1 redrawn each epoch (as the paper does), and "
                  "more M2 epochs."]
    lines += ["", "What ran (bench/semi_supervised.py, "
              f"{results['total_seconds'] / 60:.0f} minutes in all):",
              f"- M1: a VAE 784-(600,600)-50, Bernoulli likelihood, on the first {sizes['m1_rows']:,} training "
              f"images without labels, {sizes['m1_epochs']} epochs ({results['m1_seconds']:.0f} s); its posterior "
              "means are the codes.",
              f"- M1+M2: `VAEClassifier(latent_dim=50, hidden=(200,))` on the codes of the labelled images and "
              f"{sizes['m1m2_unlabelled']:,} unlabelled ones (a seeded subset), {sizes['m1m2_epochs']} epochs, "
              "alpha = 0.1 N.",
              f"- M2: `VAEClassifier(latent_dim=50, hidden=(500,))` on pixels: the labelled images and "
              f"{sizes['m2_unlabelled']:,} unlabelled ones (a seeded subset), {sizes['m2_epochs']} epochs.",
              "- LabelSpreading(kernel='knn', n_neighbors=7) on the same labelled images and "
              f"{sizes['m2_unlabelled']:,} unlabelled ones (the RBF kernel's dense affinity over 60,000 images does "
              "not fit).",
              "- Logistic regression (C = 1) on the labelled pixels, and on the labelled images' M1 codes "
              "(standardized: better for the codes, worse for the pixels).", "",
              f"Reproduce: `{reproduce(results)}` (results in bench/results/semi_supervised.json, "
              "per seed with timings)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
