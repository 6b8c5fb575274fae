"""MkDocs hooks: the reference pages are generated at build time from the code itself, so they cannot drift.

- Python API: one `::: module.name` (mkdocstrings) per public name of `vaekit._LAZY`, the table that `import vaekit`
  resolves names with; a name that moves to another module moves here too.
- Command line: one page per command of `vaekit.cli.main` (its lazily loaded commands included), each rendered by
  mkdocs-click.
- Parts: every registry (`vaekit.parts.REGISTRIES` and the other registries beside them), each part's
  name, the first paragraph of its docstring and the attributes it declares.
- Settings: the fields of the config sections of `vaekit.Config`, with the flag `vaekit train` gives each.
- Benchmarks: `{{ benchmark NAME }}` includes the section between BENCHMARKS.md's `<!-- NAME:start -->` and
  `<!-- NAME:end -->` markers (the bench scripts rewrite them), so the figures have one source.

Nothing here names an internal module: every location is read from the running code.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import typing
from pathlib import Path
from typing import Any

import click
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
CLI_DIR = "reference/cli"

# --- reading the code -------------------------------------------------------------------------------------------


def _import_everything() -> None:
    """Import every vaekit module once, so that every part, data kind and score kind has registered itself."""
    import vaekit

    for module in pkgutil.walk_packages(vaekit.__path__, "vaekit."):
        if module.name.rsplit(".", 1)[-1] == "__main__":
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:  # an optional extra (audio, mlflow) that this machine lacks: its parts are elsewhere
            pass


def _first_paragraph(obj: Any) -> str:
    """The first paragraph of an object's own docstring (else its module's), on one line."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not doc:
        doc = getattr(inspect.getmodule(obj), "__doc__", None) or ""
    text = inspect.cleandoc(doc).split("\n\n")[0]
    return " ".join(text.split())


_SIMPLE = (bool, int, float, str, tuple, frozenset, set, type(None))


def _declarations(part: Any) -> dict[str, Any]:
    """The class attributes a part declares (plain values and constraints, its own or inherited from vaekit's base
    classes; torch's own attributes left out)."""
    if not isinstance(part, type):
        return {}
    import torch

    found: dict[str, Any] = {}
    for klass in reversed(part.__mro__):
        if not klass.__module__.startswith("vaekit"):
            continue
        for key, value in vars(klass).items():
            if key.startswith("_") or isinstance(value, (staticmethod, classmethod, property)):
                continue
            if isinstance(value, _SIMPLE) or isinstance(value, torch.distributions.constraints.Constraint):
                found[key] = value
    return found


def _value_text(value: Any) -> str:
    if isinstance(value, (frozenset, set)):
        return ", ".join(sorted(map(str, value))) or "(none)"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _registries() -> dict[str, Any]:
    """Every registry: the parts' (in the order vaekit.parts gives them), then the others of vaekit.registry."""
    _import_everything()
    import vaekit.parts

    registry_class = vaekit.parts.Registry
    where = importlib.import_module(registry_class.__module__)  # the module that defines the registries
    found = {kind: vaekit.parts.registry(kind) for kind in vaekit.parts.REGISTRIES}
    for module in (vaekit.parts, where):
        for value in vars(module).values():
            if isinstance(value, registry_class) and value not in found.values():
                found[value.kind] = value
    return found


# --- generated pages --------------------------------------------------------------------------------------------


