"""Chart images kept on disk by the hash of everything that sets their pixels.

A report's charts change only when its figures do: the nightly rebuild of a closed consultation,
the other language's edition (where the chart's words are the same: number bands, category
codes) and the conclusions edition draw the same charts again. Drawing 22 charts took 1.4-1.9 s
of CPU of the 47-page PDF; reading them back takes milliseconds.

The key is a SHA-256 of the chart's data (labels, values, captions, colours, axis options), the
drawing code's version (``CHART_STYLE``: raise it when the drawing changes), matplotlib's and
Pillow's versions and the font files' sizes and dates. An entry is written to a temporary file
and renamed into place, so a reader never sees half a file; an entry that is not a whole PNG
(a disk error, a file cut short) is drawn again and replaced, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The last chunk of every PNG: type "IEND", no data, its fixed CRC.
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# At most this many charts are kept (about 30-80 KB each): the oldest read are removed beyond it.
MAX_ENTRIES = 2000


def chart_key(data: object, *, style: int, fonts: Iterable[Path]) -> str:
    """The hex SHA-256 of ``data`` (plain JSON-able values) and everything else that changes
    the drawing."""
    font_stamps = []
    for path in fonts:
        with contextlib.suppress(OSError):
            stat = path.stat()
            font_stamps.append([str(path), stat.st_size, int(stat.st_mtime)])
    payload = {
        "data": data,
        "style": style,
        "matplotlib": _version("matplotlib"),
        "pillow": _version("pillow"),
        "fonts": font_stamps,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def _path(directory: Path, key: str) -> Path:
    # Two levels of folders: no folder grows past a few hundred entries.
    return directory / key[:2] / f"{key}.png"


def read(directory: Path, key: str) -> bytes | None:
    """The cached PNG for ``key``, or None when there is none or it is not a whole PNG."""
    path = _path(directory, key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not (data.startswith(PNG_SIGNATURE) and data.endswith(PNG_END)):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # the entry was used: the pruning keeps it longer
    return data


def write(directory: Path, key: str, data: bytes) -> None:
    """Store ``data`` under ``key``; a cache that cannot be written is only a slower PDF."""
    path = _path(directory, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return


def prune(directory: Path, *, keep: int = MAX_ENTRIES) -> int:
    """Remove the least recently used entries beyond ``keep``; return how many were removed."""
    try:
        entries = [(path.stat().st_mtime, path) for path in directory.glob("??/*.png")]
    except OSError:
        return 0
    if len(entries) <= keep:
        return 0
    entries.sort()
    removed = 0
    for _, path in entries[: len(entries) - keep]:
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
