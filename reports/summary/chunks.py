"""The plan of a chunked summary: counted submissions cut by id into chunks of a given size.

``ChunkPlanner`` reads the counted (id, time of last change) rows in id order and hashes each
chunk's ``check_line`` lines as it goes; a chunk's partial (``reports.summary.partials``) must
have counted the same submissions, or the merge refuses it (``PartialMismatch``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from reports.summary.inputs import check_line


class PartialMismatch(Exception):
    """A chunk counted other submissions than the plan said: the responses changed meanwhile."""


@dataclass(frozen=True)
class ChunkSpec:
    """One chunk of a plan: counted submissions with ids from ``first_id`` to ``last_id``."""

    index: int
    first_id: int
    last_id: int
    count: int
    sha256: str  # of the chunk's ``inputs.check_line`` lines (not the report's fingerprint)


@dataclass
class ChunkPlanner:
    """Cuts a stream of counted (id, updated_at) rows, in ascending id order, into chunks of
    ``size`` submissions, hashing each chunk's ``check_line`` lines as it goes (memory stays
    flat), so that the merge can see whether a chunk read what the plan listed."""

    size: int
    chunks: list[ChunkSpec] = field(default_factory=list)
    count: int = 0
    _digest: Any = field(default_factory=hashlib.sha256)
    _chunk_digest: Any = None
    _chunk_first: int | None = None
    _chunk_last: int = 0
    _chunk_count: int = 0

    def add(self, submission_id: int, updated_at: dt.datetime) -> None:
        line = check_line(submission_id, updated_at)
        self._digest.update(line)
        if self._chunk_first is None:
            self._chunk_first, self._chunk_digest, self._chunk_count = (
                submission_id,
                hashlib.sha256(),
                0,
            )
        self._chunk_digest.update(line)
        self._chunk_last = submission_id
        self._chunk_count += 1
        self.count += 1
        if self._chunk_count >= self.size:
            self._close()

    def _close(self) -> None:
        if self._chunk_first is None:
            return
        self.chunks.append(
            ChunkSpec(
                index=len(self.chunks),
                first_id=self._chunk_first,
                last_id=self._chunk_last,
                count=self._chunk_count,
                sha256=self._chunk_digest.hexdigest(),
            )
        )
        self._chunk_first = None

    def finish(self) -> tuple[list[ChunkSpec], str]:
        """The chunks, and the ``check_sha256`` of the whole plan."""
        self._close()
        return self.chunks, self._digest.hexdigest()
