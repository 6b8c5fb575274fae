"""Synthetic tables: metadata detected and declared, tables coded and decoded exactly, and a synthesizer whose
samples keep the input's columns, dtypes, bounds, nulls, conditions and rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from synthetic_table import mixed_frame
from vaekit.cli import main
from vaekit.data.table.encoding import decode_table, encode_table
from vaekit.data.table.metadata import detect_metadata, read_metadata
from vaekit.estimators.synthesizer import TableSynthesizer
from vaekit.tasks.synthesis.constraints import Rule, fixed_combinations, inequality


def test_detected_types_and_what_each_keeps() -> None:
    specs = {spec.name: spec for spec in detect_metadata(mixed_frame()).columns}
    assert {name: spec.type for name, spec in specs.items()} == {
        "customer_id": "identifier", "age": "integer", "income": "continuous", "city": "categorical",
        "member": "boolean", "joined": "datetime", "country": "constant"}
    assert specs["income"].nullable and specs["income"].decimals == 2 and specs["income"].distribution == "mixture"
    assert specs["city"].values == ["Lima", "Oslo", "Pune"] and not specs["city"].nullable
    assert specs["joined"].format == "%Y-%m-%d" and specs["country"].value == "NO"
    assert specs["age"].low == int(mixed_frame().age.min()) and specs["age"].high == int(mixed_frame().age.max())


def test_coding_a_table_and_back_is_exact() -> None:
    frame = mixed_frame()
    metadata = detect_metadata(frame)
    coded = encode_table(frame, metadata)
    # identifier and constant are not modelled; income has its null indicator
    assert coded.columns == ["age", "income", "income (null)", "city", "member", "joined"]
    assert coded.types == ["mixture", "mixture", "binary", "categorical", "binary", "mixture"]
    back = decode_table(coded.x.astype(np.float64), metadata, first_id=1000)
    pd.testing.assert_frame_equal(back, frame)


def test_a_declared_column_wins_and_the_rest_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"columns": [{"name": "age", "type": "categorical"},
                                            {"name": "income", "type": "continuous", "distribution": "gaussian"}]}))
    specs = {spec.name: spec for spec in read_metadata(path, mixed_frame()).columns}
    assert specs["age"].type == "categorical" and len(specs["age"].values) == mixed_frame().age.nunique()
    assert specs["income"].distribution == "gaussian" and specs["income"].nullable  # completed from the data
    assert specs["city"].type == "categorical"


@pytest.fixture(scope="module")
def synthesizer() -> TableSynthesizer:
    return TableSynthesizer(epochs=60, seed=0).fit(mixed_frame(600))


def test_samples_keep_columns_dtypes_bounds_and_nulls(synthesizer: TableSynthesizer) -> None:
    real = mixed_frame(600)
    synthetic = synthesizer.sample(2000)
    assert list(synthetic.columns) == list(real.columns)
    assert synthetic.dtypes.to_dict() == real.dtypes.to_dict()
    assert synthetic.customer_id.is_unique and (synthetic.country == "NO").all()
    assert synthetic.age.between(real.age.min(), real.age.max()).all()
    income = synthetic.income.dropna()
    assert income.between(real.income.min(), real.income.max()).all()
    assert np.allclose(income, income.round(2))
    assert abs(synthetic.income.isna().mean() - real.income.isna().mean()) < 0.05  # nulls at their rate
    dates = pd.to_datetime(synthetic.joined, format="%Y-%m-%d")
    assert dates.between(pd.Timestamp(real.joined.min()), pd.Timestamp(real.joined.max())).all()
    shares = synthetic.city.value_counts(normalize=True)
    for city, share in real.city.value_counts(normalize=True).items():
        assert abs(shares[city] - share) < 0.08, (city, shares[city], share)


def test_conditions_are_met_through_the_model(synthesizer: TableSynthesizer) -> None:
    oslo = synthesizer.sample(300, conditions={"city": "Oslo"}, seed=1)
    effective = synthesizer.last_sample_.effective_samples
    pune = synthesizer.sample(300, conditions={"city": "Pune"}, seed=1)
    assert (oslo.city == "Oslo").all() and (pune.city == "Pune").all()
    assert effective.shape == (300,) and (effective >= 1).all()
    # the relation the model learned: incomes in Oslo are twice Pune's in the real rows
    assert oslo.income.median() > 1.4 * pune.income.median(), (oslo.income.median(), pune.income.median())
    nulls = synthesizer.sample(20, conditions={"income": "null", "member": True})
    assert nulls.income.isna().all() and nulls.member.all()
    given = synthesizer.sample(20, conditions={"income": 30000.25, "age": 33})  # kept exactly, not remapped
    assert (given.income == 30000.25).all() and (given.age == 33).all()


def test_rules_are_kept_in_every_row(synthesizer: TableSynthesizer) -> None:
    rule = inequality("age", "income")  # always true here: a rule that costs no rejection
    own = Rule("members under 50", lambda frame: ~frame.member | (frame.age < 50), ("member", "age"))
    pairs = fixed_combinations(["city", "member"])
    synthesizer.rules_ = [rule, own, pairs]
    try:
        from vaekit.tasks.synthesis.constraints import check_training

        check_training(synthesizer.rules_, mixed_frame(600))
        rows = synthesizer.sample(500, seed=2)
    finally:
        synthesizer.rules_ = []
    assert (~rows.member | (rows.age < 50)).all()
    assert 0 < synthesizer.last_sample_.acceptance < 1
    assert synthesizer.last_sample_.drawn > 500


def test_save_and_load_sample_the_same_rows(synthesizer: TableSynthesizer, tmp_path: Path) -> None:
    synthesizer.save(tmp_path / "saved")
    again = TableSynthesizer.load(tmp_path / "saved")
    pd.testing.assert_frame_equal(again.sample(50, seed=3), synthesizer.sample(50, seed=3))


def test_the_command_line_trains_samples_and_conditions(tmp_path: Path) -> None:
    mixed_frame(300).to_csv(tmp_path / "people.csv", index=False)
    runner = CliRunner()
    result = runner.invoke(main, ["train", "--data", str(tmp_path / "people.csv"), "--metadata", "auto",
                                  "--epochs", "3", "--out", str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "run" / "metadata.json").read_text())
    assert [c["name"] for c in saved["columns"]] == list(mixed_frame().columns)
    (tmp_path / "wanted.csv").write_text("city,member\nLima,\n,True\nOslo,False\n")
    result = runner.invoke(main, ["sample", str(tmp_path / "run"), "--given", str(tmp_path / "wanted.csv"),
                                  "--out", str(tmp_path / "asked.csv")])
    assert result.exit_code == 0, result.output
    assert "effective latent draws per row" in result.output
    draws = pd.read_csv(tmp_path / "asked-effective-draws.csv")
    assert list(draws.row) == [0, 1, 2] and (draws.effective_draws >= 1).all()
    asked = pd.read_csv(tmp_path / "asked.csv")
    assert list(asked.columns) == list(mixed_frame().columns) and len(asked) == 3
    assert asked.city[0] == "Lima" and bool(asked.member[1]) and asked.city[2] == "Oslo" and not asked.member[2]
    (tmp_path / "rules.json").write_text(json.dumps({"constraints": [
        {"type": "range", "column": "age", "low": 30, "high": 60}]}))
    result = runner.invoke(main, ["sample", str(tmp_path / "run"), "-n", "200", "--constraints",
                                  str(tmp_path / "rules.json"), "--out", str(tmp_path / "kept.parquet")])
    assert result.exit_code == 0, result.output
    assert "rules kept by" in result.output
    assert pd.read_parquet(tmp_path / "kept.parquet").age.between(30, 60).all()


def test_a_marginal_map_carries_one_distribution_onto_another() -> None:
    from scipy import stats

    from vaekit.tasks.synthesis.calibration import KNOTS, carry

    levels = np.linspace(0.0, 1.0, KNOTS)
    model_knots = stats.norm.ppf(np.clip(levels, 1e-4, 1 - 1e-4))
    data_knots = stats.expon.ppf(np.clip(levels, 1e-4, 1 - 1e-4))
    x = np.array([-1.5, -0.3, 0.0, 0.7, 2.0, np.nan])
    expected = stats.expon.ppf(stats.norm.cdf(x[:-1]))
    mapped = carry(x, model_knots, data_knots)
    assert np.allclose(mapped[:-1], expected, rtol=0.02, atol=0.01) and np.isnan(mapped[-1])
    assert (np.diff(carry(np.linspace(-3, 3, 50), model_knots, data_knots)) >= 0).all()  # monotone: ranks kept


def test_level_offsets_bring_each_share_to_the_data(synthesizer: TableSynthesizer) -> None:
    import torch

    from vaekit.likelihoods.observed import unwrapped
    from vaekit.tasks.synthesis.calibration import fit_offsets, with_offsets

    model, x = synthesizer.run_.model, synthesizer.data_.train_x
    torch.manual_seed(0)
    px = unwrapped(model.decode(torch.randn(20_000, model.latent_dim) * 2))  # codes far from the data's: off shares
    column = synthesizer.data_.columns.index("income (null)")
    wanted = float(torch.isnan(x[:, synthesizer.data_.columns.index("income")]).float().mean())
    before = float(px.sample()[:, column].mean())
    after = float(with_offsets(px, fit_offsets(px, model.likelihood, x)).sample()[:, column].mean())
    assert abs(after - wanted) < 0.02 < abs(before - wanted), (before, after, wanted)
