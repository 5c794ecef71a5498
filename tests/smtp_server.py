"""A local SMTP server process for the tests: ``python -m tests.smtp_server PORT FOLDER``.

Listens on 127.0.0.1:PORT (aiosmtpd). While ``FOLDER/refuse`` exists it answers every message
with "451 try again later", as a mail server in trouble does; otherwise it accepts each message
and writes it to ``FOLDER/NNNN.eml`` with its recipients in ``FOLDER/NNNN.rcpt``. Writes
``FOLDER/ready`` once it listens; stops on SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        if (self.folder / "refuse").exists():
            return "451 4.3.0 Mail system temporarily unavailable, try again later"
        self.count += 1
        name = f"{self.count:04d}"
        (self.folder / f"{name}.rcpt").write_text("\n".join(envelope.rcpt_tos))
        (self.folder / f"{name}.eml").write_bytes(envelope.original_content or b"")
        return "250 Message accepted"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    controller = Controller(Handler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    (folder / "ready").touch()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
