"""One self-contained HTML report per run."""

from vaekit.report.html import write_report

__all__ = ["write_report"]
