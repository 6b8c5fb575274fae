"""Semi-supervised learning on Fashion-MNIST (issue 10, item 2): test accuracy with 100 and 1000 labels (10 and 100
per class of the training split, 5 seeds) of vaekit's M2 and M1+M2 (Kingma et al. 2014) against logistic
regression on the same labelled pixels, scikit-learn's LabelSpreading and logistic regression on vaekit's
unsupervised codes (M1), all in one run on the same data. Scored on the 10,000 test images.

What is trained (by default on CPU, one thread: sized to run in about 25 minutes on a shared machine; on a GPU
with --device cuda, where the size flags below lengthen it):
- M1: one unsupervised VAE (784-(600,600)-50, Bernoulli likelihood on grey values) on all 60,000 training images,
  without labels, for vaekit's default epochs ("auto": about 10,000 steps with early stopping; a number sets
  them); its posterior means are the codes of M1 and M1+M2 for every seed.
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
import dataclasses
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import ROOT, add_device_option, device_words, machine, settle_device, write_results  # noqa: E402
from vaekit import VAEClassifier  # noqa: E402
from vaekit.config import Config  # noqa: E402
from vaekit.data import Dataset, load_dataset  # noqa: E402
from vaekit.data.common.partial_labels import keep_labels_per_class  # noqa: E402
from vaekit.tasks.outputs import embed  # noqa: E402
from vaekit.training.loop import train  # noqa: E402

PER_CLASS = (10, 100)
VALIDATION_ROWS = 10_000  # --validation: the training split's last rows, scored in place of the test split
SEEDS = (0, 1, 2, 3, 4)  # five: at 100 labels M1+M2's spread over seeds is about 0.025 (session 49)
# M1's epochs are vaekit's default ("auto", training/auto_settings.py): the 10 of earlier runs, a CPU shortcut,
# gave codes on which M1+M2 lost to logistic regression on pixels (validation rows of the training split, below)
FULL = {"m1_epochs": "auto", "m1_rows": 60000, "m2_epochs": 6, "m2_unlabelled": 6000, "m1m2_epochs": 15,
        "m1m2_unlabelled": 20000}
# FULL's sizes that a command line may change (--m1-epochs and so on), for a longer run on a GPU
KNOBS = {"m1_epochs": "M1's epochs", "m2_epochs": "M2's epochs", "m1m2_epochs": "M1+M2's epochs",
         "m2_unlabelled": "unlabelled images of M2 and LabelSpreading",
         "m1m2_unlabelled": "unlabelled codes of M1+M2"}
QUICK = {"m1_epochs": 1, "m1_rows": 3000, "m2_epochs": 1, "m2_unlabelled": 500, "m1m2_epochs": 2,
         "m1m2_unlabelled": 1000}


# why M1 trains for vaekit's default epochs, and what a longer M1 did (session 49; seeds 0-2, 100 labels)
M1_TRAINING = """M1 trains for vaekit's default epochs (auto: about 10,000 steps, 17 epochs of the 60,000 images, with
early stopping); runs before session 49 trained it 10 epochs to save CPU time, and at 100 labels M1+M2 got 0.704 on
those codes against logistic regression's 0.712 (seeds 0-2). The choice was made without the test images: `python
bench/semi_supervised.py --validation --m1-epochs E --seeds 0,1,2` trains M1 and M2 on the first 50,000 training
images and scores the last 10,000 (100 labels), where M1+M2 got 0.701 with M1 of 10 epochs, 0.728 with the default (20
epochs of 50,000 images) and 0.733 with 40, against 0.708 for logistic regression on the pixels and 0.709 for M2. On
the test images over seeds 0-2 the default gave 0.712 at 100 labels, even with logistic regression (0.712), and 0.795
at 1000 (0.794); 40 epochs (`--m1-epochs 40 --seeds 0,1,2`, 10 minutes of M1) did not add to it at 100 labels (0.700;
seeds at 0.704, 0.722 and 0.673 where the default's are 0.737, 0.721 and 0.678) and gave 0.804 at 1000. Because
M1+M2's spread over seeds (which hundred images keep their labels, and M2's initialisation) was three times logistic
regression's, the bench now runs five seeds (3 and 4 added before their figures were seen; 0-2 give the same figures
as before). Over five, M1+M2 is above logistic regression on the pixels at 100 labels (0.710 against 0.704, on 4 seeds
of 5) and a little above it at 1000 (0.794 against 0.793, 3 of 5): the goal is reached on the mean, by less than one
seed's swing."""
TRIED = """Tried and not kept (seed 0 or seeds 0-2 at 100 labels): before session 49, on the test images with M1 of 8
epochs, M2 on the codes with hidden 500 or 200 (0.692, 0.690), 20 epochs (0.700), all 60,000 codes for 6 epochs
(0.682), classifier_weight 1.0 (0.678), z of 2, 8 or 20 dimensions (0.610, 0.689, 0.686). In session 49, scratch runs
on the validation rows above (with their own draw of the labelled rows): an ensemble of five M2s on the 10-epoch codes
(0.707 against one M2's 0.704); M2 on draws of M1's posterior instead of its means (seeds 0 and 1: 0.701 and 0.720
against 0.717 and 0.752); only M1's 7 active units of 50 (0.684 against 0.704). Not tried for want of CPU time: a
convolutional M1, ten or more seeds."""


def epochs_value(text: str) -> int | str:
    """A size flag's value: a whole number, or "auto" (vaekit's default epochs)."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or auto, got {text!r}") from None


def seed_list(text: str) -> tuple[int, ...]:
    """--seeds' value: whole numbers separated by commas."""
    try:
        return tuple(int(seed) for seed in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from None


def train_m1(x: np.ndarray, epochs: int | str, device: str) -> tuple[torch.nn.Module, dict]:
    """The unsupervised VAE of M1 on images x, no labels, and how long it trained (epochs settled, best epoch)."""
    config = Config.from_dict({"data": {"source": "array"},
                               "model": {"latent_dim": 50, "hidden": [600, 600], "likelihood": "bernoulli"},
                               "train": {"epochs": epochs, "batch_size": 100, "lr": 1e-3, "seed": 0,
                                         "device": device}})
    data = Dataset.from_arrays("fashion-mnist", x, x[:1000], None, None, "image", "fashion-mnist")
    with tempfile.TemporaryDirectory() as folder:
        run = train(config, folder, progress=False, data=data, pictures=False)
        return run.model, {"epochs": run.config.train.epochs, "best_epoch": run.best_epoch,
                           "stopped_early": bool(run.stopped_early)}


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
    parser.add_argument("--validation", action="store_true", help="choose settings without the test images: M1, "
                        "the labels and the unlabelled rows from the first 50,000 training images, scored on the "
                        "last 10,000, 100 labels only; prints and writes bench/results/semi_supervised_validation_"
                        "m1_<epochs>.json, not BENCHMARKS.md")
    parser.add_argument("--render", metavar="JSON", help="write BENCHMARKS.md's section again from a run's results "
                        "without training (the file's results also become bench/results/semi_supervised.json)")
    for key, what in KNOBS.items():
        parser.add_argument("--" + key.replace("_", "-"), type=epochs_value if key.endswith("epochs") else int,
                            default=FULL[key], help=f"{what} (default "
                            f"{FULL[key]})")
    parser.add_argument("--seeds", type=seed_list, default=SEEDS,
                        help="seeds of the labelled images, the unlabelled subset and M2's initial weights, separated "
                        "by commas (default " + ",".join(map(str, SEEDS)) + ")")
    add_device_option(parser)
    args = parser.parse_args()
    if args.render:
        if not Path(args.render).is_file():
            parser.error(f"--render: no results file at {args.render}")
        results = json.loads(Path(args.render).read_text())
        write_results("semi_supervised", results, markdown(results))
        return
    sizes = QUICK if args.quick else {**FULL, **{key: getattr(args, key) for key in KNOBS}}
    seeds = SEEDS[:1] if args.quick else args.seeds
    device = settle_device(args.device)
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    data = load_dataset("fashion-mnist")
    if args.validation:  # the test split never seen: the training split's last rows stand in for it
        kept, held = slice(None, -VALIDATION_ROWS), slice(-VALIDATION_ROWS, None)
        data = dataclasses.replace(data, train_x=data.train_x[kept], train_y=data.train_y[kept],
                                   test_x=data.train_x[held], test_y=data.train_y[held])
        sizes = {**sizes, "m1_rows": min(sizes["m1_rows"], len(data.train_x))}
    train_images, test_images = data.train_x.numpy(), data.test_x.numpy()
    flat_train, flat_test = train_images.reshape(len(train_images), -1), test_images.reshape(len(test_images), -1)
    test_y = data.test_y.numpy()

    clock = time.perf_counter()
    m1, m1_training = train_m1(train_images[:sizes["m1_rows"]], sizes["m1_epochs"], device)
    codes_train = embed(m1, data.train_x).numpy()
    codes_test = embed(m1, data.test_x).numpy()
    m1_seconds = time.perf_counter() - clock
    print(f"M1: {m1_seconds:.0f} s", flush=True)

    rows = []
    for per_class in PER_CLASS[:1] if args.validation else PER_CLASS:
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
               "seeds": list(seeds), "m1_seconds": round(m1_seconds, 1),
               "m1_training": m1_training, "rows": rows,
               "total_seconds": round(time.perf_counter() - started, 1)}
    if args.quick:
        return
    if args.validation:
        path = ROOT / "bench" / "results" / f"semi_supervised_validation_m1_{sizes['m1_epochs']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2) + "\n")
        print({key: round(float(np.mean([row[key] for row in rows])), 4) for key, _ in METHODS}, flush=True)
        return
    write_results("semi_supervised", results, markdown(results))


METHODS = (("m1_m2", "vaekit M1+M2"), ("m2", "vaekit M2 (pixels)"), ("logistic_m1_codes", "logistic regression on "
           "vaekit's M1 codes"), ("label_spreading", "LabelSpreading (kNN, 7)"),
           ("logistic_pixels", "logistic regression on pixels"))


def reproduce(results: dict) -> str:
    """The command that repeats a run: each size that differs from FULL's, the seeds if not SEEDS, and the device."""
    flags = [f" --{key.replace('_', '-')} {results['sizes'][key]}" for key in KNOBS
             if results["sizes"][key] != FULL[key]]
    if tuple(results["seeds"]) != SEEDS:
        flags.append(" --seeds " + ",".join(map(str, results["seeds"])))
    return "nice python bench/semi_supervised.py" + "".join(flags) + (
        " --device cuda" if results["device"] == "cuda" else "")


def m1_epochs(sizes: dict, training: dict) -> str:
    """How long M1 trained, in words: the epochs set, or vaekit's default as settled for the data."""
    if sizes["m1_epochs"] != "auto":
        return f"{training['epochs']} epochs"
    stopped = ", stopped early" if training["stopped_early"] else ""
    return (f"vaekit's default epochs: {training['epochs']} with early stopping{stopped}, best epoch "
            f"{training['best_epoch']}")


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
    baselines = [key for key, _ in METHODS if key not in ("m1_m2", "m2")]
    verdicts = []
    for count in (100, 1000):
        means = {key: np.mean([row[key] for row in results["rows"] if row["labels"] == count]) for key, _ in METHODS}
        best = max(baselines, key=means.get)
        verdicts.append((means["m1_m2"] > means[best], f"M1+M2 {means['m1_m2']:.3f} against "
                         f"{dict(METHODS)[best]} {means[best]:.3f}"))
    lines += ["", f"Goal (M1+M2 above every baseline at 100 labels): {'reached' if verdicts[0][0] else 'not reached'}. "
              f"{verdicts[0][1]}. At 1000 labels M1+M2 is {'above' if verdicts[1][0] else 'not above'} every "
              f"baseline: {verdicts[1][1]}.", "", M1_TRAINING, "", TRIED]
    lines += ["", "What ran (bench/semi_supervised.py, "
              f"{results['total_seconds'] / 60:.0f} minutes in all):",
              f"- M1: a VAE 784-(600,600)-50, Bernoulli likelihood, on the first {sizes['m1_rows']:,} training "
              f"images without labels, {m1_epochs(sizes, results['m1_training'])} ({results['m1_seconds']:.0f} s); "
              "its posterior means are the codes.",
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
