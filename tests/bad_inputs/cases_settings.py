"""Bad settings given to `vaekit train`, and commands pointed at things that are not runs."""

from __future__ import annotations

from bad_inputs.case import Case

CASES = [
    Case("unknown-setting-in-config", r"unknown setting model\.latent; did you mean model\.latent_dim",
         ["train", "--config", "{root}/c.yaml", "--out", "{root}/new"],
         setup=lambda w: w.write("c.yaml", "model:\n  latent: 3\n")),
    Case("epochs-zero", r"epochs must be at least 1", ["train", "--epochs", "0", "--out", "{root}/new"]),
    Case("data-path-missing", r"no-such\.npy", ["train", "--data", "{root}/no-such.npy", "--out", "{root}/new"]),
    Case("run-missing", r"run directory .*nowhere does not exist", ["sample", "{root}/nowhere"]),
    Case("setting-no-chosen-posterior-reads", r"flow_steps is not read by the chosen parts .* posterior iaf, planar",
         ["train", "--flow-steps", "8", "--out", "{root}/new"]),
    Case("setting-read-by-another-likelihood", r"gaussian_scale is not read by the chosen parts .*bernoulli.* "
         r"likelihood gaussian, laplace", ["train", "--gaussian-scale", "fixed", "--out", "{root}/new"]),
    Case("setting-read-by-another-prior", r"prior_components is not read .* prior mixture, vamp",
         ["train", "--prior-components", "3", "--out", "{root}/new"]),
    # network auto settles to mlp for images: checked once the data has settled it, before anything is written
    Case("setting-read-by-another-network", r"conv_channels is not read by the chosen parts \(mlp, .* network conv, "
         r"conv1d, resnet, spectrogram", ["train", "--conv-channels", "8,16", "--out", "{root}/new"]),
    Case("setting-of-an-unchosen-network-in-a-file", r"hidden is not read by the chosen parts \(conv, .* network mlp",
         ["train", "--config", "{root}/c.yaml", "--out", "{root}/new"],
         setup=lambda w: w.write("c.yaml", "model:\n  network: conv\n  hidden: [64]\n")),
]

# one message per wrong setting: the one out of range is named alone, with its value (not "a, b and c must be")
CASES += [
    Case("one-setting-named-code-dim", r"^error: code_dim must be at least 1, got 0$",
         ["train", "--code-dim", "0", "--out", "{root}/new"]),
    Case("one-setting-named-cycle-ramp", r"^error: cycle_ramp must be in \(0, 1\], got 1\.5$",
         ["train", "--cycle-ramp", "1.5", "--out", "{root}/new"]),
    Case("one-setting-named-dim-kl-weight", r"^error: dim_kl_weight must be zero or positive, got -1\.0$",
         ["train", "--dim-kl-weight", "-1", "--out", "{root}/new"]),
]

CASES += [
    Case("run-is-a-file", r"^error: run directory .*notes\.txt is a file, not a folder$",
         ["info", "{root}/notes.txt"], setup=lambda w: w.write("notes.txt", "x")),
]


# issue 22: every count has an upper bound, applied before any work (importance samples: config/fields.py
# MAX_IMPORTANCE_SAMPLES, trials: tuning/tune.py MAX_TRIALS), and every seed one range (config/fields.py check_seed)
def _api(name: str):
    import importlib

    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _rows():
    import numpy as np

    return np.random.default_rng(0).random((60, 5))


def _digits():
    import torch

    return torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0))


K_BOUND = r"^error: --k must be at most 100,000 draws per example, got {}$"
SEED_RANGE = r"^error: --seed must be between 0 and 2\*\*63 - 1, got 99999999999999999999999999$"
HUGE = "99999999999999999999999999"

