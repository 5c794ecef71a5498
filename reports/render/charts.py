"""Charts for the PDF, drawn with matplotlib in the same Noto Sans CJK font as the text.

matplotlib's object API (``Figure`` without pyplot) keeps no global state, so charts can be drawn
from any thread. Each chart is a PNG image at print resolution (``DPI``): it looks the same wherever
the PDF is opened, and chart labels do not interleave with the tables in the PDF's text layer (the
tables carry the same figures as text). An image rather than an SVG with text as outlines:
WeasyPrint draws SVG paths in Python, glyph by glyph, which took about a quarter of the PDF's time
for a report's 22 charts; a PNG is copied in as one image.

``draw_charts`` takes every chart of an edition at once: those drawn before come from the chart
cache (``reports.render.chart_cache``), the others are drawn, half of them by a forked child.
matplotlib is imported only to draw: a PDF whose charts are all cached never loads it.
"""

from __future__ import annotations

import base64
import io
import os
import select
import struct
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from reports.render import chart_cache

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

# Debian's fonts-noto-cjk: the one family that covers English and Traditional Chinese.
CJK_FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
)
FONT_FAMILY = "Noto Sans CJK HK"

INK = "#1d2733"
GRID = "#d5dbe3"
BAR = "#2f5d8a"
NOT_ANSWERED = "#c4c9d0"
# Colour-blind-safe diverging palette: blues agree, grey neutral, oranges disagree.
SCALE_COLOURS = {
    "strongly_agree": "#1f4e79",
    "agree": "#5b8cc0",
    "neutral": "#b9bec6",
    "disagree": "#e59a52",
    "strongly_disagree": "#b4541a",
    "yes": "#1f4e79",
    "no": "#b4541a",
    "unsure": "#b9bec6",
}
WIDTH_INCHES = 6.4
# Print resolution: the chart is set about 6.8 inches wide, so about 190 pixels per inch on paper.
DPI = 200
# The drawing's version in the chart cache's key: raise it with any change to how charts look.
CHART_STYLE = 1
# From this many charts to draw, a forked child draws half of them (a report has about 22).
PARALLEL_FROM = 6
# The longest the parent waits for the child's charts before drawing them itself.
CHILD_TIMEOUT_SECONDS = 120


@cache
def _font_family() -> str:
    """Register the CJK font with matplotlib once per process; return the family to use."""
    from matplotlib import font_manager

    for path in CJK_FONT_FILES:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
    names = {font.name for font in font_manager.fontManager.ttflist}
    return FONT_FAMILY if FONT_FAMILY in names else "DejaVu Sans"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length
    caption: str  # written at the end of the bar, e.g. "37.5% (120)"
    colour: str = BAR


