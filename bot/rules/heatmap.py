"""A GitHub-style calendar heatmap of a member's study activity over the last ``WEEKS`` weeks, as PNG bytes.

Columns are ISO weeks (Monday first), oldest on the left, ending with the week that contains ``today``; rows run
Monday..Sunday from top to bottom. Above the grid: the member's name and the period, then month names; left of
it: Mon/Wed/Fri; below it: a legend of the levels. A day's level grows with its engagement (reveals, self-grades
and quiz answers that day). Names of months and weekdays and the dates come from CLDR in the member's language.

The picture is an opaque light card with a border and dark text: it reads the same on light and dark themes.
Rendering is pure: no files written, a system font with accents when one is installed (else Pillow's built-in
font), and the same input gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Mapping
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont

from bot.i18n import t
from bot.i18n.words import day_label, month_name, weekday_name

RGB = tuple[int, int, int]

WEEKS = 12
DAYS = 7
CELL = 18  # px, side of a day's square
GAP = 4  # px, between squares
MARGIN = 14  # px, around everything
LABEL_WIDTH = 44  # px, column of weekday names left of the grid
TITLE_HEIGHT = 40  # px, the name and the period above everything
LABEL_HEIGHT = 18  # px, row of month names above the grid
LEGEND_HEIGHT = 30  # px, the legend below the grid
PITCH = CELL + GAP
TITLE_SIZE, TEXT_SIZE = 15, 12  # px, font sizes

BACKGROUND: RGB = (255, 255, 255)
BORDER: RGB = (208, 215, 222)
EMPTY: RGB = (228, 231, 235)
EMPTY_FUTURE: RGB = (246, 247, 248)
LEVEL_COLORS: tuple[RGB, RGB, RGB] = ((155, 233, 168), (48, 161, 78), (25, 97, 39))
LABEL_COLOR: RGB = (87, 96, 106)  # 6:1 on the background
TITLE_COLOR: RGB = (31, 35, 40)

WEEKDAY_ROWS = (0, 2, 4)  # Mon, Wed, Fri


def heatmap_size() -> tuple[int, int]:
    """(width, height) of the image in pixels."""
    width = 2 * MARGIN + LABEL_WIDTH + WEEKS * PITCH - GAP
    height = 2 * MARGIN + TITLE_HEIGHT + LABEL_HEIGHT + DAYS * PITCH - GAP + LEGEND_HEIGHT
    return width, height


def cell_box(week: int, weekday: int) -> tuple[int, int, int, int]:
    """Pixel box (x0, y0, x1, y1) of a day's square, end-exclusive like ``Image.crop``: ``x1 - x0 == CELL``.

    ``week`` 0 is the oldest column, ``weekday`` 0 is Monday (top row)."""
    if not (0 <= week < WEEKS and 0 <= weekday < DAYS):
        raise ValueError(f"no cell at week {week}, weekday {weekday}")
    x0 = MARGIN + LABEL_WIDTH + week * PITCH
    y0 = MARGIN + TITLE_HEIGHT + LABEL_HEIGHT + weekday * PITCH
    return x0, y0, x0 + CELL, y0 + CELL


def legend_boxes() -> list[tuple[int, int, int, int]]:
    """Boxes of the legend's squares, from no activity to the highest level, right-aligned under the grid."""
    _, _, right, bottom = cell_box(WEEKS - 1, DAYS - 1)
    y0 = bottom + (LEGEND_HEIGHT - CELL) // 2 + 2
    more_width = 40
    first = right - more_width - (1 + len(LEVEL_COLORS)) * PITCH
    return [(first + i * PITCH, y0, first + i * PITCH + CELL, y0 + CELL) for i in range(1 + len(LEVEL_COLORS))]


def window_start(today: date) -> date:
    """The Monday of the oldest column."""
    return today - timedelta(days=today.weekday(), weeks=WEEKS - 1)


def day_position(today: date, day: date) -> tuple[int, int] | None:
    """(week, weekday) of ``day`` in the heatmap ending at ``today``; None before the window or after ``today``."""
    start = window_start(today)
    if not start <= day <= today:
        return None
    offset = (day - start).days
    return offset // DAYS, offset % DAYS


def level(count: int) -> int:
    """0 for no activity, else 1, 2 or 3 (three or more actions that day)."""
    return max(0, min(count, len(LEVEL_COLORS)))


def day_color(count: int) -> RGB:
    lvl = level(count)
    return LEVEL_COLORS[lvl - 1] if lvl else EMPTY


def month_label_weeks(today: date, language: str = "en") -> dict[int, str]:
    """Columns that get a month name: each column whose Monday starts a new month, and the first column unless
    the second one already does (so names never crowd each other)."""
    start = window_start(today)
    mondays = [start + timedelta(weeks=w) for w in range(WEEKS)]

    def name(day: date) -> str:
        return month_name(language, day.month)

    labels = {w: name(mondays[w]) for w in range(1, WEEKS) if mondays[w].month != mondays[w - 1].month}
    if 1 not in labels:
        labels[0] = name(mondays[0])
    return labels


