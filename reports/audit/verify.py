"""Check an audit pack: every file against the manifest, the manifest against its signature, and
every figure of the pack's ``summary.json`` recomputed from ``register.csv`` alone.

Pure Python (no Django, no pandas, nothing of ``reports.summary``): a second computation written
apart from the one that made the figures, short enough for another program's authors to read as
a reference. ``python -m reports.audit.verify PACK.zip`` with ``AUDIT_PACK_SIGNING_KEY`` set runs
it without the project's settings.

The register's columns (README, "Audit pack"): one row per submission that reached the regulator;
``status`` is ``counted`` or ``left_out`` (with ``reason``); each counted row carries its answers:
``q:<code>`` the choice values of a closed question joined by ``|`` or a number question's number,
``q:<code>:answered`` (``1``/``0``) and ``q:<code>:themes`` (theme ids joined by ``|``) for a
free-text question. ``weight`` is what a record counts for (a petition's signatories).
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import io
import json
import math
import os
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
REGISTER = "register.csv"
SUMMARY = "summary.json"
KEY_ENV = "AUDIT_PACK_SIGNING_KEY"
MIN_KEY_BYTES = 32
CLOSED_KINDS = ("agree", "yes_no_unsure", "single", "multiple")
# Shares are written as floats: a recomputed share within this of the written one agrees.
SHARE_TOLERANCE = 1e-9


class SigningKeyError(ValueError):
    """The signing key is missing or unusable (the message says why)."""


def signing_key(encoded: str | None) -> bytes:
    """The key from its base64 text; ``SigningKeyError`` when absent, not base64 or too short."""
    if not encoded or not encoded.strip():
        raise SigningKeyError(f"{KEY_ENV} is not set: no pack can be signed or verified without it")
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SigningKeyError(f"{KEY_ENV} is not valid base64") from error
    if len(key) < MIN_KEY_BYTES:
        raise SigningKeyError(f"{KEY_ENV} must be base64 of at least {MIN_KEY_BYTES} bytes")
    return key


def manifest_signature(key: bytes, manifest: bytes) -> str:
    """The hex HMAC-SHA256 of the manifest's exact bytes."""
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    figures_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_pack(data: bytes | io.BufferedIOBase | str, key: bytes) -> Verdict:
    """Everything wrong with the pack (``data``: its bytes, a file or a path); empty when none."""
    verdict = Verdict()
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        verdict.problems.append(f"not a ZIP file: {error}")
        return verdict
    with archive:
        names = set(archive.namelist())
        for required in (MANIFEST, SIGNATURE):
            if required not in names:
                verdict.problems.append(f"{required} is missing")
        if verdict.problems:
            return verdict
        manifest_bytes = archive.read(MANIFEST)
        signature = archive.read(SIGNATURE).decode("ascii", "replace").strip()
        if not hmac.compare_digest(signature, manifest_signature(key, manifest_bytes)):
            verdict.problems.append(
                "the manifest's signature does not match (altered, or signed with another key)"
            )
        try:
            manifest = json.loads(manifest_bytes)
            listed: Mapping[str, str] = manifest["files"]
        except (ValueError, KeyError, TypeError):
            verdict.problems.append("manifest.json is not a manifest")
            return verdict
        for name, expected in sorted(listed.items()):
            if name not in names:
                verdict.problems.append(f"{name}: listed in the manifest but missing")
                continue
            digest = hashlib.sha256()
            with archive.open(name) as member:
                while block := member.read(1 << 20):
                    digest.update(block)
            if digest.hexdigest() != expected:
                verdict.problems.append(f"{name}: SHA-256 differs from the manifest")
        for name in sorted(names - set(listed) - {MANIFEST, SIGNATURE}):
            verdict.problems.append(f"{name}: in the pack but not in the manifest")
        if REGISTER in names and SUMMARY in names:
            summary = json.loads(archive.read(SUMMARY))
            with archive.open(REGISTER) as raw:
                rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
            checker = _Checker()
            figures_recompute(summary, rows, checker)
            verdict.problems += checker.problems
            verdict.figures_checked = checker.checked
    return verdict


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked = 0

    def same(self, where: str, written: Any, recomputed: Any) -> None:
        self.checked += 1
        if isinstance(written, float) or isinstance(recomputed, float):
            if written is None or recomputed is None:
                agree = written is None and recomputed is None
            else:
                agree = math.isclose(written, recomputed, abs_tol=SHARE_TOLERANCE)
        else:
            agree = written == recomputed
        if not agree:
            self.problems.append(
                f"{where}: summary.json says {written!r}, the register gives {recomputed!r}"
            )


