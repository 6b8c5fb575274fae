"""Bad inputs an audit of issue 9's commands found accepted or mishandled: a setting that the command would
ignore, and the like; each now refused with one line before anything is written."""

from __future__ import annotations

from bad_inputs.case import Case

OUT = "{root}/s.csv"

CASES = [
    Case("audit-score-background-without-likelihood-ratio",
         r"--background is read only by the likelihood_ratio score, not by iw",
         ["score", "{run}", "--kind", "iw", "--background", "{run}", "--out", OUT]),
    Case("audit-denoise-noisy-out-is-out", r"--out and --noisy-out both name .*same\.npy: one would overwrite",
         ["denoise", "{run}", "--add-noise", "gaussian:0.3", "--noisy-out", "{root}/same.npy", "--out",
          "{root}/./same.npy"]),
    Case("audit-compress-output-not-vkz", r"x\.npy: choose an output ending in \.vkz",
         ["compress", "{run}", "--out", "{root}/x.npy"]),
]
