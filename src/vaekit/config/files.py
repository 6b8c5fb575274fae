"""Config files: YAML, TOML or JSON with the sections data/model/objective/train (a run's config.json too).

    cfg = load_config_file("configs/digits-2d.toml")
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from vaekit.config.run import Config
from vaekit.core.errors import ConfigError


def load_config_file(path: str | Path) -> Config:
    """Read a YAML (.yaml/.yml), TOML (.toml) or JSON config file with sections data/model/objective/train."""
    return Config.from_dict(read_config_mapping(path))


def read_config_mapping(path: str | Path) -> Any:
    """The sections a config file gives, as written (checked by Config.from_dict, not here): `vaekit tune` fixes
    the settings a file names."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        text = path.read_text()
        if path.suffix in (".yaml", ".yml"):
            values = _load_yaml(text, path) or {}
        elif path.suffix == ".toml":
            values = tomllib.loads(text)
        elif path.suffix == ".json":
            values = json.loads(text, object_pairs_hook=lambda pairs: _unique_keys(pairs, path))
        else:
            raise ConfigError(f"config file {path} must end in .yaml, .yml, .toml or .json")
    except ConfigError:
        raise
    except Exception as error:  # the parsers' own error types differ; all mean "not readable"
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(f"cannot parse config file {path}: {first_line}") from None
    if isinstance(values, dict) and "config" in values and "versions" in values:
        values = values["config"]  # a run's config.json can be used as a config file
    return values



def _unique_keys(pairs: list[tuple[str, Any]], path: Path) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json.loads keeps the last silently)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ConfigError(f"{path} gives the key {key!r} twice in one object; keep one of them")
        found[key] = value
    return found


def _load_yaml(text: str, path: Path) -> Any:
    """YAML as safe_load reads it, but a key given twice in one mapping is an error: safe_load keeps the last
    silently, so `beta: 1` ... `beta: 4` would train with whichever came last without a word."""
    import yaml

    class _UniqueKeyLoader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise ConfigError(f"{path} gives the key {key!r} twice in one mapping (again on line "
                                  f"{key_node.start_mark.line + 1}); keep one of them")
            seen.add(key)
        return loader.construct_mapping(node)

    _UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506  (a SafeLoader subclass)

