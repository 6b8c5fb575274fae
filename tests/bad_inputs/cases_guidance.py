"""`vaekit advise` and `vaekit configs` (and a config given by name): wrong data, goals and names, each refused in
one line with nothing written."""

from __future__ import annotations

from bad_inputs.case import Case

CASES = [
    Case("advise-missing-data-file", r"no-such\.csv", ["advise", "--data", "{root}/no-such.csv"]),
    Case("advise-wrong-label-column", r"label column 'group' is not in", ["advise", "--data", "{root}/t.csv",
                                                                          "--label-column", "group"],
         setup=lambda w: w.write("t.csv", "a,b\n1,2\n3,4\n5,6\n")),
    Case("configs-unknown-name", r"no named config 'vea'; the named ones: .*vae", ["configs", "vea"]),
    Case("train-config-unknown-name", r"config 'vea' is neither a file nor a named config; the named ones: .*vade",
         ["train", "--config", "vea", "--out", "{root}/run"]),
]
