"""Synthetic tables: metadata files that contradict the data, conditions on unknown columns or impossible values,
rules no training row keeps, and the synthesizer misused from Python."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from bad_inputs.case import Case, Workspace
from synthetic_table import mixed_frame
from vaekit.config import Config
from vaekit.estimators.synthesizer import TableSynthesizer
from vaekit.training.loop import train

NEW = ["--epochs", "1", "--out", "{root}/new"]
_TRAINED: dict[str, Path] = {}


def _table(w: Workspace) -> None:
    mixed_frame().to_csv(w.path("people.csv"), index=False)


def _table_run(w: Workspace) -> None:
    """A run of the mixed table (trained once per session, copied into each workspace as `tab`)."""
    _table(w)
    if "run" not in _TRAINED:  # trained from a file, as `vaekit train --metadata auto` does: its rows read again
        folder = Path(tempfile.mkdtemp(prefix="vaekit-table-run-"))
        mixed_frame().to_csv(folder / "people.csv", index=False)
        config = Config.from_dict({"data": {"source": str(folder / "people.csv"), "metadata": "auto"},
                                   "train": {"epochs": 1}})
        train(config, folder / "tab", progress=False, pictures=False)
        _TRAINED["run"] = folder / "tab"
    shutil.copytree(_TRAINED["run"], w.path("tab"), ignore=shutil.ignore_patterns("*.lock"))


def _metadata(columns: list[dict]) -> callable:
    def setup(w: Workspace) -> None:
        _table(w)
        w.write("meta.json", json.dumps({"columns": columns}))
    return setup


def _rules(rules: list[dict], run: bool = True) -> callable:
    def setup(w: Workspace) -> None:
        (_table_run if run else _table)(w)
        w.write("rules.json", json.dumps({"constraints": rules}))
    return setup


def _tampered(change: callable) -> callable:
    """The table run with its synthesis.json changed by `change` (a function of the parsed JSON)."""
    def setup(w: Workspace) -> None:
        _table_run(w)
        path = w.path("tab") / "synthesis.json"
        saved = json.loads(path.read_text())
        change(saved)
        path.write_text(json.dumps(saved))
    return setup


def _first_map(saved: dict) -> dict:
    return next(iter(saved["maps"].values()))


TRAIN = ["train", "--data", "{root}/people.csv", "--metadata", "{root}/meta.json", *NEW]
SAMPLE = ["sample", "{root}/tab", "-n", "5", "--out", "{root}/out.csv"]

CASES = [
    Case("metadata-integer-holds-fraction", r"declares column 'income' integer, but it holds",
         TRAIN, setup=_metadata([{"name": "income", "type": "integer"}])),
    Case("metadata-unknown-column", r"declares column 'salary', which the table does not have",
         TRAIN, setup=_metadata([{"name": "salary", "type": "continuous"}])),
    Case("metadata-unknown-type", r"columns\[0\]\.type must be one of",
         TRAIN, setup=_metadata([{"name": "age", "type": "money"}])),
    Case("metadata-boolean-three-values", r"declares column 'city' boolean, but it has 3 values",
         TRAIN, setup=_metadata([{"name": "city", "type": "boolean"}])),
    Case("metadata-not-nullable-has-nulls", r"declares column 'income' not nullable, but it holds \d+ nulls",
         TRAIN, setup=_metadata([{"name": "income", "type": "continuous", "nullable": False}])),
    Case("metadata-bounds-exclude-data", r"declares column 'age' within \[30, 40\], but its values run",
         TRAIN, setup=_metadata([{"name": "age", "type": "integer", "low": 30, "high": 40}])),
    Case("metadata-levels-miss-a-value", r"lists the values of column 'city', but the data also holds",
         TRAIN, setup=_metadata([{"name": "city", "type": "categorical", "values": ["Oslo", "Lima"]}])),
    Case("metadata-date-format-wrong", r"declared datetime with format '%d/%m/%Y' but holds",
         TRAIN, setup=_metadata([{"name": "joined", "type": "datetime", "format": "%d/%m/%Y"}])),
    Case("metadata-identifier-repeats", r"declares column 'city' an identifier, but it repeats",
         TRAIN, setup=_metadata([{"name": "city", "type": "identifier"}])),
    Case("metadata-constant-varies", r"declares column 'age' constant, but it holds \d+ values",
         TRAIN, setup=_metadata([{"name": "age", "type": "constant"}])),
    Case("metadata-column-twice", r"declares a column twice", TRAIN,
         setup=_metadata([{"name": "age", "type": "integer"}, {"name": "age", "type": "integer"}])),
    Case("metadata-not-json", r"meta\.json", TRAIN,
         setup=lambda w: (_table(w), w.write("meta.json", "{columns: nope"))),
    Case("metadata-on-images", r"metadata applies to \.csv and \.parquet tables only",
         ["train", "--data", "digits", "--metadata", "auto", *NEW]),
    Case("metadata-with-column-types", r"give types in its file, not with column_types",
         ["train", "--data", "{root}/people.csv", "--metadata", "auto", "--column-types", "age:continuous", *NEW],
         setup=_table),
    Case("given-unknown-column", r"--given names 'salary', which is not a column",
         [*SAMPLE, "--given", "salary=3"], setup=_table_run),
    Case("given-value-never-held", r"condition city='Rome': the column never holds that value",
         [*SAMPLE, "--given", "city=Rome"], setup=_table_run),
    Case("given-outside-range", r"condition age=200\.0 is outside the column's range \[18, 79\]",
         [*SAMPLE, "--given", "age=200"], setup=_table_run),
    Case("given-null-never-null", r"asks for a null in column 'city', which never holds one",
         [*SAMPLE, "--given", "city=null"], setup=_table_run),
    Case("given-identifier", r"column 'customer_id' is of type identifier, which is not modelled",
         [*SAMPLE, "--given", "customer_id=1000"], setup=_table_run),
    Case("given-text-for-number", r"--given age='old': the column holds integer numbers",
         [*SAMPLE, "--given", "age=old"], setup=_table_run),
    Case("given-not-name-value", r"--given items look like column=value",
         [*SAMPLE, "--given", "Oslo"], setup=_table_run),
    Case("given-on-images", r"--given and --constraints are for a run on a table",
         ["sample", "{run}", "-n", "2", "--given", "a=1", "--out", "{root}/x.png"]),
    Case("given-conditions-file-empty", r"has no rows: one row per wanted sample",
         [*SAMPLE, "--given", "{root}/wanted.csv"],
         setup=lambda w: (_table_run(w), w.write("wanted.csv", "city,age\n"))),
    Case("given-file-under-its-draws", r"would write its effective draws over the conditions",
         ["sample", "{root}/tab", "--given", "{root}/out-effective-draws.csv", "--out", "{root}/out.csv"],
         setup=lambda w: (_table_run(w), w.write("out-effective-draws.csv", "city\nLima\n"))),
    Case("synthetic-out-picture", r"a synthetic table is written as \.csv or \.parquet",
         ["sample", "{root}/tab", "-n", "5", "--out", "{root}/out.png"], setup=_table_run),
    Case("rule-no-training-row", r"constraint age <= 10 holds in none of the \d+ training rows",
         [*SAMPLE, "--constraints", "{root}/rules.json"],
         setup=_rules([{"type": "range", "column": "age", "high": 10}])),
    Case("rule-unknown-column", r"constraint .* names column 'salary', which the table does not have",
         [*SAMPLE, "--constraints", "{root}/rules.json"],
         setup=_rules([{"type": "inequality", "low": "age", "high": "salary"}])),
    Case("rule-unknown-type", r"constraints\[0\]\.type must be one of inequality, range",
         [*SAMPLE, "--constraints", "{root}/rules.json"], setup=_rules([{"type": "sometimes"}])),
    Case("rule-range-without-bounds", r"constraints\[0\] \(a range\) needs low, high or both",
         [*SAMPLE, "--constraints", "{root}/rules.json"], setup=_rules([{"type": "range", "column": "age"}])),
    Case("rule-python-file-missing", r"constraint file 'rules\.py' is not a file",
         [*SAMPLE, "--constraints", "{root}/rules.json"],
         setup=_rules([{"type": "python", "file": "rules.py", "function": "valid"}])),
    Case("rule-python-raises", r"constraint valid\(\) of rules\.py failed .*ZeroDivisionError",
         [*SAMPLE, "--constraints", "{root}/rules.json"],
         setup=lambda w: (_rules([{"type": "python", "file": "rules.py", "function": "valid"}])(w),
                          w.write("rules.py", "def valid(frame):\n    return 1 / 0\n"))),
    Case("rule-python-wrong-shape", r"must give one bool per row",
         [*SAMPLE, "--constraints", "{root}/rules.json"],
         setup=lambda w: (_rules([{"type": "python", "file": "rules.py", "function": "valid"}])(w),
                          w.write("rules.py", "def valid(frame):\n    return [True]\n"))),
    Case("calibration-knots-decreasing", r"synthesis\.json: maps\.\w+\.model must be finite numbers in increasing",
         SAMPLE, setup=_tampered(lambda saved: _first_map(saved).update(model=_first_map(saved)["model"][::-1]))),
    Case("calibration-latent-width", r"synthesis\.json: the latent mixture's means and covariances must be",
         SAMPLE, setup=_tampered(lambda saved: saved["latent"].update(
             means=[row + [0.0] for row in saved["latent"]["means"]]))),
    Case("calibration-offsets-length", r"synthesis\.json: offsets\.\d+ is not a model column's finite logit",
         SAMPLE, setup=_tampered(lambda saved: saved["offsets"].update(
             {key: values + [0.0] for key, values in saved["offsets"].items()}))),
    Case("calibration-unknown-field", r"synthesis\.json: field extra is not one this format has",
         SAMPLE, setup=_tampered(lambda saved: saved.update(extra=1))),
    Case("api-synthesizer-not-frame", r"TableSynthesizer\.fit takes a pandas DataFrame, got ndarray",
         api=lambda w: TableSynthesizer(epochs=1).fit(mixed_frame().to_numpy())),
    Case("api-synthesizer-not-fitted", r"not fitted yet", api=lambda w: TableSynthesizer().sample(3)),
    Case("api-synthesizer-unknown-setting", r"TableSynthesizer has no setting 'epoch'",
         api=lambda w: TableSynthesizer(epoch=3).fit(mixed_frame())),
    Case("api-synthesizer-condition-unknown", r"condition on 'salary', which is not a column",
         setup=_table_run, api=lambda w: TableSynthesizer.load(w.path("tab")).sample(2, conditions={"salary": 1})),
    Case("api-synthesizer-load-images", r"is not a run of a table read with its metadata",
         api=lambda w: TableSynthesizer.load(w.run)),
]
