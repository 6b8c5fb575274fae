"""The quality report of a synthetic table, in the terms of the field's own library, SDMetrics:

- fidelity: SDMetrics' QualityReport, its score and its two properties, Column Shapes (each column's distribution:
  KS complement for numbers and dates, TV complement for categories) and Column Pair Trends (correlations and
  contingency tables of every pair of columns), with the score of each column and the weakest pairs; the pairs
  are scored by SDMetrics' own pair metrics on bins of the real table (see _pair_trends for why), the report's
  own numbers kept beside them (sdmetrics_quality_score, sdmetrics_column_pair_trends);
- validity: SDMetrics' DiagnosticReport, Data Validity (values inside the real range, categories the real table
  has, a unique key) and Data Structure (the same columns);
- privacy: SDMetrics' distance to closest record (DCR), against random rows drawn inside the real ranges
  (DCRBaselineProtection) and, with a holdout, against real rows the generator never saw
  (DCROverfittingProtection);
- machine-learning efficacy: a scikit-learn HistGradientBoosting model trained on the synthetic rows and the same
  model trained on the real rows, both tested on the holdout (train on synthetic, test on real).

    quality = quality_report(real, synthetic, holdout, {"age": "numerical", "smoker": "boolean", "id": "id"})
    quality.quality_score, quality.column_shape_scores["age"], quality.dcr_overfitting_protection
    write_json("synthetic_quality.json", quality.as_dict())

SDMetrics is the optional extra `pip install 'vaekit[synthetic]'`; machine_learning_efficacy (efficacy.py)
needs only scikit-learn; table_checks.py checks the tables first. Each table is cut to MAX_ROWS rows, a seeded
draw, so that a report takes seconds: the scores are then estimates from those rows, and DCR compares the synthetic
rows to that draw of the real rows only (a copied row outside the draw is not seen as a copy).
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from vaekit.config.fields import check_seed
from vaekit.core.errors import VaekitError
from vaekit.core.io import finite_or_null
from vaekit.tasks.synthesis.efficacy import MachineLearningEfficacy, choose_target, machine_learning_efficacy
from vaekit.tasks.synthesis.table_checks import (
    MAX_ROWS,
    MODELLED,
    SDTYPES,
    check_sdtypes,
    check_tables,
    column_floats,
    draw_rows,
)

if TYPE_CHECKING:
    import pandas as pd

INSTALL = "pip install 'vaekit[synthetic]'"
TABLE = "table"  # the one table's name in the metadata SDMetrics reads
DCR_ROWS = 500  # synthetic rows whose distance to the closest real record is measured (each against MAX_ROWS)
# Column Pair Trends as SDMetrics' QualityReport (0.32) counts them: a pair counts where the real table shows a trend,
# |Pearson r| above 0.5 for two continuous columns, Cramer's V above 0.3 for the others (continuous ones in 10 bins)
CORRELATION_THRESHOLD, ASSOCIATION_THRESHOLD, PAIR_BINS = 0.5, 0.3, 10
WEAKEST_PAIRS = 5  # pairs of columns whose trends the report names, the worst first


@dataclasses.dataclass(frozen=True)
class SyntheticQuality:
    """What quality_report measured; every score runs 0 to 1, higher better, NaN (None in as_dict) where there was
    nothing to measure."""

    quality_score: float  # the mean of column_shapes and column_pair_trends
    column_shapes: float
    column_pair_trends: float  # over the pairs with a trend in the real table (see _pair_trends)
    sdmetrics_quality_score: float  # QualityReport.get_score() itself, its pairs binned table by table
    sdmetrics_column_pair_trends: float
    column_shape_scores: dict[str, float]  # column -> its KS or TV complement
    column_shape_metrics: dict[str, str]  # column -> "KSComplement" or "TVComplement"
    weakest_pairs: list[tuple[str, str, float]]  # (column, column, score), the lowest WEAKEST_PAIRS, lowest first
    pairs_counted: int  # pairs with a trend in the real table; column_pair_trends is their mean score
    diagnostic_score: float  # the mean of data_validity and data_structure
    data_validity: float
    data_structure: float
    validity_scores: dict[str, dict[str, float]]  # column -> {"BoundaryAdherence" | "CategoryAdherence" | ...: score}
    dcr_baseline_protection: float  # synthetic median DCR / random rows' median DCR, capped at 1; 0: copies
    dcr_median_synthetic: float  # median distance (0 to 1) from a synthetic row to its closest real row
    dcr_median_random: float  # the same for random rows drawn inside the real ranges
    dcr_overfitting_protection: float | None  # 2 x the share of synthetic rows closer to the holdout, capped at 1
    closer_to_training: float | None  # the share of synthetic rows closer to the real (training) rows
    ml_efficacy: MachineLearningEfficacy | None  # None without a holdout
    rows: dict[str, int]  # rows read from each table
    sdtypes: dict[str, str]
    seed: int
    sdmetrics_version: str
    notes: list[str]  # what could not be measured, and why

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values (NaN as None)."""
        return finite_or_null(dataclasses.asdict(self))