#: Fonts with accents and dashes, looked up in the system's font folders; Pillow's built-in font has neither.
SYSTEM_FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "Helvetica.ttc")


@functools.cache
def _system_font(size: int) -> ImageFont.FreeTypeFont | None:
    for name in SYSTEM_FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return _system_font(size) or ImageFont.load_default(size=size)


def _printable(text: str) -> str:
    """With the built-in font only (no system font), letters lose their accents ("Conceição" -> "Conceicao")
    and dashes become "-": better than boxes."""
    if _system_font(TEXT_SIZE) is not None:
        return text
    text = text.replace("–", "-").replace("—", "-").replace("…", "...")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> str:
    """``text`` shortened with "…" until it fits ``width`` pixels."""
    font = _font(size)
    text = _printable(text)
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _paste_label(image: Image.Image, text: str, box: tuple[int, int, int, int], size: int = TEXT_SIZE,
                 color: RGB = LABEL_COLOR) -> None:
    """Draw ``text`` clipped to ``box`` so a wide glyph can never spill onto the grid. A glyph that reaches left
    of its origin (the "J" of "Jul" in some fonts) moves right by that much instead of losing its first column."""
    x0, y0, x1, y1 = box
    label = Image.new("RGB", (x1 - x0, y1 - y0), BACKGROUND)
    draw, font, printable = ImageDraw.Draw(label), _font(size), _printable(text)
    overhang = max(0, -int(draw.textbbox((0, 0), printable, font=font)[0]))
    draw.text((overhang, 0), printable, fill=color, font=font)
    image.paste(label, (x0, y0))


def _draw_labels(image: Image.Image, today: date, language: str, name: str) -> None:
    draw = ImageDraw.Draw(image)
    width = heatmap_size()[0] - 2 * MARGIN
    title = t(language, "heatmap.title", name=name) if name else t(language, "heatmap.title_anonymous")
    period = t(language, "heatmap.period", start=day_label(language, window_start(today)),
               end=day_label(language, today))
    _paste_label(image, _fit(draw, title, TITLE_SIZE, width), (MARGIN, MARGIN, MARGIN + width, MARGIN + 20),
                 TITLE_SIZE, TITLE_COLOR)
    _paste_label(image, _fit(draw, period, TEXT_SIZE, width), (MARGIN, MARGIN + 21, MARGIN + width, MARGIN + 37))
    for weekday in WEEKDAY_ROWS:
        _, y0, _, y1 = cell_box(0, weekday)
        label = _fit(draw, weekday_name(language, weekday, "abbreviated"), TEXT_SIZE, LABEL_WIDTH - GAP)
        _paste_label(image, label, (MARGIN, y0 + 2, MARGIN + LABEL_WIDTH - GAP, y1))
    for week, month in month_label_weeks(today, language).items():
        x0, y0, _, _ = cell_box(week, 0)
        x1 = min(x0 + 2 * PITCH - GAP, heatmap_size()[0] - 1)  # a name over the last column stops at the border
        # 16 px tall: room for the descenders of "Sep" or "ago." at 12 px, still clear of the grid
        _paste_label(image, month, (x0, y0 - LABEL_HEIGHT, x1, y0 - GAP // 2))


def _draw_legend(image: Image.Image, draw: ImageDraw.ImageDraw, language: str) -> None:
    boxes = legend_boxes()
    for (x0, y0, x1, y1), color in zip(boxes, (EMPTY, *LEVEL_COLORS), strict=True):
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=color)
    less = t(language, "heatmap.less")
    less_width = int(draw.textlength(less, font=_font(TEXT_SIZE))) + 1
    x0, y0, _, y1 = boxes[0]
    _paste_label(image, less, (x0 - GAP - less_width, y0 + 2, x0 - GAP, y1))
    _, y0, x1, y1 = boxes[-1]
    _paste_label(image, t(language, "heatmap.more"), (x1 + GAP, y0 + 2, x1 + GAP + 40, y1))
    caption_right = x0 - GAP - less_width - 2 * GAP
    _paste_label(image, _fit(draw, t(language, "heatmap.caption"), TEXT_SIZE, caption_right - MARGIN),
                 (MARGIN, y0 + 2, caption_right, y1))


def _draw_cells(draw: ImageDraw.ImageDraw, today: date, counts: Mapping[date, int]) -> None:
    start = window_start(today)
    for week in range(WEEKS):
        for weekday in range(DAYS):
            day = start + timedelta(weeks=week, days=weekday)
            color = EMPTY_FUTURE if day > today else day_color(counts.get(day, 0))
            x0, y0, x1, y1 = cell_box(week, weekday)
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=color)


def render_heatmap(today: date, counts: Mapping[date, int], *, name: str = "", language: str = "en") -> bytes:
    """PNG bytes of ``name``'s heatmap for the weeks ending with ``today``'s week; ``counts`` are actions per day
    (dates outside the window are ignored)."""
    width, height = heatmap_size()
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=BORDER)
    _draw_labels(image, today, language, name)
    _draw_cells(draw, today, counts)
    _draw_legend(image, draw, language)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
