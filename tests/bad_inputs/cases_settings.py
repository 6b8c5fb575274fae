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