def _python_api() -> str:
    import vaekit

    lines = ["# Python API", "",
             "Generated from `vaekit._LAZY`, the public names that `import vaekit` gives (each is imported on first "
             "use). Every name below is `vaekit.NAME`.", ""]
    groups = {"Training and loading": ("train", "resume", "load", "Run"),
              "Settings": ("Config", "DataConfig", "ModelConfig", "ObjectiveConfig", "TrainConfig",
                           "load_config_file"),
              "Data": ("load_dataset", "Dataset"),
              "The model": ("VAE", "build_model", "evaluate"),
              "scikit-learn estimators": ("VAEEmbedder", "VAEAnomalyDetector", "VAEImputer", "VAEClassifier"),
              "Synthetic tables": ("TableSynthesizer",),
              "Errors": ("VaekitError",)}
    names = list(vaekit._LAZY)
    grouped = [name for members in groups.values() for name in members]
    groups["Other"] = tuple(name for name in names if name not in grouped)
    for title, members in groups.items():
        members = tuple(name for name in members if name in vaekit._LAZY)
        if not members:
            continue
        lines += [f"## {title}", ""]
        for name in members:
            obj = getattr(importlib.import_module(vaekit._LAZY[name]), name)  # where it is defined
            lines += [f"::: {obj.__module__}.{obj.__qualname__}", "    options:", "      show_root_heading: true",
                      f"      show_root_full_path: false", "      heading_level: 3", ""]
    return "\n".join(lines)


def _commands() -> list[str]:
    from vaekit.cli import main

    ctx = click.Context(main, info_name="vaekit")
    names = main.list_commands(ctx)
    for name in names:  # loads each lazy command, so that main.commands (what mkdocs-click reads) has them all
        main.get_command(ctx, name)
    return names


def _cli_index(names: list[str]) -> str:
    from vaekit.cli import main

    ctx = click.Context(main, info_name="vaekit")
    lines = ["# Command line", "", "Generated from the `vaekit` command itself (`vaekit --help`, `vaekit COMMAND "
             "--help`): one page per command, with every option.", "", "| command | what it does |", "|---|---|"]
    for name in names:
        command = main.get_command(ctx, name)
        lines.append(f"| [`vaekit {name}`]({name}.md) | {_cell(command.get_short_help_str(200))} |")
    lines += ["", "Errors in the input print one line, `error: ...`, and exit with status 2; see "
              "[What happens on failure](../../concepts/failures.md)."]
    return "\n".join(lines)


def _cli_page(name: str) -> str:
    """mkdocs-click on the command object itself, found in the module that the command table names for it."""
    from vaekit.cli import main

    command = main.get_command(click.Context(main, info_name="vaekit"), name)
    module = importlib.import_module(command.callback.__module__)
    attribute = next(key for key, value in vars(module).items() if value is command)
    return "\n".join([f"# vaekit {name}", "", "::: mkdocs-click", f"    :module: {module.__name__}",
                      f"    :command: {attribute}", f"    :prog_name: vaekit {name}", "    :depth: 1",
                      "    :style: table", "    :list_subcommands: true", ""])


def _parts() -> str:
    lines = ["# Parts and registries", "",
             "Generated from the registries at build time: every registered name, the first paragraph of its "
             "docstring, and what it declares (class attributes that the rest of vaekit reads instead of the "
             "name). A part registered anywhere appears here with no other edit.", ""]
    titles = {"network": "Networks (`--network`)", "posterior": "Posteriors (`--posterior`)",
              "prior": "Priors (`--prior`)", "likelihood": "Likelihoods (`--likelihood`)",
              "objective": "Objectives (`--objective`)", "dataset": "Named data sets (`--data NAME`)",
              "score kind": "Score kinds (`vaekit score --kind`)", "data kind": "Data kinds"}
    for kind, registry in _registries().items():
        lines += [f"## {titles.get(kind, kind.capitalize() + 's')}", ""]
        parts = {name: registry.get(name) for name in registry.names()}
        declared = {name: _declarations(part) for name, part in parts.items()}
        if any(declared.values()):
            lines += ["| name | what it is | declares |", "|---|---|---|"]
        else:
            lines += ["| name | what it is |", "|---|---|"]
        for name, part in parts.items():
            row = f"| `{name}` | {_cell(_first_paragraph(part))} |"
            if any(declared.values()):
                row += " " + "<br>".join(f"`{key}`: {_cell(_value_text(value))}"
                                         for key, value in declared[name].items()) + " |"
            lines.append(row)
        lines.append("")
    return "\n".join(lines)


