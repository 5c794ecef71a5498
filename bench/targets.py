"""Issue 20's targets as data, and the pure function that reads them off measured bench records.

``outcomes(records)`` takes what ``python -m bench`` measured, ``{size: {step: record}}`` (a record
is the JSON line of ``bench.steps``: ``wall`` seconds, ``rss_mib``, maybe ``tree_pss_mib`` or
``error``), and returns one :class:`Outcome` per target that applies to a measured size: the value
measured, the limit, and whether it is met. A target whose inputs are missing (a step not run, or
failed) is "not measured", never met. No Django, no database: ``tests/test_bench_targets.py``
checks it on made-up records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

Records = Mapping[int, Mapping[str, Mapping]]
# Peak memory may grow this much over its reference and still count as flat (MiB).
FLAT_MIB = 50.0
GIB = 1024.0


def _value(records: Records, size: int, step: str, key: str = "wall") -> float | None:
    record = records.get(size, {}).get(step)
    if not record or "error" in record or key not in record:
        return None
    return float(record[key])


def _ratio(step: str, floor: str) -> Callable[[Records, int], float | None]:
    def measure(records: Records, size: int) -> float | None:
        value, base = _value(records, size, step), _value(records, size, floor)
        if value is None or not base:
            return None
        return value / base

    return measure


def _wall(step: str) -> Callable[[Records, int], float | None]:
    return lambda records, size: _value(records, size, step)


def _peak(step: str) -> Callable[[Records, int], float | None]:
    """The step's peak memory: its own RSS, or with its children's (total PSS) when larger."""

    def measure(records: Records, size: int) -> float | None:
        rss = _value(records, size, step, "rss_mib")
        if rss is None:
            return None
        return max(rss, _value(records, size, step, "tree_pss_mib") or 0.0)

    return measure


def _growth(step: str) -> Callable[[Records, int], float | None]:
    """How much more memory than its reference the step took (MiB): the same step at the
    smallest size where it was measured, or, when there is none smaller (the smallest size, or a
    size run alone), the process start-up baseline of the same size."""

    def measure(records: Records, size: int) -> float | None:
        rss = _value(records, size, step, "rss_mib")
        smaller = [
            value
            for other in sorted(records)
            if other < size and (value := _value(records, other, step, "rss_mib")) is not None
        ]
        reference = smaller[0] if smaller else _value(records, size, "baseline", "rss_mib")
        if rss is None or reference is None:
            return None
        return rss - reference

    return measure


@dataclass(frozen=True)
class Target:
    item: int  # the point of issue 20 it belongs to (0: kept from an earlier round)
    step: str  # the step whose table row shows it
    name: str
    measure: Callable[[Records, int], float | None]
    unit: str  # "x", "s", "MiB"
    limit: float | None  # None: shown for information, no target
    inclusive: bool = False  # met at the limit itself ("at or below")
    sizes: tuple[int, ...] | None = None  # None: every size

    def applies(self, size: int) -> bool:
        return self.sizes is None or size in self.sizes


@dataclass(frozen=True)
class Outcome:
    target: Target
    size: int
    value: float | None

    @property
    def met(self) -> bool | None:
        """True or False against the limit; None for an information row."""
        if self.target.limit is None:
            return None
        if self.value is None:
            return False
        if self.target.inclusive:
            return self.value <= self.target.limit
        return self.value < self.target.limit

    @property
    def verdict(self) -> str:
        if self.target.limit is None:
            return "info"
        if self.value is None:
            return "MISSED (not measured)"
        return "met" if self.met else "MISSED"

    def measured(self) -> str:
        return "not measured" if self.value is None else _format(self.value, self.target.unit)

    def limit_text(self) -> str:
        limit = self.target.limit
        if limit is None:
            return "-"
        sign = "<=" if self.target.inclusive else "<"
        return f"{sign} {_format(limit, self.target.unit)}"

    def note(self) -> str:
        """For the table row: ``name value (target < limit: met)``."""
        if self.target.limit is None:
            return f"{self.target.name} {self.measured()}"
        return f"{self.target.name} {self.measured()} (target {self.limit_text()}: {self.verdict})"


def _format(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.0f} MiB"


TARGETS: tuple[Target, ...] = (
    # 1. Aggregation where the data is.
    Target(
        1,
        "groupby_floor",
        "GROUP BY floor / COPY floor",
        _ratio("groupby_floor", "floor"),
        "x",
        None,
    ),
    Target(
        1,
        "aggregate",
        "aggregation / COPY floor",
        _ratio("aggregate", "floor"),
        "x",
        1.0,
        inclusive=True,
        sizes=(100_000,),
    ),
    Target(
        1,
        "aggregate",
        "aggregation / COPY floor",
        _ratio("aggregate", "floor"),
        "x",
        None,
        sizes=(10_000, 1_000_000),
    ),
    Target(
        1,
        "aggregate",
        "aggregation / GROUP BY floor",
        _ratio("aggregate", "groupby_floor"),
        "x",
        None,
    ),
    Target(
        1,
        "summary",
        "one-pass summary peak memory",
        _peak("summary"),
        "MiB",
        GIB,
        sizes=(1_000_000,),
    ),
    # 2. The PDF, and the whole job against the floor.
    Target(2, "pdf", "PDF (English) time", _wall("pdf"), "s", 3.0),
    Target(2, "job", "report job / COPY floor", _ratio("job", "floor"), "x", 5.0, sizes=(100_000,)),
    Target(
        2,
        "job",
        "report job / COPY floor",
        _ratio("job", "floor"),
        "x",
        None,
        sizes=(10_000, 1_000_000),
    ),
    Target(0, "job", "report job time", _wall("job"), "s", 20.0, sizes=(100_000,)),
    Target(0, "job", "report job peak memory", _peak("job"), "MiB", GIB, sizes=(100_000,)),
    Target(0, "job", "report job peak memory", _peak("job"), "MiB", 1.5 * GIB, sizes=(1_000_000,)),
    # 3. Campaign detection at a million.
    Target(
        3, "campaigns", "campaign detection time", _wall("campaigns"), "s", 60.0, sizes=(1_000_000,)
    ),
    Target(
        3,
        "campaigns",
        "campaign detection peak memory",
        _peak("campaigns"),
        "MiB",
        GIB,
        sizes=(1_000_000,),
    ),
    # 4. Exports at a million.
    Target(
        4, "export_xlsx", "responses XLSX time", _wall("export_xlsx"), "s", 90.0, sizes=(1_000_000,)
    ),
    Target(
        4,
        "export_xlsx",
        "responses XLSX memory growth",
        _growth("export_xlsx"),
        "MiB",
        FLAT_MIB,
        inclusive=True,
    ),
    Target(
        4,
        "export_xlsx_openpyxl",
        "openpyxl write-only / XlsxWriter",
        _ratio("export_xlsx_openpyxl", "export_xlsx"),
        "x",
        None,
    ),
    Target(
        4,
        "export_xlsx_openpyxl",
        "openpyxl write-only memory growth",
        _growth("export_xlsx_openpyxl"),
        "MiB",
        None,
    ),
    Target(0, "export_csv", "responses CSV time", _wall("export_csv"), "s", 15.0, sizes=(100_000,)),
    Target(
        4,
        "export_csv",
        "responses CSV memory growth",
        _growth("export_csv"),
        "MiB",
        FLAT_MIB,
        inclusive=True,
    ),
)


def outcomes(records: Records, targets: tuple[Target, ...] = TARGETS) -> list[Outcome]:
    """Every target that applies to a size in ``records``, read off the measured records, in
    size order then the targets' order. A target is judged only where its step was run."""
    found = []
    for size in sorted(records):
        for target in targets:
            if target.applies(size) and target.step in records[size]:
                found.append(Outcome(target, size, target.measure(records, size)))
    return found


def step_note(records: Records, size: int, step: str) -> str:
    """The ratios and targets of ``step`` at ``size``, for its row of the table."""
    return "; ".join(
        outcome.note()
        for outcome in outcomes(records)
        if outcome.size == size and outcome.target.step == step
    )


def summary_lines(found: list[Outcome]) -> list[str]:
    """The closing block: each judged target, what was measured, met or missed."""
    judged = [outcome for outcome in found if outcome.target.limit is not None]
    lines = [
        f"{o.size:>9,}  {o.target.name:<36} {o.measured():>14}  {o.limit_text():>12}  {o.verdict}"
        for o in judged
    ]
    missed = sum(o.met is False for o in judged)
    lines.append(f"{len(judged) - missed} of {len(judged)} targets met.")
    return lines