def _wrap(label: str, width: int) -> str:
    # CJK text has no spaces to break at: wrap it by characters, at half the width.
    if any(ord(char) > 0x2E80 for char in label):
        width = max(8, width // 2)
        return "\n".join(label[i : i + width] for i in range(0, len(label), width))
    return "\n".join(textwrap.wrap(label, width)) or label


@dataclass(frozen=True)
class Chart:
    """A bar chart to draw: its bars, the value axis's end (None: the longest bar's) and
    whether the axis is in percent."""

    bars: tuple[Bar, ...]
    maximum: float | None = None
    percent_axis: bool = True


def bar_chart(
    bars: Sequence[Bar], *, maximum: float | None = None, percent_axis: bool = True
) -> str:
    """A horizontal bar chart as a ``data:image/png`` URI, first bar at the top."""
    return png_uri(_draw(Chart(tuple(bars), maximum, percent_axis)))


def draw_charts(
    charts: Sequence[Chart], *, cache_dir: Path | None = None, parallel: bool = False
) -> list[str]:
    """Each chart as a ``data:image/png`` URI, in order: from the cache in ``cache_dir`` where
    the same chart was drawn before, otherwise drawn (with ``parallel``, half of them by a forked
    child when there are many) and stored there."""
    keys = [
        chart_cache.chart_key(asdict(chart), style=CHART_STYLE, fonts=CJK_FONT_FILES)
        for chart in charts
    ]
    pngs: list[bytes | None] = [
        chart_cache.read(cache_dir, key) if cache_dir is not None else None for key in keys
    ]
    missing = [index for index, png in enumerate(pngs) if png is None]
    if missing:
        wanted = [charts[index] for index in missing]
        drawn = _draw_all(wanted) if parallel else [_draw(chart) for chart in wanted]
        for index, png in zip(missing, drawn, strict=True):
            pngs[index] = png
            if cache_dir is not None:
                chart_cache.write(cache_dir, keys[index], png)
        if cache_dir is not None:
            chart_cache.prune(cache_dir)
    return [png_uri(png) for png in pngs if png is not None]


def _draw_all(charts: Sequence[Chart]) -> list[bytes]:
    """Draw the charts; with two cores and enough charts, a forked child draws the second
    half meanwhile (matplotlib holds the GIL: threads would not help). Where no child can be
    forked, or it fails, this process draws them all."""
    if len(charts) < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return [_draw(chart) for chart in charts]
    _font_family()  # loaded before the fork: the child inherits matplotlib and the font
    half = len(charts) // 2
    theirs = charts[half:]
    try:
        receive, send = os.pipe()
        pid = os.fork()
    except OSError:
        return [_draw(chart) for chart in charts]
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        _child(receive, send, theirs)
    os.close(send)
    try:
        mine = [_draw(chart) for chart in charts[:half]]
        drawn = _receive(receive, len(theirs))
    finally:
        os.close(receive)
        _reap(pid)
    if drawn is None:
        drawn = [_draw(chart) for chart in theirs]
    return mine + drawn


def _child(receive: int, send: int, charts: Sequence[Chart]) -> None:  # pragma: no cover
    """The forked child: draw, write each PNG length-prefixed to the pipe, exit at once (no
    atexit handlers, no flushing the parent's buffers twice)."""
    status = 1
    try:
        os.close(receive)
        with os.fdopen(send, "wb") as pipe:
            for chart in charts:
                png = _draw(chart)
                pipe.write(struct.pack("!I", len(png)) + png)
        status = 0
    finally:
        os._exit(status)


def _receive(receive: int, count: int) -> list[bytes] | None:
    """``count`` PNGs from the child, or None if it fails or takes too long."""
    buffer = bytearray()
    while True:
        ready, _, _ = select.select([receive], [], [], CHILD_TIMEOUT_SECONDS)
        if not ready:
            return None
        block = os.read(receive, 1 << 16)
        if not block:
            break
        buffer += block
    pngs = []
    offset = 0
    while offset + 4 <= len(buffer):
        (length,) = struct.unpack_from("!I", buffer, offset)
        pngs.append(bytes(buffer[offset + 4 : offset + 4 + length]))
        offset += 4 + length
    if len(pngs) != count or offset != len(buffer):
        return None
    return pngs


def _reap(pid: int) -> None:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == 0:
            os.kill(pid, 9)  # SIGKILL: it failed to deliver in time
            os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        return


def _draw(chart: Chart) -> bytes:
    """The chart as PNG bytes."""
    import matplotlib
    from matplotlib import ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    bars, maximum, percent_axis = chart.bars, chart.maximum, chart.percent_axis
    family = _font_family()
    labels = [_wrap(bar.label, 34) for bar in bars]
    lines = sum(max(1, label.count("\n") + 1) for label in labels)
    height = 0.45 + 0.2 * lines + 0.14 * len(bars)
    with matplotlib.rc_context(
        {
            "font.family": family,
            "font.size": 8.5,
            "axes.edgecolor": GRID,
            "text.color": INK,
            "xtick.color": INK,
            "ytick.color": INK,
        }
    ):
        figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
        axes = figure.add_subplot()
        positions = list(range(len(bars)))[::-1]
        values = [bar.value for bar in bars]
        axes.barh(positions, values, color=[bar.colour for bar in bars], height=0.62)
        axes.set_yticks(positions, labels)
        top = maximum if maximum is not None else max(values + [0]) or 1
        axes.set_xlim(0, top * 1.18)
        captions = [
            axes.text(
                bar.value + top * 0.012,
                position,
                bar.caption,
                va="center",
                ha="left",
                fontsize=8,
                color=INK,
            )
            for position, bar in zip(positions, bars, strict=True)
        ]
        if percent_axis:
            axes.xaxis.set_major_formatter(ticker.PercentFormatter(xmax=1, decimals=0))
        else:
            axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:,.0f}"))
            axes.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        axes.grid(axis="x", color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.tick_params(axis="y", length=0)
        axes.tick_params(axis="x", labelsize=7.5)
        canvas = FigureCanvasAgg(figure)
        figure.tight_layout(pad=0.4)
        _fit_captions(canvas, axes, captions)
        return _png(canvas)


def _fit_captions(canvas: FigureCanvasAgg, axes: Axes, captions: Sequence[Text]) -> None:
    """Widen the value axis until every caption ends inside the figure: with the axis fixed at
    118 % of the longest bar, a long caption ("50,061 (50.1%)") was cut off at the edge."""
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # matplotlib Agg is untyped
    box = axes.get_window_extent(renderer)
    room = canvas.figure.bbox.x1 - 4 * canvas.figure.dpi / 72  # a 4 pt margin, in pixels
    _, limit = axes.get_xlim()
    needed = limit
    for caption in captions:
        # The caption starts at x (data) and is ``width`` pixels wide, whatever the scale.
        x = caption.get_position()[0]
        width = caption.get_window_extent(renderer).width
        if room - width > box.x0:
            needed = max(needed, x * box.width / (room - width - box.x0))
    if needed > limit:
        axes.set_xlim(0, needed)


def _png(canvas: FigureCanvasAgg) -> bytes:
    """The figure as an opaque RGB PNG: WeasyPrint stores an alpha channel as a second image,
    and the page is white anyway. No metadata, so identical data gives identical bytes. Fast
    compression (level 1, not Pillow's 6): WeasyPrint decodes the image and compresses it again
    for the PDF whatever we give it, so a smaller file here is CPU spent for nothing."""
    import numpy as np
    from PIL import Image

    canvas.draw()  # type: ignore[no-untyped-call]  # matplotlib Agg is untyped
    rgb = np.asarray(
        canvas.buffer_rgba()  # type: ignore[no-untyped-call]  # matplotlib Agg is untyped
    )[:, :, :3]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