def _flags() -> dict[str, str]:
    """Each `section__field` parameter of `vaekit train` -> its flag(s) as the command spells them."""
    from vaekit.cli import main

    train = main.get_command(click.Context(main, info_name="vaekit"), "train")
    return {param.name: " / ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
            for param in train.params if param.name and "__" in param.name}


def _settings() -> str:
    import vaekit
    import vaekit.parts

    flags = _flags()
    lines = ["# Settings", "",
             "Generated from the config sections of `vaekit.Config`. Each setting is a flag of `vaekit train` and a "
             "key of its section in a YAML, TOML or JSON file (`vaekit train --config FILE`; flags override the "
             "file) or in `vaekit.Config.from_dict`.", ""]
    hints = typing.get_type_hints(vaekit.Config)
    for section in dataclasses.fields(vaekit.Config):
        kind = hints[section.name]
        lines += [f"## `{section.name}` ({kind.__name__})", "", "| setting | flag | default | help |",
                  "|---|---|---|---|"]
        for item in dataclasses.fields(kind):
            default = item.default if item.default is not dataclasses.MISSING else item.default_factory()
            shown = ",".join(map(str, default)) if isinstance(default, list) else default
            help_text = item.metadata.get("help", "")
            if item.metadata.get("part"):
                extra = tuple(item.metadata.get("choices") or ())
                help_text += f"; choices: {', '.join(vaekit.parts.choices(item.metadata['part'], extra))}"
            elif item.metadata.get("choices"):
                help_text += f"; choices: {', '.join(item.metadata['choices'])}"
            flag = flags.get(f"{section.name}__{item.name}", "")
            lines.append(f"| `{item.name}` | {flag} | `{shown}` | {_cell(help_text)} |")
        lines.append("")
    return "\n".join(lines)


GENERATED = {"reference/python.md": _python_api, "reference/parts.md": _parts, "reference/settings.md": _settings}

# --- benchmarks ---------------------------------------------------------------------------------------------------

_BENCHMARK = re.compile(r"^\{\{ benchmark (\S+)(?: title=\"([^\"]*)\")? \}\}$", re.M)


def benchmark_section(name: str, title: str | None = None) -> str:
    """BENCHMARKS.md's section NAME, for a page one folder down: headings one level lower is not needed (each
    section is a `##`), images under docs/ linked relative to the page, the issue numbers left out of the heading."""
    text = (ROOT / "BENCHMARKS.md").read_text()
    found = re.search(rf"<!-- {re.escape(name)}:start -->\n(.*?)\n<!-- {re.escape(name)}:end -->", text, re.S)
    if found is None:
        raise KeyError(f"BENCHMARKS.md has no section {name!r}")
    section = found.group(1)
    heading, _, body = section.partition("\n")
    heading = re.sub(r" \(issue \d+\)$", "", heading)
    heading = re.sub(r" \(issue \d+: ", " (", heading)
    if title:
        heading = f"## {title}"
    body = body.replace("](docs/", "](../")
    return f"{heading}\n{body}"


# --- the hooks ----------------------------------------------------------------------------------------------------


def on_config(config: Any) -> Any:
    names = _commands()
    for entry in config["nav"]:
        if isinstance(entry, dict) and "Reference" in entry:
            entry["Reference"].append({"Command line": [f"{CLI_DIR}/index.md",
                                                        *(f"{CLI_DIR}/{name}.md" for name in names)]})
    config["_vaekit_commands"] = names
    return config


def on_files(files: Any, config: Any) -> Any:
    names = config["_vaekit_commands"]
    files.append(File.generated(config, f"{CLI_DIR}/index.md", content=_cli_index(names)))
    for name in names:
        files.append(File.generated(config, f"{CLI_DIR}/{name}.md", content=_cli_page(name)))
    for path, make in GENERATED.items():
        files.append(File.generated(config, path, content=make()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return _BENCHMARK.sub(lambda m: benchmark_section(m.group(1), m.group(2)), markdown)
