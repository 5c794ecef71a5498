"""``bench.targets``: the targets ``make bench`` prints beside each ratio, read off made-up records
(the bench is not part of the suite: no timing here, only the arithmetic and the verdicts)."""

from __future__ import annotations

from bench.targets import TARGETS, outcomes, step_note, summary_lines


def _record(wall: float, rss: float = 300.0, **extra: float) -> dict:
    return {"wall": wall, "rss_mib": rss, **extra}


def _verdicts(records: dict) -> dict[tuple[int, str], str]:
    return {(o.size, o.target.name): o.verdict for o in outcomes(records)}


def _values(records: dict) -> dict[tuple[int, str], float | None]:
    return {(o.size, o.target.name): o.value for o in outcomes(records)}


def test_aggregation_is_judged_against_the_copy_floor_at_100k_inclusive():
    at_floor = {100_000: {"floor": _record(2.0), "aggregate": _record(2.0)}}
    above = {100_000: {"floor": _record(2.0), "aggregate": _record(2.2)}}
    assert _verdicts(at_floor)[(100_000, "aggregation / COPY floor")] == "met"
    assert _verdicts(above)[(100_000, "aggregation / COPY floor")] == "MISSED"
    assert _values(above)[(100_000, "aggregation / COPY floor")] == 2.2 / 2.0


def test_the_groupby_floor_ratios_are_shown_without_a_target():
    records = {
        10_000: {
            "floor": _record(1.0),
            "groupby_floor": _record(0.5),
            "aggregate": _record(1.5),
        }
    }
    verdicts = _verdicts(records)
    values = _values(records)
    assert verdicts[(10_000, "aggregation / GROUP BY floor")] == "info"
    assert values[(10_000, "aggregation / GROUP BY floor")] == 3.0
    assert values[(10_000, "GROUP BY floor / COPY floor")] == 0.5
    # At 10,000 the COPY ratio has no target (it is set at 100,000).
    assert verdicts[(10_000, "aggregation / COPY floor")] == "info"


def test_memory_limits_are_strict_and_use_the_larger_of_rss_and_the_tree():
    gib = 1024.0
    under = {
        1_000_000: {"summary": _record(50, gib - 1), "job": _record(90, 900, tree_pss_mib=1600)}
    }
    at = {1_000_000: {"summary": _record(50, gib), "job": _record(90, 1500)}}
    assert _verdicts(under)[(1_000_000, "one-pass summary peak memory")] == "met"
    assert _verdicts(at)[(1_000_000, "one-pass summary peak memory")] == "MISSED"
    # 1.5 GiB at a million, measured with the PDF child.
    assert _verdicts(under)[(1_000_000, "report job peak memory")] == "MISSED"
    assert _verdicts(at)[(1_000_000, "report job peak memory")] == "met"


def test_the_job_is_judged_against_five_floors_and_the_pdf_against_three_seconds():
    records = {
        100_000: {
            "floor": _record(2.0),
            "pdf": _record(2.99),
            "job": _record(10.5, 800),
        }
    }
    verdicts = _verdicts(records)
    assert verdicts[(100_000, "report job / COPY floor")] == "MISSED"  # 5.25x
    assert verdicts[(100_000, "report job time")] == "met"  # < 20 s
    assert verdicts[(100_000, "report job peak memory")] == "met"
    assert verdicts[(100_000, "PDF (English) time")] == "met"
    # At the other sizes the job's ratio is shown, without a target.
    assert _verdicts({10_000: records[100_000]})[(10_000, "report job / COPY floor")] == "info"
    records[100_000]["pdf"] = _record(3.0)
    records[100_000]["job"] = _record(9.9, 800)
    verdicts = _verdicts(records)
    assert verdicts[(100_000, "PDF (English) time")] == "MISSED"
    assert verdicts[(100_000, "report job / COPY floor")] == "met"


