"""Write one summary in each output format: ``render(summary=, language=, fmt=, directory=)``.

One module per format. JSON and CSV carry stable values and both languages' labels, so they are the
same for either edition; the workbook and the PDF are written in the edition's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reports.summary.register import RegisterRow
from reports.summary.types import Summary

FORMATS: tuple[str, ...] = ("json", "csv", "xlsx", "pdf")
LANGUAGES: tuple[str, ...] = ("en", "zh-hant")


def file_name(*, summary: Summary, language: str, fmt: str) -> str:
    """``<slug>-summary.json`` / ``.csv``; ``<slug>-summary-<language>.xlsx`` / ``.pdf``."""
    if fmt in {"json", "csv"}:
        return f"{summary.meta.slug}-summary.{fmt}"
    return f"{summary.meta.slug}-summary-{language}.{fmt}"


def render(
    *,
    summary: Summary,
    language: str,
    fmt: str,
    directory: Path,
    on_progress: Callable[[float, str], None] | None = None,
    register: Sequence[RegisterRow] | None = None,
) -> Path:
    """Write ``summary`` as ``fmt`` in ``language`` into ``directory``; return the file's path.

    ``on_progress(fraction, step)``, if given, follows the PDF's steps (the other formats take
    a fraction of a second). ``register``, if given, becomes the workbook's "Register" sheet."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if language not in LANGUAGES:
        raise ValueError(
            f"Unknown report language {language!r}: choose one of {', '.join(LANGUAGES)}."
        )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(summary=summary, language=language, fmt=fmt)
    # Imported per format: the PDF writer loads WeasyPrint and matplotlib, which others don't need.
    if fmt == "json":
        from reports.render.json import write_json

        write_json(summary=summary, path=path)
    elif fmt == "csv":
        from reports.render.csv import write_csv

        write_csv(summary=summary, path=path)
    elif fmt == "xlsx":
        from reports.render.xlsx import write_xlsx

        write_xlsx(summary=summary, language=language, path=path, register=register)
    else:
        from reports.render.pdf import write_pdf

        write_pdf(summary=summary, language=language, path=path, on_progress=on_progress)
    return path
