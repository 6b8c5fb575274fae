"""`vaekit export RUN --format onnx`: the encoder, decoder and scorer as ONNX graphs that run without torch."""

from __future__ import annotations

from pathlib import Path

import click

from vaekit.cli.closing import say_done
from vaekit.cli.run_argument import RunDirectory
from vaekit.core.errors import VaekitError


@click.command("export")
@click.argument("run", type=RunDirectory())
@click.option("--format", "form", type=click.Choice(["onnx"]), default="onnx", show_default=True,
              help="the file format of the graphs")
@click.option("--out", default=None, help="folder for the graphs and vaekit-onnx.json [default: RUN/onnx]")
@click.option("--threshold", type=float, default=None, help="an iw score above which an example is an anomaly, kept "
              "in vaekit-onnx.json for OnnxModel.predict (e.g. the cut `vaekit score --alarm-rate` printed)")
@click.option("--check", "checked", default=100, show_default=True, help="test examples whose encodings, decodings "
              "and scores are compared with torch's after the export (0: none)")
def export(run: str, form: str, out: str | None, threshold: float | None, checked: int) -> None:
    """Export the run's encoder, decoder and importance-weighted scorer as ONNX graphs, with the standardization
    inside, for onnxruntime without torch (vaekit.onnx.OnnxModel). The scorer takes the noise of its k draws as an
    input, so a graph holds no random number generator. After the export, the graphs are run on the run's test
    split and compared with torch's numbers; the largest differences are printed.

    \b
    Example:
      vaekit export runs/digits --format onnx --out digits-onnx
      python -c "from vaekit.onnx import OnnxModel; print(OnnxModel('digits-onnx').score(x, k=100))"
    """
    from vaekit.runs.run import Run
    from vaekit.tasks.onnx_export import check_exportable, compare_with_torch, export_onnx

    if threshold is not None and not threshold == threshold:  # NaN
        raise VaekitError("--threshold must be a number, got nan")
    if checked < 0:
        raise VaekitError(f"--check must be 0 or a number of examples, got {checked}")
    opened = Run.open(run)
    model = opened.load_model("cpu")
    check_exportable(model)  # refused before anything is written
    folder = Path(out) if out is not None else Path(run) / "onnx"
    written = export_onnx(model, folder, threshold, {"run": str(Path(run).resolve()), "format": form})
    if checked:
        from vaekit.tasks.outputs import select_data

        x = select_data(opened, None, "test").x[:checked]
        for name, difference in compare_with_torch(model, folder, x).items():
            click.echo(f"{name}: largest relative difference from torch {difference:.2e} on {len(x)} test examples")
    say_done(written, [f"python -c \"from vaekit.onnx import OnnxModel; m = OnnxModel('{folder}')\""])


COMMANDS = [export]