@dataclass(frozen=True)
class _Row:
    weight: int
    category: str
    respondent_type: str
    channel: str
    late: bool
    campaign: str
    confirmed: bool
    licence: str
    values: Mapping[str, str]


def _rows(register: Iterable[Mapping[str, str]]) -> list[_Row]:
    counted = []
    for row in register:
        if row.get("status") != "counted":
            continue
        counted.append(
            _Row(
                weight=int(row.get("weight") or 1),
                category=row.get("category", ""),
                respondent_type=row.get("respondent_type", ""),
                channel=row.get("channel", ""),
                late=row.get("late") == "1",
                campaign=row.get("campaign", ""),
                confirmed=row.get("campaign_confirmed") == "1",
                licence=row.get("licence_status") or "other",
                values=row,
            )
        )
    return counted


def _weighted(rows: Iterable[_Row], key: Callable[[_Row], str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for row in rows:
        counts[key(row)] += row.weight
    return counts


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def figures_recompute(
    summary: Mapping[str, Any], register: list[dict[str, str]], check: _Checker
) -> None:
    """Compare the figures of ``summary`` the register supports with the register's."""
    rows = _rows(register)
    left_out = Counter(row.get("reason", "") for row in register if row.get("status") != "counted")
    snapshot = summary.get("snapshot", {})
    check.same("snapshot.count", snapshot.get("count"), len(rows))
    for reason, written in snapshot.get("excluded", {}).items():
        check.same(f"snapshot.excluded.{reason}", written, left_out[reason])
    respondents = summary.get("respondents", {})
    check.same("respondents.total", respondents.get("total"), sum(r.weight for r in rows))
    check.same("respondents.records", respondents.get("records"), len(rows))
    check.same("respondents.late", respondents.get("late"), sum(r.weight for r in rows if r.late))
    check.same(
        "respondents.in_campaigns",
        respondents.get("in_campaigns"),
        sum(r.weight for r in rows if r.campaign),
    )
    for name, key in (
        ("by_category", lambda r: r.category),
        ("by_type", lambda r: r.respondent_type),
        ("by_channel", lambda r: r.channel),
    ):
        counts = _weighted(rows, key)
        for value, written in respondents.get(name, {}).items():
            check.same(f"respondents.{name}.{value}", written, counts[value])
    for question in summary.get("questions", []):
        _question(question, rows, check)


def _question(question: Mapping[str, Any], rows: list[_Row], check: _Checker) -> None:
    code = question.get("code", "")
    kind = question.get("kind", "")
    where = f"question {code}"
    column = f"q:{code}"
    if kind in CLOSED_KINDS:
        figures = _closed(question, rows, column)
    elif kind == "number":
        figures = _numbers(rows, column)
    elif kind == "text":
        figures = _text(rows, column)
    else:
        check.problems.append(f"{where}: kind {kind!r} is not one this verifier recomputes")
        return
    whole = figures(rows)
    check.same(f"{where} answered", question.get("answered"), whole["answered"])
    check.same(f"{where} not_answered", question.get("not_answered"), whole["not_answered"])
    _subset(check, where, question, whole, top=True)
    by_category: dict[str, dict[str, Any]] = {}
    for category in question.get("by_category", {}) or question.get("answered_by_category", {}):
        by_category[category] = figures([r for r in rows if r.category == category])
    for category, counts in question.get("by_category", {}).items():
        for value, written in counts.items():
            recomputed = by_category[category]["counts"].get(value, 0)
            check.same(f"{where} by_category.{category}.{value}", written, recomputed)
    for category, written in question.get("answered_by_category", {}).items():
        check.same(
            f"{where} answered_by_category.{category}", written, by_category[category]["answered"]
        )
    subsets: dict[str, Callable[[_Row], bool]] = {
        "outside_campaigns": lambda r: not (r.campaign and r.confirmed),
        "late_only": lambda r: r.late,
    }
    for name, keep in subsets.items():
        written = question.get(name)
        if written is not None:
            _subset(check, f"{where} {name}", written, figures([r for r in rows if keep(r)]))
    for name, attribute in (("by_type", "respondent_type"), ("by_licence", "licence")):
        for value, written in (question.get(name) or {}).items():
            if written is not None:
                part = [r for r in rows if getattr(r, attribute) == value]
                _subset(check, f"{where} {name}.{value}", written, figures(part))


def _subset(
    check: _Checker,
    where: str,
    written: Mapping[str, Any],
    recomputed: Mapping[str, Any],
    *,
    top: bool = False,
) -> None:
    if not top:
        check.same(f"{where} total", written.get("total"), recomputed["total"])
        check.same(f"{where} answered", written.get("answered"), recomputed["answered"])
    for value, n in (written.get("counts") or {}).items():
        check.same(f"{where} counts.{value}", n, recomputed["counts"].get(value, 0))
    for value, share in (written.get("shares") or {}).items():
        check.same(f"{where} shares.{value}", share, recomputed["shares"].get(value))
    numbers = written.get("numbers")
    if numbers is not None:
        for key in ("count", "min", "max", "median", "mean"):
            check.same(f"{where} numbers.{key}", numbers.get(key), recomputed["numbers"][key])
    free_text = written.get("free_text")
    themes = free_text.get("themes") if isinstance(free_text, dict) else written.get("themes")
    if isinstance(free_text, dict):
        check.same(f"{where} free_text.answered", free_text.get("answered"), recomputed["answered"])
        check.same(f"{where} free_text.coded", free_text.get("coded"), recomputed["coded"])
    elif "coded" in written:
        check.same(f"{where} coded", written.get("coded"), recomputed["coded"])
    for theme in themes or []:
        recomputed_n = recomputed["themes"].get(str(theme.get("id")), 0)
        check.same(f"{where} theme {theme.get('id')}", theme.get("count"), recomputed_n)


def _closed(
    question: Mapping[str, Any], rows: list[_Row], column: str
) -> Callable[[list[_Row]], dict[str, Any]]:
    values = [choice.get("value") for choice in question.get("choices", [])]

    def figures(part: list[_Row]) -> dict[str, Any]:
        counts = dict.fromkeys(values, 0)
        answered = 0
        for row in part:
            picked = [v for v in row.values.get(column, "").split("|") if v in counts]
            if picked:
                answered += row.weight
            for value in picked:
                counts[value] += row.weight
        total = sum(r.weight for r in part)
        return {
            "total": total,
            "answered": answered,
            "not_answered": total - answered,
            "counts": counts,
            "shares": {value: _share(n, answered) for value, n in counts.items()},
        }

    return figures


def _numbers(rows: list[_Row], column: str) -> Callable[[list[_Row]], dict[str, Any]]:
    def figures(part: list[_Row]) -> dict[str, Any]:
        histogram: Counter[int] = Counter()
        for row in part:
            text = row.values.get(column, "")
            if text != "":
                histogram[int(text)] += row.weight
        count = sum(histogram.values())
        total = sum(r.weight for r in part)
        return {
            "total": total,
            "answered": count,
            "not_answered": total - count,
            "counts": {},
            "shares": {},
            "numbers": _number_statistics(histogram),
        }

    return figures


def _number_statistics(histogram: Mapping[int, int]) -> dict[str, Any]:
    count = sum(histogram.values())
    if count == 0:
        return {"count": 0, "min": None, "max": None, "median": None, "mean": None}
    values = sorted(histogram)

    def at(index: int) -> int:
        seen = 0
        for value in values:
            seen += histogram[value]
            if index < seen:
                return value
        return values[-1]

    middle = (count - 1) / 2
    low, high = at(math.floor(middle)), at(math.ceil(middle))
    return {
        "count": count,
        "min": values[0],
        "max": values[-1],
        "median": (low + high) / 2,
        "mean": sum(value * n for value, n in histogram.items()) / count,
    }


def _text(rows: list[_Row], column: str) -> Callable[[list[_Row]], dict[str, Any]]:
    def figures(part: list[_Row]) -> dict[str, Any]:
        answered = coded = 0
        themes: Counter[str] = Counter()
        for row in part:
            if row.values.get(f"{column}:answered") != "1":
                continue
            answered += row.weight
            ids = [t for t in row.values.get(f"{column}:themes", "").split("|") if t]
            if ids:
                coded += row.weight
            for theme in ids:
                themes[theme] += row.weight
        total = sum(r.weight for r in part)
        return {
            "total": total,
            "answered": answered,
            "not_answered": total - answered,
            "coded": coded,
            "themes": themes,
            "counts": {},
            "shares": {},
        }

    return figures


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m reports.audit.verify PACK.zip", file=sys.stderr)
        return 2
    try:
        key = signing_key(os.environ.get(KEY_ENV))
    except SigningKeyError as error:
        print(error, file=sys.stderr)
        return 2
    verdict = verify_pack(args[0], key)
    for problem in verdict.problems:
        print(problem)
    print(("OK" if verdict.ok else "FAILED") + f": {verdict.figures_checked} figures checked")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
