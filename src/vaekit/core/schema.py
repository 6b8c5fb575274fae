"""Declared schemas for the JSON files vaekit reads from strangers: what each field may be, checked in one place
before anything is built from it, and a JSON parser that refuses deep nesting before it recurses.

    HEADER = {"count": Field(int, low=1, high=10**9),
              "dtype": Field(str, choices=("uint8", "float32")),
              "ids": Field((list, type(None)), size=(0, 10**9), items=Field((int, str))),
              "coder": Field(dict, fields={"seed": Field(int, low=0)})}
    value = loads(data, "x.vkz's header", depth=3)   # DataError: nesting, bad JSON, a repeated key
    check(value, HEADER, "x.vkz")                    # DataError: "x.vkz: header field coder.seed must be ..."
    check_memory(count * 64 * 4, "x.vkz: header field count (10,000,000,000 examples)")

A failure is one line naming the file and the field (dotted path, list items as [i]). An object may hold only
the fields its schema declares, so a file that says more than its version may say is refused too.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from vaekit.core import system
from vaekit.core.errors import DataError

GB = 1e9
# bytes of Python objects that json.loads makes of one byte of JSON, with room to spare (a list of {}: about 24)
PARSED_BYTES = 64
# a JSON string (escapes included), removed before counting brackets; possessive, so no backtracking
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte but the brackets: deleted
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


@dataclass(frozen=True)
class Field:
    """What one JSON value must be.

    kind: the allowed Python types after json.loads (int never matches a bool; float takes whole numbers too;
    type(None) allows null). low/high: bounds of a number. size: (least, most) length of a string or list.
    choices: the allowed values. pattern: a regular expression a string must match whole. items: the Field of
    every list element. fields: the schema of an object (every name required unless in `optional`).
    """

    kind: type | tuple[type, ...]
    low: float | None = None
    high: float | None = None
    size: tuple[int, int] | None = None
    choices: tuple[Any, ...] | None = None
    pattern: str | None = None
    items: Field | None = None
    fields: dict[str, Field] | None = None
    optional: frozenset[str] = frozenset()


def json_depth(text: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (0 for a bare number or string), counted without
    recursion: brackets inside strings do not count."""
    brackets = _STRING.sub(b"", text).translate(None, _BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise ValueError(f"it repeats the key {shown(repeated)}")
    return dict(pairs)


def loads(text: bytes, where: str, depth: int) -> Any:
    """The JSON value of UTF-8 `text`, or a one-line DataError when it is not JSON, nests deeper than `depth`
    (json.loads would recurse once per level: a few thousand levels raise RecursionError) or repeats a key."""
    found = json_depth(text)
    if found > depth:
        raise DataError(f"{where} nests {found:,} levels deep, at most {depth} are allowed; it was not written by "
                        "vaekit")
    try:
        return json.loads(text.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise DataError(f"{where} is not UTF-8 text; it was not written by vaekit") from None
    except ValueError as error:  # JSONDecodeError, a repeated key, a number of more than 4300 digits
        reason = str(error).splitlines()[0][:120]
        raise DataError(f"{where} is not valid JSON ({reason})") from None


def shown(value: Any) -> str:
    """A value quoted for a one-line message: its repr (newlines escaped), cut to 40 characters (a crafted field or
    a cell of 50 million digits would otherwise be the message)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _has_kind(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, never to a schema
        return bool in kinds
    if isinstance(value, float) and float in kinds:
        return math.isfinite(value)
    return isinstance(value, kinds) or isinstance(value, int) and float in kinds  # 1 is a number too


def _describe(field: Field) -> str:
    names = {int: "a whole number", float: "a number", str: "text", bool: "true or false", list: "a list",
             dict: "an object", type(None): "null"}
    what = " or ".join(names.get(kind, kind.__name__) for kind in _kinds(field.kind))
    if field.choices is not None:
        return f"one of {', '.join(map(shown, field.choices))}"
    if field.low is not None and field.high is not None:
        return f"{what} from {field.low:,} to {field.high:,}"
    if field.low is not None:
        return f"{what} of at least {field.low:,}"
    if field.high is not None:
        return f"{what} of at most {field.high:,}"
    return what


def check_field(value: Any, field: Field, name: str, where: str) -> None:
    """A one-line DataError, naming `where` and the field `name`, when value is not what `field` declares."""
    def refuse(problem: str) -> DataError:
        return DataError(f"{where}: field {name} {problem}")

    if not _has_kind(value, _kinds(field.kind)):
        raise refuse(f"must be {_describe(field)}, got {shown(value)}")
    if value is None:
        return
    if field.choices is not None and value not in field.choices:
        raise refuse(f"must be one of {', '.join(map(shown, field.choices))}; got {shown(value)}")
    if isinstance(value, int | float) and not isinstance(value, bool) and (
            field.low is not None and value < field.low or field.high is not None and value > field.high):
        raise refuse(f"must be {_describe(field)}, got {shown(value)}")
    if isinstance(value, str | list) and field.size is not None and not field.size[0] <= len(value) <= field.size[1]:
        least, most = field.size
        raise refuse(f"must hold {least:,} to {most:,} {'characters' if isinstance(value, str) else 'entries'}, "
                     f"got {len(value):,}")
    if isinstance(value, str) and field.pattern is not None and re.fullmatch(field.pattern, value) is None:
        raise refuse(f"must match {field.pattern}, got {shown(value)}")
    if isinstance(value, list) and field.items is not None:
        for i, item in enumerate(value):
            check_field(item, field.items, f"{name}[{i}]", where)
    if isinstance(value, dict) and field.fields is not None:
        check(value, field.fields, where, f"{name}.", field.optional)


def check(value: Any, schema: dict[str, Field], where: str, prefix: str = "",
          optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    """`value` itself when it is an object holding exactly the fields of `schema` (those in `optional` may be
    left out), each as declared; else a one-line DataError naming the first field that is not."""
    if not isinstance(value, dict):
        raise DataError(f"{where}: {prefix.rstrip('.') or 'its content'} must be a JSON object, got "
                        f"{shown(value)}")
    unknown = [key for key in value if key not in schema]
    if unknown:
        name = unknown[0] if unknown[0].isidentifier() else repr(unknown[0])  # a key of "\n" stays on one line
        raise DataError(f"{where}: field {prefix}{name} is not one this format has (it has "
                        f"{', '.join(prefix + key for key in schema)})")
    for key, field in schema.items():
        if key not in value:
            if key in optional:
                continue
            raise DataError(f"{where}: field {prefix}{key} is missing")
        check_field(value[key], field, prefix + key, where)
    return value


def check_memory(need: float, what: str, remedy: str) -> None:
    """A one-line DataError when `need` bytes are more than this machine's memory (system.host_memory()), checked
    before they are allocated; `what` names the file and field that ask for them, `remedy` what to do."""
    have = system.host_memory()
    if have is not None and need > have:
        raise DataError(f"{what} would need {_bytes(need)}, more than the {_bytes(have)} of this machine's memory; "
                        f"{remedy}")


def _bytes(count: float) -> str:
    return f"{count / GB:,.1f} GB" if count >= GB / 10 else f"{count / 1e6:,.1f} MB"
