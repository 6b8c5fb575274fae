"""Bad inputs an audit of issue 9's commands found accepted or mishandled: a setting that the command would
ignore, and the like; each now refused with one line before anything is written."""

from __future__ import annotations

from bad_inputs.case import Case

OUT = "{root}/s.csv"

CASES = [
    Case("audit-score-background-without-likelihood-ratio",
         r"--background is read only by the likelihood_ratio score, not by iw",
         ["score", "{run}", "--kind", "iw", "--background", "{run}", "--out", OUT]),
]
