"""The participation heatmap: a valid PNG of a fixed size whose cells show each day of the last 12 weeks."""

from __future__ import annotations

import io
from datetime import date, timedelta
from itertools import pairwise
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.rules.heatmap import (
    BACKGROUND,
    BORDER,
    CELL,
    EMPTY,
    EMPTY_FUTURE,
    GAP,
    LEVEL_COLORS,
    MARGIN,
    WEEKS,
    cell_box,
    day_position,
    heatmap_size,
    month_label_weeks,
    render_heatmap,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEDNESDAY = date(2026, 3, 4)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def expected_position(today: date, day: date) -> tuple[int, int] | None:
    """Where ``day`` belongs, worked out from how many weeks back its Monday is."""
    if day > today:
        return None
    week = WEEKS - 1 - (monday_of(today) - monday_of(day)).days // 7
    return (week, day.weekday()) if week >= 0 else None


def expected_color(count: int) -> tuple[int, int, int]:
    if count <= 0:
        return EMPTY
    return LEVEL_COLORS[min(count, 3) - 1]


def load(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def centre(image: Image.Image, week: int, weekday: int) -> tuple[int, int, int]:
    x0, y0, x1, y1 = cell_box(week, weekday)
    return image.getpixel(((x0 + x1) // 2, (y0 + y1) // 2))


def cell_colors(image: Image.Image, week: int, weekday: int) -> set[tuple[int, int, int]]:
    return {color for _, color in image.crop(cell_box(week, weekday)).getcolors()}


def test_result_is_a_png_of_the_advertised_size() -> None:
    png = render_heatmap(WEDNESDAY, {WEDNESDAY: 2})
    assert png.startswith(PNG_SIGNATURE)
    image = load(png)
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.size == heatmap_size()


def test_cells_are_squares_in_a_grid_inside_the_image() -> None:
    width, height = heatmap_size()
    boxes = {(w, d): cell_box(w, d) for w in range(WEEKS) for d in range(7)}
    for (w, d), (x0, y0, x1, y1) in boxes.items():
        assert (x1 - x0, y1 - y0) == (CELL, CELL)
        assert x0 > 0 and y0 > 0 and x1 < width and y1 < height
        if w + 1 < WEEKS:
            assert boxes[w + 1, d][0] == x1 + GAP and boxes[w + 1, d][1] == y0
        if d + 1 < 7:
            assert boxes[w, d + 1][1] == y1 + GAP and boxes[w, d + 1][0] == x0
    assert boxes[0, 0][0] == min(box[0] for box in boxes.values())
    assert boxes[0, 0][1] == min(box[1] for box in boxes.values())


@pytest.mark.parametrize(("week", "weekday"), [(-1, 0), (WEEKS, 0), (0, -1), (0, 7)])
def test_cell_box_refuses_cells_off_the_grid(week: int, weekday: int) -> None:
    with pytest.raises(ValueError):
        cell_box(week, weekday)


def test_level_colors_are_three_distinct_greens_getting_darker() -> None:
    assert len(LEVEL_COLORS) == 3
    assert len({*LEVEL_COLORS, EMPTY, EMPTY_FUTURE, BACKGROUND}) == 6
    assert all(g > r and g > b for r, g, b in LEVEL_COLORS)
    brightness = [sum(color) for color in LEVEL_COLORS]
    assert brightness == sorted(brightness, reverse=True)


def test_days_show_their_level_and_days_without_are_empty() -> None:
    today = WEDNESDAY
    counts = {
        today: 1,
        today - timedelta(days=1): 2,
        today - timedelta(days=2): 3,
        today - timedelta(days=9): 12,
        today - timedelta(days=79): 1,  # Monday of the oldest week
        today - timedelta(days=10): 0,
    }
    image = load(render_heatmap(today, counts))
    assert centre(image, 11, 2) == LEVEL_COLORS[0]
    assert centre(image, 11, 1) == LEVEL_COLORS[1]
    assert centre(image, 11, 0) == LEVEL_COLORS[2]
    assert centre(image, 10, 0) == LEVEL_COLORS[2]
    assert centre(image, 0, 0) == LEVEL_COLORS[0]
    assert centre(image, 9, 6) == EMPTY  # explicit zero
    assert centre(image, 0, 1) == EMPTY  # absent
    assert centre(image, 5, 3) == EMPTY
    assert [centre(image, 11, d) for d in range(3, 7)] == [EMPTY_FUTURE] * 4  # Thursday..Sunday to come


def test_each_cell_is_filled_with_one_color_and_gaps_stay_background() -> None:
    today = WEDNESDAY
    counts = {today - timedelta(days=n): n % 5 for n in range(84)}
    image = load(render_heatmap(today, counts))
    for week in range(WEEKS):
        for weekday in range(7):
            assert len(cell_colors(image, week, weekday)) == 1
    x0, y0, _, _ = cell_box(0, 0)
    _, _, x1, y1 = cell_box(WEEKS - 1, 6)
    inside = {(w, d): cell_box(w, d) for w in range(WEEKS) for d in range(7)}
    in_a_cell = {(x, y) for bx0, by0, bx1, by1 in inside.values() for x in range(bx0, bx1) for y in range(by0, by1)}
    gaps = {image.getpixel((x, y)) for x in range(x0, x1) for y in range(y0, y1) if (x, y) not in in_a_cell}
    assert gaps == {BACKGROUND}


def test_labels_name_weekdays_and_months_without_touching_the_grid() -> None:
    image = load(render_heatmap(WEDNESDAY, {}))

    def left_of_row(weekday: int) -> set[tuple[int, int, int]]:
        x0, y0, _, y1 = cell_box(0, weekday)
        return {color for _, color in image.crop((MARGIN, y0, x0, y1)).getcolors(65536)}  # inside the border

    assert left_of_row(0) != {BACKGROUND}  # Mon
    assert left_of_row(1) == {BACKGROUND}
    assert left_of_row(2) != {BACKGROUND}  # Wed
    above_grid = image.crop((0, 0, heatmap_size()[0], cell_box(0, 0)[1]))
    assert {color for _, color in above_grid.getcolors(65536)} != {BACKGROUND}


def test_month_labels_sit_where_a_month_begins() -> None:
    # the oldest column starts on Monday 15 December 2025
    assert month_label_weeks(WEDNESDAY) == {0: "Dec", 3: "Jan", 7: "Feb", 11: "Mar"}
    # the second column starts a month, so the first one stays unnamed
    assert month_label_weeks(date(2026, 4, 15)) == {1: "Feb", 5: "Mar", 10: "Apr"}


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_month_labels_never_crowd_each_other(today: date) -> None:
    weeks = sorted(month_label_weeks(today))
    assert weeks and all(b - a >= 2 for a, b in pairwise(weeks))


@pytest.mark.parametrize("today", [WEDNESDAY + timedelta(days=n) for n in range(-2, 5)])  # Monday..Sunday
def test_window_is_the_twelve_weeks_ending_with_todays_week(today: date) -> None:
    monday = monday_of(today)
    oldest = monday - timedelta(weeks=WEEKS - 1)
    assert day_position(today, today) == (WEEKS - 1, today.weekday())
    assert day_position(today, monday) == (WEEKS - 1, 0)
    assert day_position(today, oldest) == (0, 0)
    assert day_position(today, oldest + timedelta(days=6)) == (0, 6)
    assert day_position(today, oldest - timedelta(days=1)) is None
    assert day_position(today, today - timedelta(weeks=WEEKS)) is None
    assert day_position(today, today + timedelta(days=1)) is None


def test_twelve_weeks_back_and_tomorrow_leave_the_image_alone() -> None:
    today = WEDNESDAY
    baseline = render_heatmap(today, {today: 1})
    assert render_heatmap(today, {today: 1, today - timedelta(weeks=WEEKS): 3}) == baseline
    assert render_heatmap(today, {today: 1, today + timedelta(days=1): 3}) == baseline
    assert render_heatmap(today, {today: 1, today - timedelta(days=1): 3}) != baseline


@st.composite
def histories(draw: st.DrawFn) -> tuple[date, dict[date, int]]:
    today = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
    offsets = st.integers(min_value=-(WEEKS * 7 + 30), max_value=30)
    counts = draw(st.dictionaries(offsets, st.integers(min_value=-3, max_value=20), max_size=60))
    return today, {today + timedelta(days=offset): count for offset, count in counts.items()}


@given(histories())
def test_every_day_in_the_window_shows_its_level(history: tuple[date, dict[date, int]]) -> None:
    today, counts = history
    image = load(render_heatmap(today, counts))
    seen: set[tuple[int, int]] = set()
    day = today
    while (position := expected_position(today, day)) is not None:
        assert day_position(today, day) == position
        assert centre(image, *position) == expected_color(counts.get(day, 0))
        seen.add(position)
        day -= timedelta(days=1)
    assert day_position(today, day) is None
    assert len(seen) == (WEEKS - 1) * 7 + today.weekday() + 1
    future = {(WEEKS - 1, d) for d in range(today.weekday() + 1, 7)}
    assert {centre(image, *position) for position in future} <= {EMPTY_FUTURE}


@given(histories())
def test_dates_outside_the_window_change_nothing(history: tuple[date, dict[date, int]]) -> None:
    today, counts = history
    inside = {day: count for day, count in counts.items() if expected_position(today, day) is not None}
    outside = {day for day in counts if day not in inside}
    for day in outside:
        assert day_position(today, day) is None
    assert render_heatmap(today, counts) == render_heatmap(today, inside)


def test_same_input_gives_the_same_bytes() -> None:
    today = WEDNESDAY
    counts = {today - timedelta(days=n): n % 4 for n in range(0, 84, 3)}
    first = render_heatmap(today, counts)
    assert render_heatmap(today, counts) == first
    assert render_heatmap(today, dict(reversed(counts.items()))) == first
    assert render_heatmap(today, MappingProxyType(dict(counts))) == first
    assert render_heatmap(today, {**counts, today: 3}) != first


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def luminance(color: tuple[int, int, int]) -> float:
        channels = [c / 255 for c in color]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_title_period_legend_and_readable_on_any_theme() -> None:
    from bot.rules.heatmap import LABEL_COLOR, TITLE_COLOR, legend_boxes

    image = load(render_heatmap(WEDNESDAY, {WEDNESDAY: 1}, name="carol", language="en"))
    assert image.mode == "RGB"  # opaque: the chat's light or dark background never shows through
    width, height = image.size
    assert {image.getpixel((0, 0)), image.getpixel((width - 1, height - 1))} == {BORDER}  # a card with an edge
    assert _contrast(LABEL_COLOR, BACKGROUND) >= 4.5 and _contrast(TITLE_COLOR, BACKGROUND) >= 7
    # the legend: empty, then the three levels getting darker, below the grid
    boxes = legend_boxes()
    colors = [image.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) for x0, y0, x1, y1 in boxes]
    assert colors == [EMPTY, *LEVEL_COLORS]
    assert min(y0 for _, y0, _, _ in boxes) > cell_box(0, 6)[3]
    assert all(_contrast(c, BACKGROUND) > 1.1 for c in (EMPTY, *LEVEL_COLORS))
    # the title rows above the month names carry text, and differ by member and language
    title_band = image.crop((MARGIN, MARGIN, width - MARGIN, MARGIN + 36))
    assert len(title_band.getcolors(4096) or []) > 2
    other = load(render_heatmap(WEDNESDAY, {WEDNESDAY: 1}, name="dave", language="en"))
    assert other.crop((MARGIN, MARGIN, width - MARGIN, MARGIN + 18)).tobytes() != title_band.crop(
        (0, 0, width - 2 * MARGIN, 18)).tobytes()
    pt = load(render_heatmap(WEDNESDAY, {WEDNESDAY: 1}, name="carol", language="pt-BR"))
    assert pt.tobytes() != image.tobytes()


def test_month_names_follow_the_language() -> None:
    assert month_label_weeks(WEDNESDAY, "pt-BR") == {0: "dez.", 3: "jan.", 7: "fev.", 11: "mar."}


def test_without_a_system_font_letters_lose_accents_not_their_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.rules import heatmap

    monkeypatch.setattr(heatmap, "SYSTEM_FONTS", ("no-such-font.ttf",))
    heatmap._system_font.cache_clear()
    try:
        assert heatmap._printable("Conceição – dez.") == "Conceicao - dez."
        png = render_heatmap(WEDNESDAY, {WEDNESDAY: 2}, name="Conceição", language="pt-BR")
        assert load(png).size == heatmap_size()
    finally:
        heatmap._system_font.cache_clear()


def test_the_image_ends_one_margin_after_the_last_cell_and_the_legend() -> None:
    from bot.rules.heatmap import LEGEND_HEIGHT

    width, height = heatmap_size()
    assert cell_box(WEEKS - 1, 6)[2] + MARGIN == width
    assert cell_box(WEEKS - 1, 6)[3] + LEGEND_HEIGHT + MARGIN == height


def frame_colors(image: Image.Image) -> set[tuple[int, int, int]]:
    """Colors of the outermost ring of pixels."""
    width, height = image.size
    rows = {(x, y) for x in range(width) for y in (0, height - 1)}
    columns = {(x, y) for x in (0, width - 1) for y in range(height)}
    return {image.getpixel(xy) for xy in rows | columns}


@pytest.mark.parametrize(
    ("today", "name", "language"),
    [
        (WEDNESDAY, "carol", "en"),  # March begins on the Monday of the last column: its name sits at the right edge
        (date(2025, 9, 1), "Maria da Conceição Albuquerque de Souza Vasconcelos", "pt-BR"),  # a title to shorten
        (date(2025, 11, 30), "", "en"),
    ],
)
def test_the_card_border_is_an_unbroken_frame(today: date, name: str, language: str) -> None:
    image = load(render_heatmap(today, {today: 3}, name=name, language=language))
    assert frame_colors(image) == {BORDER}