def test_flat_memory_compares_with_the_smallest_size_then_the_baseline():
    records = {
        10_000: {"baseline": _record(0.0, 280), "export_xlsx": _record(3, 320)},
        1_000_000: {"export_xlsx": _record(80, 371), "campaigns": _record(59.9, 1023)},
    }
    values = _values(records)
    verdicts = _verdicts(records)
    assert values[(10_000, "responses XLSX memory growth")] == 40
    assert verdicts[(10_000, "responses XLSX memory growth")] == "met"
    assert values[(1_000_000, "responses XLSX memory growth")] == 51
    assert verdicts[(1_000_000, "responses XLSX memory growth")] == "MISSED"
    assert verdicts[(1_000_000, "responses XLSX time")] == "met"
    assert verdicts[(1_000_000, "campaign detection time")] == "met"
    assert verdicts[(1_000_000, "campaign detection peak memory")] == "met"


def test_a_size_run_alone_compares_its_memory_with_its_own_baseline():
    # As the million-row steps are run: ``python -m bench --size 1000000 --steps ...``.
    records = {1_000_000: {"baseline": _record(0.0, 235), "export_xlsx": _record(100.8, 256)}}
    assert _values(records)[(1_000_000, "responses XLSX memory growth")] == 21
    assert _verdicts(records)[(1_000_000, "responses XLSX memory growth")] == "met"


def test_growth_skips_a_smaller_size_where_the_step_failed_or_was_not_run():
    records = {
        10_000: {"baseline": _record(0.0, 235), "export_xlsx": {"error": ["boom"]}},
        100_000: {"baseline": _record(0.0, 236), "export_xlsx": _record(12, 300)},
        1_000_000: {"baseline": _record(0.0, 237), "export_xlsx": _record(100, 310)},
    }
    values = _values(records)
    assert values[(100_000, "responses XLSX memory growth")] == 64
    assert values[(1_000_000, "responses XLSX memory growth")] == 10


def test_a_failed_or_missing_input_is_missed_never_met():
    records = {
        100_000: {"floor": {"step": "floor", "error": ["boom"]}, "aggregate": _record(1.0)},
        1_000_000: {"export_xlsx": _record(10, 300)},  # no smaller run, no baseline
    }
    verdicts = _verdicts(records)
    assert verdicts[(100_000, "aggregation / COPY floor")] == "MISSED (not measured)"
    assert verdicts[(1_000_000, "responses XLSX memory growth")] == "MISSED (not measured)"


def test_only_the_steps_run_are_judged_and_the_comparison_step_is_optional():
    records = {100_000: {"floor": _record(1.0), "export_xlsx": _record(10, 300)}}
    names = {o.target.name for o in outcomes(records)}
    assert "openpyxl write-only / XlsxWriter" not in names
    assert "PDF (English) time" not in names
    records[100_000]["export_xlsx_openpyxl"] = _record(25, 500)
    assert _values(records)[(100_000, "openpyxl write-only / XlsxWriter")] == 2.5


def test_the_row_note_and_the_closing_block():
    records = {100_000: {"floor": _record(2.0), "aggregate": _record(1.8), "pdf": _record(4.0)}}
    assert step_note(records, 100_000, "aggregate") == (
        "aggregation / COPY floor 0.90x (target <= 1.00x: met); aggregation / GROUP BY floor"
        " not measured"
    )
    lines = summary_lines(outcomes(records))
    assert lines[-1] == "1 of 2 targets met."
    assert any("PDF (English) time" in line and line.endswith("MISSED") for line in lines)


def test_every_issue_20_item_with_a_number_has_a_target():
    judged = {(t.item, t.step) for t in TARGETS if t.limit is not None}
    assert {
        (1, "aggregate"),
        (1, "summary"),
        (2, "pdf"),
        (2, "job"),
        (3, "campaigns"),
        (4, "export_xlsx"),
        (4, "export_csv"),
    } <= judged
