"""``pepper import ftc PATH``: load FTC Do-Not-Call complaint files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from pepper.complaints.importer import ImportReport, import_ftc
from pepper.errors import ImportFailed
from pepper.runtime import runtime

import_cli = AppGroup("import", help="Import external data.")


class _Bars:
    """One click progress bar per phase, shown only on a terminal."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}
        self.done: dict[str, int] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        bar = self.bars.get(phase)
        if bar is None:
            bar = click.progressbar(length=total, label=f"{phase:5}", file=sys.stderr)
            bar.__enter__()
            self.bars[phase] = bar
            self.done[phase] = 0
        bar.update(done - self.done[phase])
        self.done[phase] = done
        if done >= total:
            bar.__exit__(None, None, None)


def describe(report: ImportReport) -> str:
    if report.already_imported:
        return f"{report.filename}: already imported ({report.rows_total} rows); nothing changed"
    reasons = ", ".join(f"{k}={v}" for k, v in report.rejected_by_reason.most_common())
    return (
        f"{report.filename} ({report.file_format}): {report.rows_total} rows, "
        f"{report.rows_imported} imported, {report.rows_duplicate} already present, "
        f"{report.rows_rejected} rejected ({reasons or 'none'}) in {report.seconds:.1f} s"
    )


@import_cli.command("ftc")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def ftc_command(paths: tuple[str, ...]) -> None:
    """Import FTC Do-Not-Call complaint files (reduced or official CSV, plain or .gz)."""
    rt = runtime()
    for name in paths:
        try:
            report = import_ftc(
                rt.uow(),
                Path(name),
                default_region=rt.settings.default_region,
                half_life_days=rt.settings.reputation_half_life_days,
                progress=_Bars(),
            )
        except ImportFailed as exc:
            raise click.ClickException(f"{Path(name).name}: {exc.detail}") from None
        click.echo(describe(report))
