"""No product module over 600 lines (migrations aside): a module that long holds more than one
job (ARCHITECTURE.md)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 600
NOT_PRODUCT = ("tests/", "bench/", "scripts/")


def test_no_product_module_passes_600_lines():
    tracked = subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "ls-files", "*.py"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split()
    product = [
        path for path in tracked if not path.startswith(NOT_PRODUCT) and "/migrations/" not in path
    ]
    assert len(product) > 50
    too_long = {
        path: n
        for path in product
        if (n := len((ROOT / path).read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert too_long == {}
