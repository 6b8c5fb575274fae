"""The spectrogram VAE on the Free Spoken Digit Dataset: its test split's negative ELBO, importance-weighted
-log p(x) and reconstruction error, and linear probes of the digit and of the speaker from its codes against the
same probes on the raw log-mel features averaged over time, all in one run on the same data and split.

Data: FSDD's 3,000 recordings (6 speakers x 10 digits x 50), 8 kHz, its own split (recordings 0-4 of each speaker
and digit: 300 test, 2,700 train), cut to 1 s (20 recordings are longer), as log-mel spectrograms (n_fft 512, hop
128, 40 mel bands, floor 1e-6): (1, 40, 63) per recording, NaN-padded after its end (about half the entries).

vaekit models (seed 0, CPU, one thread): network spectrogram (1-D convolutions over time, the mel bands as
channels, conv_channels 64, 128, 256, stride 2), latent_dim 32, a Gaussian and a Laplace likelihood with a learned
scale per entry on standardized log-mel values (standardize: auto), Adam 1e-3, batch 64, 60 epochs; padding
frames are unobserved (never scored, the encoder reads the mask).
Peers on the same split:
  - no latent code: one independent Gaussian per spectrogram entry, fitted to the training split's real values
    (its exact -log p(x) and its mean as the "reconstruction" of every recording);
  - raw features: the log-mel spectrogram averaged over each recording's real frames (40 numbers), probed by the
    same logistic regression (vaekit.tasks.evaluation.probe: standardised, scikit-learn's LogisticRegression).

    nice -n 10 python bench/audio_fsdd.py            # writes bench/results/audio_fsdd.json, its BENCHMARKS.md section
                                                     # and docs/fsdd-latent.png
    nice -n 10 python bench/audio_fsdd.py --quick    # a smoke run: 2 epochs, k = 5; writes nothing
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from report import ROOT, machine, write_results  # noqa: E402
from vaekit.data.audio.folder import speaker_names  # noqa: E402
from vaekit.data.audio.spectrogram import SpectrogramSettings  # noqa: E402
from vaekit.tasks.evaluation.evaluate import evaluate  # noqa: E402
from vaekit.tasks.evaluation.probe import linear_probe_accuracy  # noqa: E402
from vaekit.tasks.outputs import embed  # noqa: E402

FSDD = Path("/work/shared/datasets/fsdd/recordings")
COMMAND = "nice -n 10 .venv/bin/python bench/audio_fsdd.py"
SPECTROGRAM = SpectrogramSettings(max_seconds=1.0)
NETWORK = {"network": "spectrogram", "conv_channels": [64, 128, 256], "latent_dim": 32}
TRAIN = {"batch_size": 64, "lr": 1e-3, "seed": 0, "device": "cpu"}
LIKELIHOODS = ("gaussian", "laplace")
EPOCHS, K = 60, 200
PICTURE = ROOT / "docs" / "fsdd-latent.png"


def time_averaged(x: torch.Tensor) -> np.ndarray:
    """(N, n_mels): each recording's log-mel values averaged over its real (not padding) frames."""
    return torch.nanmean(x[:, 0], dim=-1).numpy()


def independent_gaussian(train_x: torch.Tensor, test_x: torch.Tensor) -> dict[str, float]:
    """The model without a latent code: an independent Gaussian per entry, fitted to the real training values."""
    observed = ~torch.isnan(train_x)
    count = observed.sum(0).clamp(min=1)
    mean = torch.where(observed, train_x, 0).sum(0) / count
    var = torch.where(observed, (train_x - mean) ** 2, 0).sum(0) / count
    var = torch.where(observed.sum(0) > 1, var, var[observed.sum(0) > 1].mean()).clamp(min=1e-6)
    real = ~torch.isnan(test_x)
    scores = torch.distributions.Normal(mean, var.sqrt()).log_prob(torch.where(real, test_x, mean))
    nll = -torch.where(real, scores, 0).flatten(1).sum(1)
    squared = torch.where(real, (test_x - mean) ** 2, 0).flatten(1).sum(1) / real.flatten(1).sum(1)
    return {"neg_log_likelihood": float(nll.mean()), "reconstruction_mse": float(squared.mean())}


def reconstruction_mse(model: vaekit.VAE, x: torch.Tensor) -> float:
    """Mean over recordings of the mean squared log-mel error over their real entries, at the posterior mean."""
    recon = torch.cat([model.reconstruct(x[start:start + 100]) for start in range(0, len(x), 100)])
    real = ~torch.isnan(x)
    squared = torch.where(real, (recon - x) ** 2, 0).flatten(1).sum(1) / real.flatten(1).sum(1)
    return float(squared.mean())


