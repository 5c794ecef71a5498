"""The PDF typeset in a child process while the build writes the other formats.

Typesetting is most of a report's build: at 100,000 submissions about 10 s of CPU, against
about 4 s for reading the register and writing the workbook, the JSON and the CSV. A worker
machine has more than one core, so the build forks a child that typesets the PDF meanwhile.

Fork, not spawn: the child starts with the summary already in its memory (nothing is pickled or
read again) and touches neither the database nor the broker. It writes the file into the build's
own folder and sends back, through a pipe, its progress, then the file's path or its error;
the parent turns that into the build's progress and raises the same error a PDF written in
the build's own process would have raised. A build that stops (an error, its deadline, its
attempt replaced) kills the child first. A child whose parent was killed outright finishes its
file in a build folder that the next sweep deletes (``reports.jobs.scratch``).

Where a child cannot be forked (a platform without ``fork``, a process not allowed children),
the PDF is typeset in the build's own process, as before.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import billiard

from reports.render import render
from reports.summary.types import Summary

logger = logging.getLogger(__name__)

# How often the parent, waiting for the child, checks its own deadline and attempt.
POLL_SECONDS = 0.5


class TypesettingFailed(Exception):
    """The child failed with an error that could not be sent back as it was."""


class TypesettingLost(Exception):
    """The child ended without a file and without an error (killed, out of memory)."""


def pdf_aside(*, summary: Summary, language: str, directory: Path) -> PdfAside | None:
    """Start typesetting ``summary``'s PDF in a child process; None where no child can be
    forked (the caller then typesets it itself)."""
    if "fork" not in billiard.get_all_start_methods():
        return None
    # Celery's own fork of multiprocessing: a Celery pool process is daemonic, and the standard
    # library's multiprocessing refuses a daemonic process children; billiard allows them.
    context: Any = billiard.get_context("fork")  # billiard's contexts are typed partially
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_typeset,
        args=(summary, language, Path(directory), send),
        name="report-pdf",
        daemon=True,
    )
    try:
        process.start()
    except (AssertionError, OSError) as exc:
        # Out of processes or memory: typeset in this process instead.
        logger.warning("Could not fork the PDF's typesetting (%s); typesetting in-process", exc)
        receive.close()
        send.close()
        return None
    send.close()  # the child holds the sending end: EOF when it ends
    return PdfAside(process=process, receive=receive)


class PdfAside:
    """A PDF being typeset by a child: ``wait`` for its path, ``stop`` to kill it."""

    def __init__(self, *, process: Any, receive: Any) -> None:
        self._process = process
        self._receive = receive

    def wait(
        self, on_progress: Callable[[float, str], None], checkpoint: Callable[[], None]
    ) -> Path:
        """The PDF's path once the child wrote it; the child's own error if it failed.

        ``on_progress(fraction, step)`` follows the child's steps; ``checkpoint()`` is called
        at least every ``POLL_SECONDS`` and may raise to stop the build (the child is killed)."""
        try:
            while True:
                checkpoint()
                if not self._receive.poll(POLL_SECONDS):
                    continue
                try:
                    kind, value = self._receive.recv()
                except EOFError:
                    self._process.join(5)
                    raise TypesettingLost(
                        f"the PDF's typesetting process ended ({self._process.exitcode}) "
                        "without a file"
                    ) from None
                if kind == "progress":
                    on_progress(*value)
                elif kind == "done":
                    self._process.join(5)
                    return Path(value)
                else:
                    raise value
        finally:
            self.stop()

    def stop(self) -> None:
        """Kill the child if it still runs (SIGKILL: it holds nothing to clean up but its
        file, in a folder the build or the sweep deletes)."""
        if self._process.is_alive():
            # SIGKILL, not billiard's terminate (SIGTERM), whose handler a child forked from a
            # Celery pool process inherits.
            with suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGKILL)
            self._process.join(5)
        self._receive.close()


def _typeset(summary: Summary, language: str, directory: Path, send: Any) -> None:
    """The child: typeset, report progress, send the path or the error."""
    try:
        path = render(
            summary=summary,
            language=language,
            fmt="pdf",
            directory=directory,
            on_progress=lambda fraction, step: send.send(("progress", (fraction, step))),
        )
        send.send(("done", str(path)))
    except Exception as exc:
        try:
            send.send(("error", exc))
        except Exception:  # an error that cannot be pickled: its text
            send.send(("error", TypesettingFailed(f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()
