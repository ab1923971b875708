"""A GitHub-style calendar heatmap of a member's participation over the last ``WEEKS`` weeks, as PNG bytes.

Columns are ISO weeks (Monday first), oldest on the left, ending with the week that contains ``today``; rows run
Monday..Sunday from top to bottom. A small row of month names sits above the grid and Mon/Wed/Fri to its left.
Rendering is pure: no files, no fonts beyond Pillow's built-in default, and the same input gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]

WEEKS = 12
DAYS = 7
CELL = 14  # px, side of a day's square
GAP = 3  # px, between squares
MARGIN = 8  # px, around everything
LABEL_WIDTH = 28  # px, column of weekday names left of the grid
LABEL_HEIGHT = 16  # px, row of month names above the grid
PITCH = CELL + GAP

BACKGROUND: RGB = (255, 255, 255)
EMPTY: RGB = (235, 237, 240)
EMPTY_FUTURE: RGB = (248, 249, 250)
LEVEL_COLORS: tuple[RGB, RGB, RGB] = ((155, 233, 168), (64, 196, 99), (33, 110, 57))
LABEL_COLOR: RGB = (118, 118, 118)

WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def heatmap_size() -> tuple[int, int]:
    """(width, height) of the image in pixels."""
    width = 2 * MARGIN + LABEL_WIDTH + WEEKS * PITCH - GAP
    height = 2 * MARGIN + LABEL_HEIGHT + DAYS * PITCH - GAP
    return width, height


def cell_box(week: int, weekday: int) -> tuple[int, int, int, int]:
    """Pixel box (x0, y0, x1, y1) of a day's square, end-exclusive like ``Image.crop``: ``x1 - x0 == CELL``.

    ``week`` 0 is the oldest column, ``weekday`` 0 is Monday (top row)."""
    if not (0 <= week < WEEKS and 0 <= weekday < DAYS):
        raise ValueError(f"no cell at week {week}, weekday {weekday}")
    x0 = MARGIN + LABEL_WIDTH + week * PITCH
    y0 = MARGIN + LABEL_HEIGHT + weekday * PITCH
    return x0, y0, x0 + CELL, y0 + CELL


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
    """0 for no participation, else 1, 2 or 3 (three or more)."""
    return max(0, min(count, len(LEVEL_COLORS)))


def day_color(count: int) -> RGB:
    lvl = level(count)
    return LEVEL_COLORS[lvl - 1] if lvl else EMPTY


def month_label_weeks(today: date) -> dict[int, str]:
    """Columns that get a month name: each column whose Monday starts a new month, and the first column unless
    the second one already does (so names never crowd each other)."""
    start = window_start(today)
    mondays = [start + timedelta(weeks=w) for w in range(WEEKS)]
    labels = {w: MONTH_NAMES[mondays[w].month - 1] for w in range(1, WEEKS) if mondays[w].month != mondays[w - 1].month}
    if 1 not in labels:
        labels[0] = MONTH_NAMES[mondays[0].month - 1]
    return labels


def _paste_label(image: Image.Image, text: str, box: tuple[int, int, int, int]) -> None:
    """Draw ``text`` clipped to ``box`` so a wide glyph can never spill onto the grid."""
    x0, y0, x1, y1 = box
    label = Image.new("RGB", (x1 - x0, y1 - y0), BACKGROUND)
    ImageDraw.Draw(label).text((0, 0), text, fill=LABEL_COLOR, font=ImageFont.load_default())
    image.paste(label, (x0, y0))


def _draw_labels(image: Image.Image, today: date) -> None:
    for weekday, name in WEEKDAY_LABELS.items():
        _, y0, _, y1 = cell_box(0, weekday)
        _paste_label(image, name, (MARGIN, y0, MARGIN + LABEL_WIDTH - GAP, y1))
    for week, name in month_label_weeks(today).items():
        x0, y0, _, _ = cell_box(week, 0)
        _paste_label(image, name, (x0, MARGIN, x0 + 2 * PITCH - GAP, y0 - GAP))


def _draw_cells(draw: ImageDraw.ImageDraw, today: date, counts: Mapping[date, int]) -> None:
    start = window_start(today)
    for week in range(WEEKS):
        for weekday in range(DAYS):
            day = start + timedelta(weeks=week, days=weekday)
            color = EMPTY_FUTURE if day > today else day_color(counts.get(day, 0))
            x0, y0, x1, y1 = cell_box(week, weekday)
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=color)


def render_heatmap(today: date, counts: Mapping[date, int]) -> bytes:
    """PNG bytes of the heatmap for the weeks ending with ``today``'s week; dates outside the window are ignored."""
    image = Image.new("RGB", heatmap_size(), BACKGROUND)
    _draw_labels(image, today)
    _draw_cells(ImageDraw.Draw(image), today, counts)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