def train_one(data: vaekit.Dataset, likelihood: str, epochs: int, k: int, out: Path) -> tuple[dict, dict]:
    # the data come in memory; the config names them too, so that the run directory reloads them
    config = vaekit.Config.from_dict({"data": {"source": str(FSDD), "max_seconds": SPECTROGRAM.max_seconds},
                                      "model": {**NETWORK, "likelihood": likelihood},
                                      "train": {**TRAIN, "epochs": epochs}})
    start = time.perf_counter()
    run = vaekit.train(config, out / likelihood, progress=False, data=data, pictures=False)
    seconds = time.perf_counter() - start
    model = run.model.eval()
    found = evaluate(model, data, k=k, disentanglement=False)
    speakers_train, speakers_test = data.factors("train")[:, 1].long(), data.factors("test")[:, 1].long()
    train_codes, test_codes = embed(model, data.train_x).numpy(), embed(model, data.test_x).numpy()
    result = {
        "train_seconds": round(seconds, 1), "epochs": epochs,
        "neg_elbo": found["neg_elbo"], "neg_log_likelihood": found["neg_log_likelihood"],
        "rate": found["rate"], "active_units": found["active_units"],
        "reconstruction_mse": reconstruction_mse(model, data.test_x),
        "probe_digit": linear_probe_accuracy(train_codes, data.train_y.numpy(), test_codes, data.test_y.numpy()),
        "probe_speaker": linear_probe_accuracy(train_codes, speakers_train.numpy(), test_codes,
                                               speakers_test.numpy()),
    }
    return result, {"test_codes": test_codes}


def save_scatter(codes: np.ndarray, digits: np.ndarray, speakers: np.ndarray, names: list[str], path: Path) -> None:
    """Two panels of the test codes' two leading principal directions: coloured by digit, and by speaker."""
    from matplotlib.figure import Figure

    from vaekit.plots.latent import latent_directions
    from vaekit.plots.save import save_figure

    points = (torch.from_numpy(codes) @ latent_directions(torch.from_numpy(codes)).T).numpy()
    fig = Figure(figsize=(13, 5.5))
    for position, (colours, title, labels) in enumerate(((digits, "digit", [str(d) for d in range(10)]),
                                                         (speakers, "speaker", names)), start=1):
        axes = fig.add_subplot(1, 2, position)
        for value, label in enumerate(labels):
            chosen = colours == value
            axes.scatter(points[chosen, 0], points[chosen, 1], s=9, alpha=0.8, label=label,
                         color=f"C{value}" if value < 10 else None)
        axes.legend(title=title, fontsize=7, markerscale=1.5, loc="best")
        axes.set_xlabel("first principal direction of the posterior means")
        axes.set_ylabel("second principal direction")
        axes.set_title(f"FSDD test split (300 recordings), coloured by {title}")
    save_figure(fig, path)


def markdown(results: dict) -> str:
    peer = results["no_latent_code"]
    rows = []
    for name in LIKELIHOODS:
        found = results["vaekit"][name]
        cells = [f"{found['neg_elbo']['mean']:.1f} ± {found['neg_elbo']['se']:.1f}",
                 f"{found['neg_log_likelihood']['mean']:.1f}", f"{found['rate']['mean']:.1f}",
                 f"{found['reconstruction_mse']:.3f}", f"{found['probe_digit']:.3f}", f"{found['probe_speaker']:.3f}",
                 f"{found['train_seconds']:.0f} s"]
        rows.append(f"| vaekit spectrogram VAE, {name} | {' | '.join(cells)} |")
    raw = results["raw_time_averaged"]
    rows.append(f"| no latent code: independent Gaussian per entry | - | {peer['neg_log_likelihood']:.1f} | 0 | "
                f"{peer['reconstruction_mse']:.3f} | - | - | - |")
    rows.append(f"| raw log-mel averaged over time (40 numbers) | - | - | - | - | {raw['probe_digit']:.3f} | "
                f"{raw['probe_speaker']:.3f} | - |")
    settings = results["spectrogram"]
    return f"""## Audio: a spectrogram VAE on the Free Spoken Digit Dataset

`{results['command']}` ({results['machine']}; {results['date']}).

FSDD's own split: the 300 recordings numbered 0-4 of each speaker and digit are the test split, the other 2,700
train. Each recording, cut to {settings['max_seconds']:g} s, is a log-mel spectrogram ({settings['n_mels']} mel
bands, n_fft {settings['n_fft']}, hop {settings['hop_length']} at {settings['sample_rate']} Hz, ln of the power
with a floor of {settings['floor']:g}): (1, {settings['n_mels']}, {settings['frames']}), NaN-padded after its end;
{results['real_entries_per_recording']:.0f} of its {settings['n_mels'] * settings['frames']} entries are real on
average. vaekit: network `spectrogram` (1-D convolutions over time, conv_channels {NETWORK['conv_channels']}),
latent_dim {NETWORK['latent_dim']}, {results['epochs']} epochs, Adam 1e-3, batch 64, seed 0; padding frames are
never scored. Nats per recording on the test split (its real entries only); -log p(x) is the importance-weighted
estimate with k = {results['k']}. Reconstruction: mean squared error of the log-mel values at the posterior
mean (squared nats of power; 1 nat = 4.34 dB). Probes: logistic regression on the training split's features,
accuracy on the test split (chance: 0.1 for the digit, 0.167 for the speaker).

| model | -ELBO | -log p(x) | rate | reconstruction MSE | digit probe | speaker probe | training |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{results['verdict']}

![FSDD test codes coloured by digit and by speaker](docs/fsdd-latent.png)
"""


