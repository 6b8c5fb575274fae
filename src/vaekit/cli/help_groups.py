"""`vaekit train --help` and `vaekit tune --help` in groups (run, data, model, objective, training), with the
options a first run needs; `--help-all` lists every one of the hundred or so.

    @click.command(cls=GroupedHelp)
    @help_all_option
    ...
"""

from __future__ import annotations

from typing import Any

import click

# the setting sections, in the order a newcomer meets them, by the prefix of the parameter's name (section__field)
GROUPS = {"data": "Data", "model": "Model", "objective": "Objective", "train": "Training"}
RUN_GROUP = "Run and output"
# the flags shown by --help: what a first run sets; the rest is one flag away (--help-all)
COMMON = frozenset({
    "config", "out", "resume", "quiet", "help", "help-all",
    "data", "label-column", "binarize", "missing", "test-fraction",
    "network", "hidden", "latent-dim", "likelihood", "prior", "posterior", "conditional", "class-latent",
    "objective", "beta", "warmup-epochs", "iw-samples",
    "epochs", "batch-size", "lr", "early-stopping", "device", "seed",
})


def _flag(param: click.Parameter) -> str:
    return max(param.opts, key=len).lstrip("-") if param.opts else param.name or ""


def _group(param: click.Parameter) -> str:
    prefix = (param.name or "").split("__")[0]
    return GROUPS.get(prefix, RUN_GROUP) if "__" in (param.name or "") else RUN_GROUP


class GroupedHelp(click.Command):
    """A command whose --help lists its options by group, the common ones only unless --help-all was given."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        everything = bool(ctx.meta.get("help_all"))
        groups: dict[str, list[tuple[str, str]]] = {RUN_GROUP: [], **{name: [] for name in GROUPS.values()}}
        hidden = 0
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if not everything and _flag(param).removeprefix("no-") not in COMMON and \
                    not any(opt.lstrip("-") in COMMON for opt in param.opts):
                hidden += 1
                continue
            groups[_group(param)].append(record)
        for name, records in groups.items():
            if records:
                with formatter.section(f"{name} options"):
                    formatter.write_dl(records)
        if hidden:
            formatter.write_paragraph()
            formatter.write_text(f"{hidden} more options (schedules, network details, precision, logging, ...): "
                                 f"vaekit {ctx.info_name} --help-all")


def _show_all(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    ctx.meta["help_all"] = True
    click.echo(ctx.get_help(), color=ctx.color)
    ctx.exit()


def help_all_option(command: Any) -> Any:
    return click.option("--help-all", is_flag=True, expose_value=False, is_eager=True, callback=_show_all,
                        help="every option, by group")(command)
