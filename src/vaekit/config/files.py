"""Config files: YAML, TOML or JSON with the sections data/model/objective/train (a run's config.json too), or the
name of one that ships with vaekit (config/named/, linked as configs/ in a checkout), from any directory.

    cfg = load_config_file("configs/digits-2d.toml")
    cfg = load_config_file("vae")             # the named config vae.yaml
    named_configs()                           # {"vae": Path(.../vae.yaml), "vade": ..., ...}

A data source written as a path relative to the file is found beside the file when it is not found from the current
directory: a named config's data ships beside it.
"""

from __future__ import annotations

import json
import textwrap
import tomllib
from pathlib import Path
from typing import Any

from vaekit.config.run import Config
from vaekit.core.errors import ConfigError
from vaekit.core.paths import unusable

NAMED_FOLDER = Path(__file__).with_name("named")
SUFFIXES = (".yaml", ".yml", ".toml", ".json")
DESCRIPTION_WIDTH = 96  # with the name before it, one line of an 110-column terminal


def named_configs() -> dict[str, Path]:
    """{name: file} of the configs that ship with vaekit."""
    return {path.stem: path for path in sorted(NAMED_FOLDER.iterdir()) if path.suffix in SUFFIXES}


def describe_named(path: Path) -> str:
    """A named config's opening comment, shortened to a line: what it trains."""
    words = []
    for line in path.read_text().splitlines():
        text = line.lstrip("#").strip()
        if not line.startswith("#") or not text or text.startswith("vaekit "):
            break
        words.append(text)
    return textwrap.shorten(" ".join(words), width=DESCRIPTION_WIDTH, placeholder=" ...")


def load_config_file(path: str | Path) -> Config:
    """Read a YAML (.yaml/.yml), TOML (.toml) or JSON config file with sections data/model/objective/train."""
    return Config.from_dict(read_config_mapping(path))


def read_config_mapping(path: str | Path) -> Any:
    """The sections a config file gives, as written (checked by Config.from_dict, not here): `vaekit tune` fixes
    the settings a file names."""
    path = _find(path)
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
    return _beside(values, path)


def _find(given: str | Path) -> Path:
    """The file `given` names: a path, or the name of a config that ships with vaekit."""
    path = Path(given)
    if path.is_file():
        return path
    named = named_configs()
    if str(given) in named:
        return named[str(given)]
    if path.suffix or len(path.parts) > 1:
        raise ConfigError(f"config file {unusable(path)}")
    raise ConfigError(f"config {str(given)!r} is neither a file nor a named config; the named ones: "
                      f"{', '.join(named)} (vaekit configs lists what each trains)")


def _beside(values: Any, path: Path) -> Any:
    """`values` with a relative data source that exists beside the config file, and not from here, made absolute."""
    data = values.get("data") if isinstance(values, dict) else None
    source = data.get("source") if isinstance(data, dict) else None
    if isinstance(source, str) and source and not Path(source).is_absolute() and not Path(source).exists():
        there = path.resolve().parent / source
        if there.is_file():
            values = {**values, "data": {**data, "source": str(there)}}
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