def verdict(results: dict) -> str:
    raw, peer = results["raw_time_averaged"], results["no_latent_code"]
    lines = []
    for name in LIKELIHOODS:
        found = results["vaekit"][name]
        gain = peer["neg_log_likelihood"] - found["neg_log_likelihood"]["mean"]
        share = found["reconstruction_mse"] / peer["reconstruction_mse"]
        lines.append(f"The {name} spectrogram VAE's -log p(x) is {gain:.0f} nats per recording below the model "
                     f"without a latent code ({gain / results['real_entries_per_recording']:.2f} nats per real "
                     f"entry) and its reconstruction error {share:.0%} of that model's; a linear probe reads the digit "
                     f"from its {NETWORK['latent_dim']} numbers with "
                     f"{found['probe_digit']:.1%} accuracy ({_than(found['probe_digit'], raw['probe_digit'])} the "
                     f"{raw['probe_digit']:.1%} of the 40 time-averaged log-mel values) and the speaker with "
                     f"{found['probe_speaker']:.1%} ({_than(found['probe_speaker'], raw['probe_speaker'])} "
                     f"{raw['probe_speaker']:.1%}).")
    error = (raw["probe_digit"] * (1 - raw["probe_digit"]) / results["test_recordings"]) ** 0.5
    lines.append(f"On {results['test_recordings']} test recordings a probe accuracy near {raw['probe_digit']:.0%} "
                 f"has a standard error of about {error:.1%}, so the digit probes differ by one or two standard "
                 "errors: the codes hold about as much of the digit and the speaker as the time-averaged spectrum.")
    return " ".join(lines)


def _than(found: float, peer: float) -> str:
    return "above" if found > peer else "below" if found < peer else "equal to"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 epochs, k = 5; writes nothing")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--from-results", action="store_true",
                        help="write the BENCHMARKS.md section again from bench/results/audio_fsdd.json, training "
                        "nothing")
    args = parser.parse_args()
    if args.from_results:
        results = json.loads((ROOT / "bench" / "results" / "audio_fsdd.json").read_text())
        results["verdict"] = verdict(results)
        write_results("audio_fsdd", results, markdown(results))
        return
    torch.set_num_threads(1)
    epochs, k = (2, 5) if args.quick else (args.epochs, K)
    data = vaekit.load_dataset(str(FSDD), spectrogram=SPECTROGRAM)
    real = float((~torch.isnan(data.test_x)).flatten(1).sum(1).double().mean())
    speakers_train, speakers_test = data.factors("train")[:, 1].long(), data.factors("test")[:, 1].long()
    raw_train, raw_test = time_averaged(data.train_x), time_averaged(data.test_x)
    results: dict = {
        "machine": machine(), "command": COMMAND, "date": time.strftime("%Y-%m-%d"), "epochs": epochs, "k": k,
        "spectrogram": data.spectrogram.to_dict(), "real_entries_per_recording": real,
        "test_recordings": len(data.test_x),
        "network": NETWORK, "train": TRAIN,
        "no_latent_code": independent_gaussian(data.train_x, data.test_x),
        "raw_time_averaged": {
            "probe_digit": linear_probe_accuracy(raw_train, data.train_y.numpy(), raw_test, data.test_y.numpy()),
            "probe_speaker": linear_probe_accuracy(raw_train, speakers_train.numpy(), raw_test,
                                                   speakers_test.numpy())},
        "vaekit": {},
    }
    codes = None
    with tempfile.TemporaryDirectory() as out:
        for likelihood in LIKELIHOODS:
            found, extra = train_one(data, likelihood, epochs, k, Path(out))
            results["vaekit"][likelihood] = found
            codes = extra["test_codes"] if likelihood == "gaussian" else codes
            print(likelihood, {key: found[key] for key in ("neg_elbo", "reconstruction_mse", "probe_digit",
                                                            "probe_speaker", "train_seconds")}, flush=True)
    print("no latent code", results["no_latent_code"], "raw", results["raw_time_averaged"], flush=True)
    results["verdict"] = verdict(results)
    if args.quick:
        print(results["verdict"])
        return
    _, _, test_ids = data.examples("test")
    save_scatter(codes, data.test_y.numpy(), speakers_test.numpy(), speaker_names(test_ids), PICTURE)
    write_results("audio_fsdd", results, markdown(results))
    print(f"wrote BENCHMARKS.md, bench/results/audio_fsdd.json and {PICTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
