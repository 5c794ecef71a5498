"""In parallel runs the tests of a module with a module-scoped set-up of ours run on one worker
(``tests/conftest.py``, ``--dist loadgroup``): otherwise every worker that takes some of them
builds the set-up again (a published consultation with its reports: half a minute each)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Pure tests sharing module-scoped fixtures (a computed summary): quick to run twice over.
GROUPED_MODULE = "tests/reports/summary/test_compute.py"
GROUP = "tests.reports.summary.test_compute"


def test_a_modules_shared_set_up_is_built_on_one_worker():
    result = subprocess.run(  # noqa: S603 - our own interpreter and test module
        [sys.executable, "-m", "pytest", GROUPED_MODULE, "-n", "2", "--dist", "loadgroup"]
        + ["-v", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ran = re.findall(r"^\[(gw\d+)\] .*PASSED (\S+)", result.stdout, flags=re.MULTILINE)
    # The tests that share the module's fixtures carry its name as their group, in their ids.
    grouped = [worker for worker, node in ran if node.endswith("@" + GROUP)]
    assert len(grouped) > 5, result.stdout[-3000:]
    assert len(set(grouped)) == 1, f"the module's set-up was built on {sorted(set(grouped))}"
