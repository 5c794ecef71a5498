"""Charts for the PDF, drawn with matplotlib in the same Noto Sans CJK font as the text.

matplotlib's object API (``Figure`` without pyplot) keeps no global state, so charts can be drawn
from any thread. Each chart is a PNG image at print resolution (``DPI``): it looks the same wherever
the PDF is opened, and chart labels do not interleave with the tables in the PDF's text layer (the
tables carry the same figures as text). An image rather than an SVG with text as outlines:
WeasyPrint draws SVG paths in Python, glyph by glyph, which took about a quarter of the PDF's time
for a report's 22 charts; a PNG is copied in as one image.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager, ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

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


@cache
def _font_family() -> str:
    """Register the CJK font with matplotlib once per process; return the family to use."""
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


def bar_chart(
    bars: Sequence[Bar], *, maximum: float | None = None, percent_axis: bool = True
) -> str:
    """A horizontal bar chart as a ``data:image/png`` URI, first bar at the top."""
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
        return _png_uri(canvas)


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


def _png_uri(canvas: FigureCanvasAgg) -> str:
    """The figure as an opaque RGB PNG: WeasyPrint stores an alpha channel as a second image,
    and the page is white anyway. No metadata, so identical data gives identical bytes."""
    canvas.draw()  # type: ignore[no-untyped-call]  # matplotlib Agg is untyped
    rgb = np.asarray(
        canvas.buffer_rgba()  # type: ignore[no-untyped-call]  # matplotlib Agg is untyped
    )[:, :, :3]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