CASES += [
    Case("evaluate-k-too-many", K_BOUND.format(1000000000), ["evaluate", "{run}", "--k", "1000000000"]),
    Case("evaluate-k-past-int64", K_BOUND.format(HUGE), ["evaluate", "{run}", "--k", HUGE]),
    Case("report-k-too-many", K_BOUND.format(1000000000), ["report", "{run}", "--k", "1000000000"]),
    Case("score-k-too-many", K_BOUND.format(1000000000),
         ["score", "{run}", "--k", "1000000000", "--out", "{root}/x.csv"]),
    Case("score-samples-too-many", r"^error: --samples must be at most 100,000 draws per example",
         ["score", "{run}", "--samples", "1000000000", "--out", "{root}/x.csv"]),
    Case("api-score-k-too-many", r"^k must be at most 100,000 draws per example, got 1000000000$",
         api=lambda w: _api("vaekit.score")(_api("vaekit.load")(w.run), _digits(), k=10**9)),
    Case("api-evaluate-k-too-many", r"^k must be at most 100,000 draws per example, got 1000000000$",
         api=lambda w: _api("vaekit.evaluate")(_api("vaekit.load")(w.run), _digits(), k=10**9)),
    Case("api-detector-k-too-many", r"^k must be at most 100,000 draws per example, got 1000000000000$",
         api=lambda w: _api("vaekit.VAEAnomalyDetector")(k=10**12, epochs=1).fit(_rows())),
    Case("api-imputer-k-too-many", r"^k must be at most 100,000 draws per example",
         api=lambda w: _api("vaekit.VAEImputer")(k=10**12, epochs=1).fit(_rows())),
    Case("tune-trials-too-many", r"^error: --trials must be at most 100,000, got 1000000000000$",
         ["tune", "--data", "digits", "--trials", "1000000000000", "--out", "{root}/X"]),
    Case("api-tune-trials-too-many", r"^trials must be at most 100,000, got 1000000000000$",
         api=lambda w: _api("vaekit.tune")({"data": {"source": "digits"}}, w.path("X"), trials=10**12)),
    Case("tune-space-top-cannot-fit", r"^error: --space: at the top of its ranges \(latent_dim=1000000000\) a trial "
         r"needs at least [\d.]+ GB to train, more than the [\d.]+ GB of .*; narrow the range$",
         ["tune", "--data", "digits", "--epochs", "1", "--hidden", "32", "--space", "latent_dim=1:1000000000",
          "--trials", "2", "--out", "{root}/X"]),
    Case("api-train-config-not-a-mapping", r"^config must be a mapping of sections or a vaekit\.Config, got int$",
         api=lambda w: _api("vaekit.train")(42, w.path("x"))),
    Case("api-tune-config-not-a-mapping", r"^config must be a mapping of sections or a vaekit\.Config, got int$",
         api=lambda w: _api("vaekit.tune")(42, w.path("x"))),
    Case("api-embedder-complex", r"^X holds complex128 values; VAEEmbedder needs a numeric \(int or float\) array$",
         api=lambda w: _api("vaekit.VAEEmbedder")(epochs=1).fit(_rows().astype(complex))),
    Case("api-detector-text", r"^X holds text values; VAEAnomalyDetector needs a numeric \(int or float\) array$",
         api=lambda w: _api("vaekit.VAEAnomalyDetector")(epochs=1).fit(_rows().astype(str))),
    Case("api-imputer-latent-neither-count-nor-auto", r"^latent_dim must be a positive integer or auto, got 'half'$",
         api=lambda w: _api("vaekit.VAEImputer")(latent_dim="half", epochs=1).fit(_rows())),
    Case("api-imputer-object-complex", r"^VAEImputer takes numbers \(NaN where missing\); .*text or complex",
         api=lambda w: _api("vaekit.VAEImputer")(epochs=1).fit(_rows().astype(complex).astype(object))),
    Case("api-score-seed-too-large", r"^seed must be between 0 and 2\*\*63 - 1, got 10{30}$",
         api=lambda w: _api("vaekit.score")(_api("vaekit.load")(w.run), _digits(), seed=10**30)),
    Case("api-tune-seed-too-large", r"^seed must be between 0 and 2\*\*63 - 1",
         api=lambda w: _api("vaekit.tune")({"data": {"source": "digits"}}, w.path("X"), seed=2**63)),
    Case("train-seed-too-large", r"^error: seed must be between 0 and 2\*\*63 - 1, got 9{26}$",
         ["train", "--data", "digits", "--seed", HUGE, "--out", "{root}/new"]),
    Case("train-batch-size-a-word", r"^error: train\.batch_size must be an integer or auto; got 'lots'$",
         ["train", "--data", "digits", "--batch-size", "lots", "--out", "{root}/new"]),
    Case("api-detector-batch-size-zero", r"^batch_size must be at least 1, or auto; got 0$",
         api=lambda w: _api("vaekit.VAEAnomalyDetector")(batch_size=0).fit(_rows())),
    Case("impute-check-seed-too-large", r"^error: --check-seed must be between 0 and 2\*\*63 - 1",
         ["impute", "{run}", "--check-seed", HUGE, "--out", "{root}/x.csv"]),
]
# every command's --seed: one check, one line (sample, evaluate, embed, denoise and impute overflowed in torch)
CASES += [Case(f"{argv[0]}-seed-too-large" if argv[0] != "plot" else "plot-samples-seed-too-large", SEED_RANGE,
               [*argv, "--seed", HUGE])
          for argv in (["sample", "{run}"], ["evaluate", "{run}"], ["embed", "{run}", "--out", "{root}/e.csv"],
                       ["denoise", "{run}", "--out", "{root}/d.png"], ["impute", "{run}", "--out", "{root}/i.csv"],
                       ["score", "{run}", "--out", "{root}/s.csv"], ["cluster", "{run}", "--out", "{root}/c.csv"],
                       ["compress", "{run}", "--out", "{root}/x.vkz"], ["plot", "samples", "{run}"],
                       ["fit-prior", "{run}"])]
