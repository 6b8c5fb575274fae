"""Point-wise anomaly detection on long real series: vaekit's windows (--window/--stride) against IsolationForest
on the same windows, PCA reconstruction on windows and a rolling z-score, in one run.

Protocol, for each series of bench/series_injection.py: standardize by the first half's mean and standard deviation;
the first half is normal training data, the next 20% the validation part, the last 30% the test part. Into copies
of the validation and of the test part, anomalies of one kind at a time are injected at known steps (spikes, level
shifts, noise bursts, flat lines; seeded, other seeds for validation and test). Every method is fitted on the
training half only and scores every step of each copy:

  vaekit     `vaekit train --data series:path=train.csv --window W --stride S` (through vaekit.train, early
             stopping on its validation windows), then the per-step map of each window of the copy
             (vaekit.tasks.scoring.maps, iw or elbo), folded onto steps by the mean over the windows covering each
             (vaekit.tasks.scoring.points)
  IForest    scikit-learn's IsolationForest on the same windows (flattened), each window's score given to its
             steps, folded by the same mean
  PCA        principal components (90% of the training windows' variance), each step's squared residual, folded
  z-score    |x_t - mean| / std of the W steps before t (the steps before the copy included), largest over channels

The per-step scores of vaekit, PCA and the z-score are smoothed over 1 (none), 5 or 9 steps, or multi-scale
(points.multiscale_points: the larger of the unsmoothed and the 9-step scores, each robustly standardized); each
method's setting (and vaekit's map: iw or elbo) is the one with the best mean AUROC on the validation copies of all
series, never the test part. Point-wise AUROC and the best F1 over thresholds, per anomaly kind, averaged over the
series.

    python bench/series_anomalies.py                            # the whole benchmark (~2 min on 2 cores)
    python bench/series_anomalies.py --series co2 --no-write    # a try on one series
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import precision_recall_curve, roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from series_injection import KINDS, inject, load_series, series_names  # noqa: E402
from vaekit.data.series.windows import window_starts  # noqa: E402
from vaekit.tasks.scoring.maps import score_map  # noqa: E402
from vaekit.tasks.scoring.points import multiscale_points, point_scores, smooth_points  # noqa: E402

METHODS = ["vaekit", "IForest", "PCA", "z-score"]
MAP_KINDS = ["iw", "elbo"]
WIDTHS = [1, 5, 9]  # point scores smoothed over this many steps (1: none), chosen for each method on validation
K = 100  # importance samples of the iw map


def windows_of(values: np.ndarray, window: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """(M, W, C) windows of one recording as vaekit cuts it (every stride, the last ending at T) and their origins."""
    starts = window_starts(0, len(values), window, stride)
    return np.stack([values[s:s + window] for s in starts]), np.stack([np.zeros_like(starts), starts], axis=1)


def fold(maps: np.ndarray, origins: np.ndarray, length: int) -> np.ndarray:
    return point_scores(maps, origins, [length])[0]


def train_vaekit(train: np.ndarray, args: argparse.Namespace, folder: Path) -> torch.nn.Module:
    """A series VAE trained as `vaekit train --data series:path=train.csv --window W --stride S` would."""
    path = folder / "train.csv"
    pd.DataFrame(train, columns=[f"x{c}" for c in range(train.shape[1])]).to_csv(path, index=False)
    starts = len(window_starts(0, len(train), args.window, args.stride))
    epochs = int(np.clip(args.passes // starts, 10, args.max_epochs))  # about the same number of updates each
    config = {"data": {"source": f"series:path={path}", "window": args.window, "stride": args.stride},
              "model": {"latent_dim": args.latent_dim, "network": args.network, "rnn_hidden": args.rnn_hidden},
              "train": {"epochs": epochs, "batch_size": 64, "seed": 0, "lr": args.lr, "early_stopping": args.patience}}
    run = vaekit.train(config, folder / "run", progress=False, pictures=False)
    return run.model


def vaekit_scores(model: torch.nn.Module, values: np.ndarray, args: argparse.Namespace) -> dict[str, np.ndarray]:
    windows, origins = windows_of(values, args.window, args.stride)
    x = torch.from_numpy(np.concatenate([windows, np.ones_like(windows[..., :1])], -1).astype(np.float32))
    return {kind: fold(score_map(model, x, kind, k=K, seed=0).numpy(), origins, len(values)) for kind in MAP_KINDS}


def candidates(method: str, setting: str, steps: np.ndarray) -> dict[str, np.ndarray]:
    """{"method|setting width=m": the point scores smoothed over m steps} for every width, and width=multi: the
    larger of the unsmoothed and the most smoothed scores, each robustly standardized over the scored stretch."""
    found = {f"{method}|{setting} width={width}".replace("| ", "|"): smooth_points(steps, width) for width in WIDTHS}
    found[f"{method}|{setting} width=multi".replace("| ", "|")] = multiscale_points(steps, (1, WIDTHS[-1]))
    return found


class Baselines:
    """IsolationForest and PCA fitted on the training windows; a rolling z-score."""

    def __init__(self, train: np.ndarray, window: int, stride: int) -> None:
        self.window, self.stride = window, stride
        flat = windows_of(train, window, stride)[0].reshape(-1, window * train.shape[1])
        self.forest = IsolationForest(n_estimators=200, random_state=0).fit(flat)
        self.pca = PCA(n_components=0.9, random_state=0).fit(flat)

    def scores(self, values: np.ndarray, before: np.ndarray) -> dict[str, np.ndarray]:
        windows, origins = windows_of(values, self.window, self.stride)
        flat = windows.reshape(len(windows), -1)
        forest = -self.forest.score_samples(flat)
        residual = (flat - self.pca.inverse_transform(self.pca.transform(flat))).reshape(windows.shape)
        history = np.concatenate([before[-self.window:], values])
        frame = pd.DataFrame(history)
        past = frame.rolling(self.window, min_periods=2).agg(["mean", "std"]).shift(1)
        mean = past.xs("mean", axis=1, level=1).to_numpy()
        std = past.xs("std", axis=1, level=1).to_numpy()
        z = np.nanmax(np.abs(history - mean) / np.maximum(std, 1e-6), axis=1)[-len(values):]
        # IForest scores whole windows: smoothing them over steps again would only blur them
        return {"IForest|": fold(np.repeat(forest[:, None], self.window, 1), origins, len(values)),
                **candidates("PCA", "", fold((residual ** 2).sum(-1), origins, len(values))),
                **candidates("z-score", "", np.nan_to_num(z, nan=0.0))}


def metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    precision, recall, _ = precision_recall_curve(labels, scores)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return {"auroc": float(roc_auc_score(labels, scores)), "f1": float(f1.max())}


def run_series(name: str, args: argparse.Namespace) -> dict:
    values = load_series(name)
    length = len(values)
    train_end, val_end = length // 2, int(length * 0.7)
    mean, std = values[:train_end].mean(0), values[:train_end].std(0)
    z = ((values - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
    parts = {"validation": (z[train_end:val_end], z[:train_end]), "test": (z[val_end:], z[:val_end])}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        torch.manual_seed(0)
        model = train_vaekit(z[:train_end], args, Path(folder))
    fitted = time.perf_counter() - started
    baselines = Baselines(z[:train_end], args.window, args.stride)
    found: dict = {"steps": length, "channels": values.shape[1], "fit_seconds": round(fitted, 1)}
    for index, (part, (segment, before)) in enumerate(parts.items()):
        found[part] = {}
        for number, kind in enumerate(KINDS):
            rng = np.random.default_rng(1000 * index + 10 * number + args.seed)
            injected, labels = inject(segment, kind, rng)
            scores = {name: value for kind, steps in vaekit_scores(model, injected, args).items()
                      for name, value in candidates("vaekit", kind, steps).items()}
            scores.update(baselines.scores(injected, before))
            found[part][kind] = {method: metrics(labels, value) for method, value in scores.items()}
    found["seconds"] = round(time.perf_counter() - started, 1)
    print(f"{name}: {length} steps, {found['seconds']} s (vaekit fit {fitted:.0f} s)", flush=True)
    for kind in KINDS:
        row = found["test"][kind]
        print(f"  {kind:12s} " + "  ".join(f"{m} {row[m]['auroc']:.3f}" for m in row if m.endswith(("|", "=1"))),
              flush=True)
    return found


def summary(per_series: dict) -> dict:
    """Each method's setting chosen on validation (its mean AUROC over series and anomaly kinds), and per anomaly
    kind each method's test AUROC and F1 with that setting, averaged over series."""
    def average(part: str, kind: str, name: str, metric: str) -> float:
        return float(np.mean([found[part][kind][name][metric] for found in per_series.values()]))

    names = list(next(iter(per_series.values()))["validation"][KINDS[0]])
    validation = {name: float(np.mean([average("validation", kind, name, "auroc") for kind in KINDS]))
                  for name in names}
    chosen = {method: max((n for n in names if n.startswith(f"{method}|")), key=validation.__getitem__)
              for method in METHODS}
    table = {kind: {method: {metric: average("test", kind, chosen[method], metric) for metric in ("auroc", "f1")}
                    for method in METHODS} for kind in KINDS}
    return {"chosen": chosen, "validation_auroc": validation, "test": table}


