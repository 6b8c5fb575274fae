"""Settings as dataclass fields that carry their help, and the checks every section shares: unknown keys refused
with a suggestion, values coerced to the declared type, allowed values enforced.

    coerce("3", int, "train.epochs")        # 3
    coerce("a", int, "train.epochs")        # ConfigError: train.epochs must be an integer, got 'a'
"""

from __future__ import annotations

import dataclasses
import difflib
import numbers
import types
import typing
from dataclasses import field
from typing import Any

from vaekit.core.errors import ConfigError


def setting(default: Any, help: str, flag: str | None = None, choices: tuple[str, ...] | None = None,
            part: str | None = None) -> Any:
    """A dataclass field that carries its command-line help, flag name and allowed values. `part` names the kind of
    part the setting chooses ("likelihood", ...): its allowed values are the registered names of that kind (and
    `choices`, such as "auto"), checked by vaekit.parts.check_config, so they are never listed here."""
    meta = {"help": help, "flag": flag, "choices": choices, "part": part}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def check_seed(name: str, value: int) -> None:
    """One check of every seed vaekit takes (config, --seed flags, the Python API): torch's generators take
    seeds below 2**64 and wrap negative ones, so 0 to 2**63 - 1 is the range where every seed means itself."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be a whole number between 0 and 2**63 - 1, got {value!r}")
    if not 0 <= value < 2**63:
        raise ConfigError(f"{name} must be between 0 and 2**63 - 1, got {value}")


# Importance samples per example (evaluate, score, the estimators, impute's draws): the draws are chunked, so memory
# is not what grows with k but time, linearly and without end. Published IWAE likelihoods use k = 5000 (Burda et
# al. 2016) and the estimate's gain past that is below its standard error, so 20 times that is room enough for
# any study, while a typo (1000000000) is refused before the work instead of running for days.
MAX_IMPORTANCE_SAMPLES = 100_000


def check_importance_samples(name: str, value: int) -> int:
    """`value` as a count of importance samples, 1 to MAX_IMPORTANCE_SAMPLES, or a ConfigError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, got {value!r}")
    if value > MAX_IMPORTANCE_SAMPLES:
        raise ConfigError(f"{name} must be at most {MAX_IMPORTANCE_SAMPLES:,} draws per example, got {value}")
    return int(value)


def reject_unknown(values: dict[str, Any], known: dict[str, Any], prefix: str) -> None:
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            hint = f"; did you mean {prefix}{close[0]}?" if close else f"; known: {', '.join(known)}"
            raise ConfigError(f"unknown setting {prefix}{key}{hint}")




def section_from_dict(kind: type, values: Any, section: str) -> Any:
    """One section's dataclass from a mapping: unknown keys refused, values coerced, fixed choices enforced (the
    names of parts are checked against the registries by vaekit.parts.check_config)."""
    if not isinstance(values, dict):
        raise ConfigError(f"config section {section} must be a mapping, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(kind)}
    reject_unknown(values, fields, f"{section}.")
    hints = typing.get_type_hints(kind)
    checked = {key: coerce(value, hints[key], f"{section}.{key}") for key, value in values.items()}
    for key, value in checked.items():
        choices, part = fields[key].metadata.get("choices"), fields[key].metadata.get("part")
        # a number or list setting may also take words ("auto"): only a word is checked against them
        if part is None and choices and isinstance(value, str) and value not in choices:
            if hints[key] is str:
                raise ConfigError(f"{section}.{key} must be one of {', '.join(choices)}; got {value!r}")
            raise ConfigError(f"{section}.{key} must be {_noun(hints[key])} or {' or '.join(choices)}; got {value!r}")
    return kind(**checked)


def _noun(hint: Any) -> str:
    """What a number-or-word setting takes besides its words, for a message: "an integer", "a list of integers"."""
    inner = [a for a in typing.get_args(hint) if a not in (str, type(None))]
    nouns = {int: "an integer", float: "a number"}
    return " or ".join("a list of integers" if typing.get_origin(a) is list else nouns[a] for a in inner)


def _number(value: Any, parse: type, accepted: tuple[type, ...], name: str, noun: str) -> Any:
    """A number given as one (booleans refused) or as text that parses as one (from a flag or a file)."""
    if isinstance(value, str):
        try:
            value = parse(value)
        except ValueError:
            raise ConfigError(f"{name} must be {noun}, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, accepted):
        raise ConfigError(f"{name} must be {noun}, got {value!r}")
    return value


def _number_or_word(value: Any, hints: list[Any], name: str) -> Any:
    """A setting that is a number or list, or a word such as "auto" (`int | str`, `list[int] | str`): text that
    parses as the number or list is one ("64,64", "200"); other text stays a word, whose allowed values the
    section checks (its `choices`)."""
    for hint in hints:
        try:
            return coerce(value, hint, name)
        except ConfigError:
            if not isinstance(value, str):
                raise
    return value


def coerce(value: Any, hint: Any, name: str) -> Any:
    """Check (and where lossless, convert) a value to the type a setting declares."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return coerce(value, inner[0], name)
        return _number_or_word(value, [a for a in inner if a is not str], name)
    if typing.get_origin(hint) is list:
        if isinstance(value, str):
            value = [part for part in value.replace(" ", "").split(",") if part]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{name} must be a list, got {value!r}")
        return [coerce(item, args[0], name) for item in value]
    if hint is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {value!r}")
        return value
    if hint is int:
        return _number(value, int, (int,), name, "an integer")
    if hint is float:
        value = float(_number(value, float, (int, float), name, "a number"))
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{name} must be a finite number, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a string, got {value!r}")
        return value
    raise TypeError(f"no coercion for {hint}")
