"""Rules every synthetic row keeps: inequalities between columns, ranges, fixed combinations of categorical
values, and a user's own rule as a Python function. A file of them (JSON) or Python objects:

    {"constraints": [{"type": "inequality", "low": "start", "high": "end"},          # start <= end
                     {"type": "inequality", "low": "x", "high": "y", "strict": true},   # x < y
                     {"type": "range", "column": "age", "low": 18, "high": 65},
                     {"type": "fixed_combinations", "columns": ["city", "country"]},
                     {"type": "python", "file": "rules.py", "function": "valid"}]}

    rules = read_constraints(Path("rules.json")) + [Rule("cheap cuts", lambda frame: frame.price < 5000)]
    check_training(rules, train_frame)      # a DataError when no training row keeps a rule: it could never hold
    kept = holds(rules, frame)              # (N,) bool: the rows that keep every rule

Columns' own bounds are kept by construction (the sampler keeps each number within its observed range); these
rules are kept by rejection: rows that break one are drawn again, and the acceptance rate is reported.
A function rule takes a DataFrame and returns one bool per row.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.json_file import read_json
from vaekit.core.schema import Field, check, shown

if TYPE_CHECKING:
    import pandas as pd

NAME = Field(str, size=(1, 1000))
NUMBER = Field((int, float, str))
SCHEMAS = {
    "inequality": {"type": Field(str), "low": NAME, "high": NAME, "strict": Field(bool)},
    "range": {"type": Field(str), "column": NAME, "low": NUMBER, "high": NUMBER},
    "fixed_combinations": {"type": Field(str), "columns": Field(list, size=(2, 100), items=NAME)},
    "python": {"type": Field(str), "file": Field(str, size=(1, 4096)), "function": Field(str, size=(1, 200))},
}
OPTIONAL = {"inequality": frozenset({"strict"}), "range": frozenset({"low", "high"})}


@dataclass
class Rule:
    """One rule: `test(frame)` gives (N,) bools; `columns` it reads (checked against the table before any work)."""

    name: str
    test: Callable[[pd.DataFrame], Any]
    columns: tuple[str, ...] = ()
    learned: set = field(default_factory=set)  # fixed combinations: those the training rows hold
    needs_rows: bool = False  # learned from the training rows (fixed combinations): cannot be used without them

    def holds(self, frame: pd.DataFrame) -> np.ndarray:
        try:
            kept = np.asarray(self.test(frame), dtype=bool)
        except Exception as error:  # a user's function: its failure named, in one line
            raise DataError(f"constraint {self.name} failed on the sampled rows: {type(error).__name__}: "
                            f"{' '.join(str(error).split())[:200]}") from None
        if kept.shape != (len(frame),):
            raise DataError(f"constraint {self.name} must give one bool per row ({len(frame)}), got shape "
                            f"{kept.shape}")
        return kept


def inequality(low: str, high: str, strict: bool = False) -> Rule:
    def test(frame: pd.DataFrame) -> Any:
        both = frame[low].notna() & frame[high].notna()  # a null compares with nothing: it breaks no inequality
        return ~both | (frame[low] < frame[high] if strict else frame[low] <= frame[high])
    return Rule(f"{low} {'<' if strict else '<='} {high}", test, (low, high))


def value_range(column: str, low: Any = None, high: Any = None) -> Rule:
    def test(frame: pd.DataFrame) -> Any:
        values, kept = frame[column], frame[column].isna()
        inside = values.notna()
        if low is not None:
            inside &= values >= low
        if high is not None:
            inside &= values <= high
        return kept | inside
    name = " <= ".join(str(part) for part in (low, column, high) if part is not None)
    return Rule(name, test, (column,))


def fixed_combinations(columns: list[str]) -> Rule:
    rule = Rule(f"fixed combinations of {', '.join(columns)}", lambda frame: None, tuple(columns), needs_rows=True)

    def test(frame: pd.DataFrame) -> Any:
        return np.array([_row(values) in rule.learned for values in frame[list(columns)].itertuples(index=False)])
    rule.test = test
    return rule


def _row(values: Any) -> tuple:
    return tuple(None if v is None or v != v else (v.item() if hasattr(v, "item") else v) for v in values)


def python_rule(file: str, function: str, where: str) -> Rule:
    """A function `function` from the Python file `file` (a path relative to the constraints file's folder)."""
    path = (Path(where).parent / file).resolve()
    if not path.is_file():
        raise DataError(f"{where}: constraint file {file!r} is not a file ({path})")
    spec = importlib.util.spec_from_file_location(f"vaekit_rules_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as error:
        raise DataError(f"{path}: cannot load it: {type(error).__name__}: {' '.join(str(error).split())[:200]}") \
            from None
    test = getattr(module, function, None)
    if not callable(test):
        raise DataError(f"{path} has no function {function!r}")
    return Rule(f"{function}() of {path.name}", test)


def read_constraints(path: Path) -> list[Rule]:
    """The rules of a constraints JSON file, each checked against its type's schema."""
    where = str(path)
    value = read_json(path, depth=5)
    if not isinstance(value, dict) or not isinstance(value.get("constraints"), list):
        raise DataError(f"{where} must hold {{\"constraints\": [...]}}, got {shown(value)}")
    rules = []
    for i, item in enumerate(value["constraints"]):
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in SCHEMAS:
            raise DataError(f"{where}: constraints[{i}].type must be one of {', '.join(SCHEMAS)}, got {shown(kind)}")
        check(item, SCHEMAS[kind], where, f"constraints[{i}].", optional=OPTIONAL.get(kind, frozenset()))
        if kind == "inequality":
            rules.append(inequality(item["low"], item["high"], item.get("strict", False)))
        elif kind == "range":
            if "low" not in item and "high" not in item:
                raise DataError(f"{where}: constraints[{i}] (a range) needs low, high or both")
            rules.append(value_range(item["column"], item.get("low"), item.get("high")))
        elif kind == "fixed_combinations":
            rules.append(fixed_combinations(item["columns"]))
        else:
            rules.append(python_rule(item["file"], item["function"], where))
    return rules


def check_training(rules: list[Rule], frame: pd.DataFrame) -> None:
    """Each rule's columns exist; fixed combinations learned from `frame` (the training rows); a DataError when
    no training row keeps a rule (it could never hold: nothing to learn from)."""
    for rule in rules:
        missing = [c for c in rule.columns if c not in frame.columns]
        if missing:
            raise DataError(f"constraint {rule.name} names column {missing[0]!r}, which the table does not have")
        if rule.needs_rows and not rule.learned:
            rule.learned = {_row(v) for v in frame[list(rule.columns)].itertuples(index=False)}
        if not rule.holds(frame).any():
            raise DataError(f"constraint {rule.name} holds in none of the {len(frame):,} training rows, so no sample "
                            "can be learned to keep it; check the rule")


def holds(rules: list[Rule], frame: pd.DataFrame) -> np.ndarray:
    """(N,) whether each row keeps every rule."""
    kept = np.ones(len(frame), dtype=bool)
    for rule in rules:
        kept &= rule.holds(frame)
    return kept
