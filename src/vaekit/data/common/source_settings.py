"""Settings written into a generated data source's name, so that a run's config.json names its data exactly:

    load_dataset("sprites")                          # the defaults
    load_dataset("sprites:n=20000,size=32,seed=1")   # 20,000 examples, 32 x 32 pixels, drawn with seed 1

A data source that takes settings lists its defaults in SOURCE_SETTINGS; a name with settings for any other
source is refused.
"""

from __future__ import annotations

from typing import Any

from vaekit.core.errors import DataError

# source name -> its settings' defaults (their types are the defaults' types); filled by the sources' modules
SOURCE_SETTINGS: dict[str, dict[str, Any]] = {}


def parse_settings(name: str, text: str) -> dict[str, Any]:
    """The settings of `name` written as "key=value,key=value" (empty: the defaults), typed as the defaults are."""
    defaults = SOURCE_SETTINGS.get(name)
    if defaults is None:
        raise DataError(f"the data source {name!r} takes no settings after a colon; write {name!r} alone")
    found = dict(defaults)
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or key not in defaults:
            known = ", ".join(f"{k}={v}" for k, v in defaults.items())
            raise DataError(f"{name}: cannot read the setting {item!r}; write key=value with keys among: {known}")
        kind = type(defaults[key])
        try:
            found[key] = kind(value.strip())
        except ValueError:
            raise DataError(f"{name}: the setting {key} must be {'an integer' if kind is int else 'a number'}, "
                            f"got {value.strip()!r}") from None
    return found
