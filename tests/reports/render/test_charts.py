"""Charts for the PDF: PNG images at print resolution, the same bytes for the same data."""

import base64
import io

from PIL import Image

from reports.render.charts import DPI, WIDTH_INCHES, Bar, bar_chart

BARS = [
    Bar("Strongly agree", 0.4, "40.0% (4)", "#1f4e79"),
    Bar("非常不同意", 0.1, "10.0% (1)", "#b4541a"),
]


def _image(uri: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(uri[len(prefix) :])))


def test_a_chart_is_an_opaque_png_at_print_resolution():
    image = _image(bar_chart(BARS, maximum=1.0))
    assert image.format == "PNG"
    # RGB: WeasyPrint would store an alpha channel as a second image in the PDF.
    assert image.mode == "RGB"
    assert image.width == round(WIDTH_INCHES * DPI)
    # The bars are drawn in their colours (not only the white background and the text).
    colours = {colour for _, colour in image.getcolors(maxcolors=1_000_000)}
    assert (0x1F, 0x4E, 0x79) in colours
    assert (0xB4, 0x54, 0x1A) in colours


def test_the_same_data_gives_the_same_bytes_and_other_data_other_bytes():
    assert bar_chart(BARS, maximum=1.0) == bar_chart(BARS, maximum=1.0)
    changed = [BARS[0], Bar("非常不同意", 0.2, "20.0% (2)", "#b4541a")]
    assert bar_chart(changed, maximum=1.0) != bar_chart(BARS, maximum=1.0)


def test_more_bars_make_a_taller_chart():
    short = _image(bar_chart(BARS, percent_axis=False))
    tall = _image(bar_chart(BARS * 4, percent_axis=False))
    assert tall.height > short.height


def test_a_long_caption_on_the_longest_bar_is_not_cut_off():
    bars = [
        Bar("Member of the public", 50061, "50,061 (50.1%)"),
        # A long label: the axis starts further right, leaving less room for the captions.
        Bar("Stored value facility, payment provider or money service operator", 3203, "3,203"),
        Bar("Bank", 2910, "2,910 (2.9%)"),
    ]
    image = _image(bar_chart(bars, percent_axis=False)).convert("L")
    # The rightmost columns are background: the caption ends inside the image.
    right_edge = image.crop((image.width - 8, 0, image.width, image.height))
    assert right_edge.getextrema() == (255, 255)