def markdown(results: dict) -> str:
    test = results["summary"]["test"]
    chosen = results["summary"]["chosen"]
    settings = results["settings"]
    kind, width = chosen["vaekit"].split("|")[1].split(" width=")
    described = ", ".join(f"{name} ({found['steps']} steps, {found['channels']} channel"
                          + ("s)" if found["channels"] > 1 else ")") for name, found in results["series"].items())
    intro = (f"Series: {described}. First half normal training data, next 20% validation, last 30% test, anomalies "
             "injected at known steps (bench/series_injection.py). vaekit: `--window "
             f"{results['window']} --stride {results['stride']} --rnn-hidden {settings['rnn_hidden']} --latent-dim "
             f"{settings['latent_dim']} --lr {settings['lr']}`, network {results['network']}, epochs for about "
             f"{settings['passes']:,} windows seen (10 to {settings['max_epochs']}, early stopping after "
             f"{settings['patience']}); its {kind} map folded onto steps by the mean over the windows covering each, "
             f"smoothed over {width} steps; IForest on the same windows, PCA reconstruction per step "
             f"(smoothed over {chosen['PCA'].split('=')[1]}), rolling z-score over the {results['window']} steps "
             f"before (smoothed over {chosen['z-score'].split('=')[1]}); each method's setting (vaekit: iw or elbo "
             f"and the smoothing, {', '.join(map(str, WIDTHS))} steps) chosen by its AUROC on the validation parts. "
             f"Importance samples of the iw map: {settings['k']}. Point-wise AUROC (best "
             "F1), mean over the series; the best AUROC in bold:")
    lines = ["## Series: point-wise anomalies in long real series", "",
             f"Command: `{results['command']}`. Machine: {results['machine']}. Whole run: {results['seconds']:.0f} s.",
             "", intro, "", "| anomaly | " + " | ".join(METHODS) + " |", "|---|" + "---|" * len(METHODS)]
    for anomaly, row in test.items():
        best = max(row[m]["auroc"] for m in METHODS)
        cells = [(f"**{row[m]['auroc']:.3f}**" if row[m]["auroc"] == best else f"{row[m]['auroc']:.3f}")
                 + f" ({row[m]['f1']:.3f})" for m in METHODS]
        lines.append(f"| {anomaly} | " + " | ".join(cells) + " |")
    means = {m: np.mean([test[k][m]["auroc"] for k in KINDS]) for m in METHODS}
    lines.append("| mean | " + " | ".join(f"{means[m]:.3f}" for m in METHODS) + " |")
    lines += ["", "Validation AUROC of each setting (mean over series and kinds): "
              + ", ".join(f"{name.replace('|', ' ').strip()} {value:.3f}"
                          for name, value in results["summary"]["validation_auroc"].items())
              + ". Per series: bench/results/series-anomalies.json."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", default=",".join(series_names()))
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--stride", type=int, default=4)
    parser.add_argument("--network", default="rnn")
    parser.add_argument("--rnn-hidden", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--passes", type=int, default=20000, help="about this many windows seen in training")
    parser.add_argument("--max-epochs", type=int, default=300)
    parser.add_argument("--patience", type=int, default=20, help="early stopping on the validation windows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    # one thread: on 2 cores shared with other work, two threads wait on each other at every operation (a GRU
    # step took 0.44 s with 2 threads against 0.018 s with 1 on the loaded benchmark machine)
    torch.set_num_threads(1)
    started = time.perf_counter()
    per_series = {name: run_series(name, args) for name in args.series.split(",")}
    results = {"command": "python " + " ".join(["bench/series_anomalies.py", *sys.argv[1:]]), "machine": machine(),
               "window": args.window, "stride": args.stride, "network": args.network,
               "settings": {"rnn_hidden": args.rnn_hidden, "latent_dim": args.latent_dim, "lr": args.lr,
                            "passes": args.passes, "max_epochs": args.max_epochs, "patience": args.patience, "k": K},
               "series": per_series,
               "summary": summary(per_series), "seconds": time.perf_counter() - started}
    text = markdown(results)
    print(text)
    if not args.no_write:
        write_results("series-anomalies", results, text)


if __name__ == "__main__":
    main()
