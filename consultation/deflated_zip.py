"""A zip archive written from members already deflated, as Python's ``zipfile`` writes one.

``zipfile`` deflates what it is given with zlib, in the thread that writes the archive. The
responses workbook (``consultation.xlsx_stream``) deflates its rows while they are made, with
ISA-L (``isal``), four times faster than zlib at the same size, and needs only to put the deflated
bytes in an archive: this module writes the local headers, the central directory and the end
records for members whose CRC-32 and sizes are known before their bytes are written, so ``out``
is written once, front to back (it need not be seekable). The records are the ones ``zipfile``
writes, fields and versions alike, ZIP64 ones included past 2 GiB as ``zipfile`` does.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path
from typing import IO

# zipfile's limits: past them it writes ZIP64 records.
ZIP64_LIMIT = (1 << 31) - 1
_FILE_COUNT_LIMIT = (1 << 16) - 1
_DEFLATED = 8
_DEFLATE_VERSION = 20
_ZIP64_VERSION = 45
_MADE_ON_UNIX = 3
_MODE_RW = 0o600 << 16
_COPY_BLOCK = 1 << 20


class DeflatedZip:
    """Members added one after another with ``add``, then ``close`` writes the directory."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offset = 0
        self.directory: list[bytes] = []

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.offset += len(data)

    def add(
        self,
        name: str,
        date_time: tuple[int, int, int, int, int, int],
        *,
        crc: int,
        size: int,
        parts: Iterable[bytes | Path],
    ) -> None:
        """Member ``name`` of ``size`` bytes (``crc`` their CRC-32) whose raw deflate stream
        is ``parts`` one after the other: bytes, or files copied as they are."""
        parts = list(parts)
        compressed = sum(len(p) if isinstance(p, bytes) else p.stat().st_size for p in parts)
        name_bytes = name.encode("ascii")
        year, month, day, hour, minute, second = date_time
        dos_date = (year - 1980) << 9 | month << 5 | day
        dos_time = hour << 11 | minute << 5 | second // 2
        zip64 = size > ZIP64_LIMIT or compressed > ZIP64_LIMIT
        version = _ZIP64_VERSION if zip64 else _DEFLATE_VERSION
        local_extra = struct.pack("<HHQQ", 1, 16, size, compressed) if zip64 else b""
        stored = 0xFFFFFFFF if zip64 else None
        offset = self.offset
        self._write(
            struct.pack(
                "<4s2B4HL2L2H",
                b"PK\003\004",
                version,
                0,
                0,
                _DEFLATED,
                dos_time,
                dos_date,
                crc,
                stored or compressed,
                stored or size,
                len(name_bytes),
                len(local_extra),
            )
            + name_bytes
            + local_extra
        )
        for part in parts:
            if isinstance(part, bytes):
                self._write(part)
                continue
            with part.open("rb") as handle:
                while block := handle.read(_COPY_BLOCK):
                    self._write(block)
        wide = [size, compressed] if zip64 else []
        if offset > ZIP64_LIMIT:
            wide.append(offset)
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        version = _ZIP64_VERSION if wide else _DEFLATE_VERSION
        self.directory.append(
            struct.pack(
                "<4s4B4HL2L5H2L",
                b"PK\001\002",
                version,
                _MADE_ON_UNIX,
                version,
                0,
                0,
                _DEFLATED,
                dos_time,
                dos_date,
                crc,
                stored or compressed,
                stored or size,
                len(name_bytes),
                len(extra),
                0,
                0,
                0,
                _MODE_RW,
                0xFFFFFFFF if offset > ZIP64_LIMIT else offset,
            )
            + name_bytes
            + extra
        )

    def close(self) -> None:
        start = self.offset
        for record in self.directory:
            self._write(record)
        count, size = len(self.directory), self.offset - start
        if count > _FILE_COUNT_LIMIT or start > ZIP64_LIMIT or size > ZIP64_LIMIT:
            end64 = self.offset
            self._write(
                struct.pack(
                    "<4sQ2H2L4Q",
                    b"PK\006\006",
                    44,
                    _ZIP64_VERSION,
                    _ZIP64_VERSION,
                    0,
                    0,
                    count,
                    count,
                    size,
                    start,
                )
                + struct.pack("<4sLQL", b"PK\006\007", 0, end64, 1)
            )
            count = min(count, _FILE_COUNT_LIMIT)
            size = min(size, 0xFFFFFFFF)
            start = min(start, 0xFFFFFFFF)
        self._write(struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, count, count, size, start, 0))
