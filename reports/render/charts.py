"""Charts for the PDF, drawn with matplotlib in the same Noto Sans CJK font as the text.

matplotlib's object API (``Figure`` without pyplot) keeps no global state, so charts can be drawn
from any thread. Each chart is an SVG with its text drawn as outlines: it looks the same wherever
the PDF is opened, and chart labels do not interleave with the tables in the PDF's text layer.
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
from matplotlib import font_manager, ticker
from matplotlib.figure import Figure

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
    """A horizontal bar chart as an ``data:image/svg+xml`` URI, first bar at the top."""
    family = _font_family()
    labels = [_wrap(bar.label, 34) for bar in bars]
    lines = sum(max(1, label.count("\n") + 1) for label in labels)
    height = 0.45 + 0.2 * lines + 0.14 * len(bars)
    with matplotlib.rc_context(
        {
            "font.family": family,
            "font.size": 8.5,
            "svg.fonttype": "path",
            "svg.hashsalt": "consult-hk",  # identical output for identical data
            "axes.edgecolor": GRID,
            "text.color": INK,
            "xtick.color": INK,
            "ytick.color": INK,
        }
    ):
        figure = Figure(figsize=(WIDTH_INCHES, height))
        axes = figure.add_subplot()
        positions = list(range(len(bars)))[::-1]
        values = [bar.value for bar in bars]
        axes.barh(positions, values, color=[bar.colour for bar in bars], height=0.62)
        axes.set_yticks(positions, labels)
        top = maximum if maximum is not None else max(values + [0]) or 1
        axes.set_xlim(0, top * 1.18)
        for position, bar in zip(positions, bars, strict=True):
            axes.text(
                bar.value + top * 0.012,
                position,
                bar.caption,
                va="center",
                ha="left",
                fontsize=8,
                color=INK,
            )
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
        figure.tight_layout(pad=0.4)
        return _svg_uri(figure)


def _svg_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
