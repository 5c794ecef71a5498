"""The PDF's charts kept by the hash of their data: read back when the same chart is asked for
again, drawn again when anything that sets its pixels changes or the stored file is damaged."""

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.render import chart_cache, charts, render
from reports.render.charts import Bar, Chart, bar_chart, draw_charts
from reports.summary.compute import summarise
from tests.reports.summary.datasets import handmade_inputs

GENERATED = dt.datetime(2026, 4, 13, 9, 0, tzinfo=dt.UTC)

ENGLISH = Chart(
    (Bar("Agree", 0.6, "60.0% (6)", "#5b8cc0"), Bar("Disagree", 0.4, "40.0% (4)", "#e59a52")),
    maximum=1.0,
)
CHINESE = Chart(
    (Bar("同意", 0.6, "60.0% (6)", "#5b8cc0"), Bar("不同意", 0.4, "40.0% (4)", "#e59a52")),
    maximum=1.0,
)
# A number question's bands: the same words in either language's edition.
BANDS = Chart((Bar("0–9", 12, "12 (60.0%)"), Bar("10–19", 8, "8 (40.0%)")), percent_axis=False)


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("??/*.png"))


def _drawing_counted(monkeypatch) -> list[Chart]:
    drawn: list[Chart] = []
    draw = charts._draw

    def counting(chart: Chart) -> bytes:
        drawn.append(chart)
        return draw(chart)

    monkeypatch.setattr(charts, "_draw", counting)
    return drawn


def test_a_cached_chart_is_the_chart_drawn_without_the_cache(tmp_path):
    first = draw_charts([ENGLISH, BANDS], cache_dir=tmp_path)
    again = draw_charts([ENGLISH, BANDS], cache_dir=tmp_path)
    expected = [
        bar_chart(ENGLISH.bars, maximum=1.0),
        bar_chart(BANDS.bars, percent_axis=False),
    ]
    assert first == again == expected
    assert len(_entries(tmp_path)) == 2


def test_the_same_data_is_a_cache_hit(tmp_path, monkeypatch):
    draw_charts([ENGLISH, BANDS], cache_dir=tmp_path)
    drawn = _drawing_counted(monkeypatch)
    # Another report, the other language's edition: a chart with the same words is reused.
    draw_charts([CHINESE, BANDS], cache_dir=tmp_path)
    assert drawn == [CHINESE]
    drawn.clear()
    draw_charts([BANDS, CHINESE, ENGLISH], cache_dir=tmp_path)
    assert drawn == []


def test_other_data_or_another_language_is_another_file(tmp_path):
    changed = Chart((ENGLISH.bars[0], Bar("Disagree", 0.5, "50.0% (5)", "#e59a52")), maximum=1.0)
    other_axis = Chart(ENGLISH.bars, maximum=None)
    uris = draw_charts([ENGLISH, CHINESE, changed, other_axis], cache_dir=tmp_path)
    assert len(set(uris)) == 4
    assert len(_entries(tmp_path)) == 4


def test_the_key_changes_with_the_drawing_style_and_the_fonts(tmp_path):
    data = {"bars": [["Agree", 0.6]]}
    font = tmp_path / "font.ttc"
    font.write_bytes(b"one")
    key = chart_cache.chart_key(data, style=1, fonts=[font])
    assert chart_cache.chart_key(data, style=1, fonts=[font]) == key
    assert chart_cache.chart_key(data, style=2, fonts=[font]) != key
    font.write_bytes(b"another font file")
    assert chart_cache.chart_key(data, style=1, fonts=[font]) != key


def test_a_damaged_entry_is_drawn_again_and_replaced(tmp_path, monkeypatch):
    expected = draw_charts([ENGLISH], cache_dir=tmp_path)
    (entry,) = _entries(tmp_path)
    entry.write_bytes(entry.read_bytes()[:100])  # cut short, as by a full disk
    drawn = _drawing_counted(monkeypatch)
    assert draw_charts([ENGLISH], cache_dir=tmp_path) == expected
    assert drawn == [ENGLISH]
    assert entry.read_bytes().endswith(chart_cache.PNG_END)
    entry.write_bytes(b"not a PNG at all")
    assert draw_charts([ENGLISH], cache_dir=tmp_path) == expected


def test_a_missing_entry_or_an_unwritable_cache_only_draws(tmp_path, monkeypatch):
    expected = draw_charts([ENGLISH], cache_dir=tmp_path)
    (entry,) = _entries(tmp_path)
    entry.unlink()
    drawn = _drawing_counted(monkeypatch)
    assert draw_charts([ENGLISH], cache_dir=tmp_path) == expected
    assert drawn == [ENGLISH]
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    assert draw_charts([ENGLISH], cache_dir=blocked) == expected


def test_many_charts_drawn_by_two_processes_are_the_charts_drawn_by_one(tmp_path):
    many = [
        Chart(tuple(Bar(f"Answer {n}", n * 0.05, f"{n * 5}%") for n in range(1, size)), 1.0)
        for size in range(2, 2 + charts.PARALLEL_FROM + 1)
    ]
    assert len(many) > charts.PARALLEL_FROM
    parallel = draw_charts(many, cache_dir=None, parallel=True)
    assert parallel == [bar_chart(chart.bars, maximum=1.0) for chart in many]


def test_pruning_keeps_the_most_recently_used_entries(tmp_path):
    for n in range(5):
        chart_cache.write(tmp_path, f"{n:02d}" + "0" * 62, chart_cache.PNG_SIGNATURE)
        path = tmp_path / f"{n:02d}" / (f"{n:02d}" + "0" * 62 + ".png")
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    assert chart_cache.prune(tmp_path, keep=3) == 2
    assert [path.parent.name for path in _entries(tmp_path)] == ["02", "03", "04"]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_a_pdf_from_cached_charts_is_the_pdf_drawn_afresh(tmp_path, settings, monkeypatch):
    """The PDF's charts go through the cache: the first edition draws and stores them, the
    same edition again draws none and says the same thing."""
    summary = summarise(handmade_inputs(), generated_at=GENERATED)
    settings.REPORT_CHART_CACHE_DIR = str(tmp_path / "charts")
    # All drawn in this process, where they are counted (a forked child's are not).
    monkeypatch.setattr(charts, "PARALLEL_FROM", 1000)
    drawn = _drawing_counted(monkeypatch)
    first = render(summary=summary, language="zh-hant", fmt="pdf", directory=tmp_path / "one")
    assert len(drawn) >= 3
    assert len(_entries(tmp_path / "charts")) == len(drawn)
    drawn.clear()
    again = render(summary=summary, language="zh-hant", fmt="pdf", directory=tmp_path / "two")
    assert drawn == []
    text = [_poppler("pdftotext", "-layout", str(path), "-") for path in (first, again)]
    assert text[0] == text[1]
    assert "關於本摘要" in text[0]
    # The same images, of the same sizes, in the same places.
    images = [_poppler("pdfimages", "-list", str(path)) for path in (first, again)]
    assert images[0] == images[1]
    assert images[0].count("image") >= len(_entries(tmp_path / "charts"))


def _poppler(*arguments: str) -> str:
    return subprocess.run(  # noqa: S603 - fixed arguments, a file we wrote
        arguments, capture_output=True, check=True, text=True
    ).stdout