def _sdmetrics_version() -> str:
    from importlib import metadata

    try:
        import sdmetrics  # noqa: F401
    except ImportError:
        raise VaekitError(f"the quality report of a synthetic table needs SDMetrics: {INSTALL}") from None
    return metadata.version("sdmetrics")


def _metadata(sdtypes: Mapping[str, str], date_formats: Mapping[str, str], real: pd.DataFrame) -> dict[str, Any]:
    """SDMetrics' metadata dict, in the multi-table form {"tables": {TABLE: ...}} that its reports (0.32) insist
    on and its DCR metrics accept with table_name=TABLE. The first id column whose real values are unique is the
    primary key (its uniqueness in the synthetic rows is then checked)."""
    columns: dict[str, dict[str, str]] = {}
    for column, sdtype in sdtypes.items():
        columns[column] = {"sdtype": sdtype}
        if column in date_formats:
            columns[column]["datetime_format"] = date_formats[column]
    table: dict[str, Any] = {"columns": columns}
    keys = [column for column, sdtype in sdtypes.items() if sdtype == "id" and real[column].is_unique]
    if keys:
        table["primary_key"] = keys[0]
    return {"tables": {TABLE: table}}


def _details(report: Any, name: str) -> pd.DataFrame:
    return report.get_details(property_name=name)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """SDMetrics 0.32 under pandas 3 may warn about its own uses of pandas (dtype changes, deprecations): nothing
    a user of vaekit can act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        # scipy's KS test on a column without synthetic values: the report's notes say so
        warnings.filterwarnings("ignore", message="One or more sample arguments is too small")
        yield


def _continuous(frame: pd.DataFrame, sdtypes: Mapping[str, str], date_formats: Mapping[str, str]) -> pd.DataFrame:
    """The modelled columns, numbers and dates as floats (dates as days), categories and booleans as they are."""
    import pandas as pd

    return pd.DataFrame({column: column_floats(frame[column], sdtype, date_formats.get(column))
                         if sdtype in ("numerical", "datetime") else frame[column]
                         for column, sdtype in sdtypes.items() if sdtype in MODELLED})


def _pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: Mapping[str, str],
                 date_formats: Mapping[str, str]) -> tuple[list[tuple[str, str, float]], list[str]]:
    """The score of every pair of columns with a trend in the real table, by SDMetrics' own column-pair metrics
    and thresholds: CorrelationSimilarity (1 - |r_real - r_synthetic| / 2) for two continuous columns,
    ContingencySimilarity (1 - the total variation distance of the two contingency tables) for the others.

    Why not QualityReport's own Column Pair Trends: in SDMetrics 0.32 it cuts a continuous column into bins
    computed from each table on its own (ColumnPairTrends._get_processed_data), so one outlier in either table
    moves every bin edge and a sample of the real table itself can score 0.12 on a pair (diamonds' cut x depth).
    ContingencySimilarity(continuous_column_names=...) bins both on the real table's edges, the outer ones open,
    as SDMetrics' maintainers describe the property (sdv-dev/SDMetrics#368). A pair whose synthetic column is
    constant (no correlation defined) scores as a correlation of 0, where SDMetrics would leave the pair out."""
    import itertools

    from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
    from sdmetrics.errors import ConstantInputError

    real, synthetic = _continuous(real, sdtypes, date_formats), _continuous(synthetic, sdtypes, date_formats)
    continuous = {column for column, sdtype in sdtypes.items() if sdtype in ("numerical", "datetime")}
    scores, notes = [], []
    for pair in itertools.combinations(real.columns, 2):
        columns = list(pair)
        try:
            if continuous.issuperset(pair):
                try:
                    result = CorrelationSimilarity.compute_breakdown(
                        real[columns], synthetic[columns], real_correlation_threshold=CORRELATION_THRESHOLD)
                    real_correlation, score = result["real"], result["score"]
                except (ValueError, ConstantInputError):  # fewer than two synthetic rows with both values, or a
                    # constant column: no synthetic correlation (SDMetrics raises; scored as a correlation of 0)
                    real_correlation, score = real[columns].dropna().corr().iloc[0, 1], np.nan
                if np.isnan(score) and abs(real_correlation) > CORRELATION_THRESHOLD:
                    score = 1 - abs(real_correlation) / 2
            else:
                score = ContingencySimilarity.compute(
                    real[columns], synthetic[columns], continuous_column_names=[c for c in pair if c in continuous],
                    num_discrete_bins=PAIR_BINS, real_association_threshold=ASSOCIATION_THRESHOLD)
        except (ValueError, TypeError) as error:  # a column SDMetrics cannot read: named, the others still scored
            notes.append(f"pair {pair[0]} x {pair[1]}: {error}")
            continue
        if not np.isnan(score):
            scores.append((str(pair[0]), str(pair[1]), float(score)))
    return sorted(scores, key=lambda pair: pair[2]), notes


def _fidelity(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict[str, Any], sdtypes: Mapping[str, str],
              date_formats: Mapping[str, str]) -> dict[str, Any]:
    from sdmetrics.reports import DiagnosticReport, QualityReport

    quality, diagnostic = QualityReport(), DiagnosticReport()
    quality.generate({TABLE: real}, {TABLE: synthetic}, metadata, verbose=False)
    diagnostic.generate({TABLE: real}, {TABLE: synthetic}, metadata, verbose=False)
    scores = quality.get_properties()
    properties = dict(zip(scores["Property"], scores["Score"]))
    scores = diagnostic.get_properties()
    checks = dict(zip(scores["Property"], scores["Score"]))
    shapes = _details(quality, "Column Shapes")
    validity = _details(diagnostic, "Data Validity")
    validity_scores: dict[str, dict[str, float]] = {}
    for column, metric, score in validity[["Column", "Metric", "Score"]].itertuples(index=False):
        validity_scores.setdefault(str(column), {})[str(metric)] = float(score)
    errors = shapes["Error"] if "Error" in shapes.columns else [None] * len(shapes)
    notes = [f"column {column}: no shape score, left out of column_shapes ("
             f"{error if isinstance(error, str) else 'too few known values in a table'})"
             for column, score, error in zip(shapes["Column"], shapes["Score"], errors) if np.isnan(score)]
    pairs, pair_notes = _pair_trends(real, synthetic, sdtypes, date_formats)
    column_shapes = float(properties["Column Shapes"])
    pair_trends = float(np.mean([score for _, _, score in pairs])) if pairs else float("nan")
    if not pairs:
        notes.append("no pair of columns shows a trend in the real table: the quality score is the column shapes")
    return {
        "quality_score": column_shapes if not pairs else (column_shapes + pair_trends) / 2,
        "column_shapes": column_shapes,
        "column_pair_trends": pair_trends,
        "sdmetrics_quality_score": float(quality.get_score()),
        "sdmetrics_column_pair_trends": float(properties["Column Pair Trends"]),
        "column_shape_scores": {str(c): float(s) for c, s in zip(shapes["Column"], shapes["Score"])},
        "column_shape_metrics": {str(c): str(m) for c, m in zip(shapes["Column"], shapes["Metric"])},
        "weakest_pairs": pairs[:WEAKEST_PAIRS],
        "pairs_counted": len(pairs),
        "diagnostic_score": float(diagnostic.get_score()),
        "data_validity": float(checks["Data Validity"]),
        "data_structure": float(checks["Data Structure"]),
        "validity_scores": validity_scores,
        "notes": notes + pair_notes,
    }


def _privacy(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, metadata: dict[str, Any],
             rng: np.random.Generator, seed: int) -> dict[str, Any]:
    from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection

    rows = draw_rows(synthetic, DCR_ROWS, rng)

    class SeededBaseline(DCRBaselineProtection):  # its random rows drawn with our seed (a class attribute there)
        _seed = seed

    # the random rows' missing values are placed with numpy's global generator: seeded here, and given back as it was
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        baseline = SeededBaseline.compute_breakdown(real, rows, metadata, TABLE)
    finally:
        np.random.set_state(state)
    medians = baseline["median_DCR_to_real_data"]
    result = {"dcr_baseline_protection": float(baseline["score"]),
              "dcr_median_synthetic": float(medians["synthetic_data"]),
              "dcr_median_random": float(medians["random_data_baseline"]),
              "dcr_overfitting_protection": None, "closer_to_training": None}
    if holdout is not None:
        # as many training rows as holdout rows: the larger set would otherwise hold the closer records by its size
        size = min(len(real), len(holdout))
        overfitting = DCROverfittingProtection.compute_breakdown(draw_rows(real, size, rng), rows,
                                                                 draw_rows(holdout, size, rng), metadata, TABLE)
        result["dcr_overfitting_protection"] = float(overfitting["score"])
        result["closer_to_training"] = float(overfitting["synthetic_data_percentages"]["closer_to_training"])
    return result


def quality_report(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None,
                   sdtypes: dict[str, str], target: str | None = None, seed: int = 0,
                   datetime_formats: dict[str, str] | None = None) -> SyntheticQuality:
    """The quality of `synthetic` against `real` (the rows its generator learnt from) and `holdout` (real rows it
    never saw; None leaves out DCR overfitting protection and machine-learning efficacy).

    `sdtypes` maps every column of the tables to "numerical", "categorical", "boolean", "datetime" or "id"; a
    datetime column held as text needs its format in `datetime_formats` (e.g. {"joined": "%Y-%m-%d"}). The three
    tables must have exactly these columns, with values of these kinds: else one DataError says which column of
    which table is wrong. `target` is the column machine-learning efficacy predicts (default: choose_target).
    Each table is cut to MAX_ROWS rows, drawn with `seed`; SDMetrics missing is a VaekitError naming the install.
    """
    version = _sdmetrics_version()
    check_seed("seed", seed)
    check_sdtypes(sdtypes, datetime_formats, target)
    date_formats = dict(datetime_formats or {})
    real, synthetic, holdout = check_tables(real, synthetic, holdout, sdtypes, date_formats)
    rng = np.random.default_rng(seed)
    real, synthetic = draw_rows(real, MAX_ROWS, rng), draw_rows(synthetic, MAX_ROWS, rng)
    holdout = draw_rows(holdout, MAX_ROWS, rng) if holdout is not None else None
    metadata = _metadata(sdtypes, date_formats, real)
    with _quiet():
        fidelity = _fidelity(real, synthetic, metadata, sdtypes, date_formats)
        privacy = _privacy(real, synthetic, holdout, metadata, rng, seed)
    notes = list(fidelity.pop("notes"))
    efficacy = None
    if holdout is None:
        notes.append("no holdout: DCR overfitting protection and machine-learning efficacy were not measured")
    elif target is None and not any(sdtype in ("numerical", "categorical", "boolean") for sdtype in sdtypes.values()):
        notes.append("only dates to predict: machine-learning efficacy was not measured (name a target)")
    else:
        efficacy = machine_learning_efficacy(real, synthetic, holdout, sdtypes, target, seed, date_formats)
    rows = {"real": len(real), "synthetic": len(synthetic)} | ({"holdout": len(holdout)} if holdout is not None
                                                                else {})
    return SyntheticQuality(**fidelity, **privacy, ml_efficacy=efficacy, rows=rows, sdtypes=dict(sdtypes),
                            seed=seed, sdmetrics_version=version, notes=notes)


__all__ = ["DCR_ROWS", "INSTALL", "MAX_ROWS", "SDTYPES", "MachineLearningEfficacy", "SyntheticQuality",
           "check_sdtypes", "choose_target", "machine_learning_efficacy", "quality_report"]
