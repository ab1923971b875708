"""The participation heatmap: a valid PNG of a fixed size whose cells show each day of the last 12 weeks."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType

import PIL
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from bot.i18n import t
from bot.rules import heatmap
from bot.rules.heatmap import (
    BACKGROUND,
    BORDER,
    CELL,
    EMPTY,
    EMPTY_FUTURE,
    GAP,
    LABEL_COLOR,
    LABEL_HEIGHT,
    LEVEL_COLORS,
    MARGIN,
    PITCH,
    TEXT_SIZE,
    TITLE_COLOR,
    TITLE_HEIGHT,
    TITLE_SIZE,
    WEEKS,
    cell_box,
    day_position,
    heatmap_size,
    legend_boxes,
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
    with pytest.raises(ValueError, match=f"no cell at week {week}, weekday {weekday}"):
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
    monkeypatch.setattr(heatmap, "SYSTEM_FONTS", ("no-such-font.ttf",))
    heatmap._system_font.cache_clear()
    try:
        assert heatmap._printable("Conceição – dez.") == "Conceicao - dez."
        assert heatmap._printable("Ação — São Paulo…") == "Acao - Sao Paulo..."
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


# Fonts. Which of SYSTEM_FONTS a machine has decides how text looks; these fixtures choose it for one test.


@pytest.fixture
def use_fonts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[tuple[str, ...]], None]]:
    """``use_fonts(names)`` looks text fonts up in ``names`` instead of SYSTEM_FONTS, for this test only."""

    def use(names: tuple[str, ...]) -> None:
        monkeypatch.setattr(heatmap, "SYSTEM_FONTS", names)
        heatmap._system_font.cache_clear()

    yield use
    heatmap._system_font.cache_clear()


@pytest.fixture(params=["system font", "built-in font"])
def fonts(request: pytest.FixtureRequest, use_fonts: Callable[[tuple[str, ...]], None]) -> str:
    """Text in the first of SYSTEM_FONTS this machine has, then in Pillow's built-in font, as on a machine with
    none of them (the built-in font measures whole pixels, so a text exactly as wide as its room gets tested)."""
    use_fonts(heatmap.SYSTEM_FONTS if request.param == "system font" else ())
    return str(request.param)


def test_the_first_system_font_found_draws_text_as_written_at_the_requested_size(
    use_fonts: Callable[[tuple[str, ...]], None], tmp_path: Path
) -> None:
    font_file = tmp_path / "Bundled.ttf"  # a real font file: the one Pillow embeds
    font_file.write_bytes(ImageFont.load_default(size=TEXT_SIZE).font_bytes)
    use_fonts(("no-such-font.ttf", str(font_file)))
    for size in (TEXT_SIZE, TITLE_SIZE):
        font = heatmap._font(size)
        assert (font.path, font.size) == (str(font_file), size)
    assert heatmap._printable("Conceição – dez. — mar…") == "Conceição – dez. — mar…"


def test_without_a_system_font_the_built_in_font_has_the_requested_size(
    use_fonts: Callable[[tuple[str, ...]], None],
) -> None:
    use_fonts(())
    assert [heatmap._font(size).size for size in (TEXT_SIZE, TITLE_SIZE)] == [TEXT_SIZE, TITLE_SIZE]


@pytest.mark.parametrize("size", [TEXT_SIZE, TITLE_SIZE])
@pytest.mark.parametrize("text", ["Study activity", "Maria da Conceicao de Souza", "Ações por dia"])
def test_fit_keeps_what_fits_and_else_keeps_the_longest_start_that_fits_with_an_ellipsis(
    fonts: str, text: str, size: int
) -> None:
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    font = heatmap._font(size)

    def length(shown: str) -> float:
        return draw.textlength(shown, font=font)

    plain = heatmap._printable(text)
    with_ellipsis = [length(plain[:n] + "…") for n in range(len(plain))]
    # from wider than the text down to no room at all, one pixel at a time (when even "…" does not fit, "…")
    for width in range(math.ceil(length(plain)) + 1, -1, -1):
        fitted = heatmap._fit(draw, text, size, width)
        if length(plain) <= width:
            assert fitted == plain, width
            continue
        start = max((n for n, needed in enumerate(with_ellipsis) if needed <= width), default=0)
        assert fitted == plain[:start].rstrip() + "…", width  # no space left dangling before the "…"
        assert length(fitted) <= width or fitted == "…", width


# Where the words go. ``written`` is the oracle: the text as Pillow draws it in the heatmap's font from a label's
# top-left corner, cut to its ink; a label shows exactly that, wherever it is.


def ink_box(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The bounding box, in ``image``, of the pixels inside ``box`` that are not background."""
    region = image.crop(box)
    found = ImageChops.difference(region, Image.new("RGB", region.size, BACKGROUND)).getbbox()
    assert found is not None, f"nothing drawn in {box}"
    return box[0] + found[0], box[1] + found[1], box[0] + found[2], box[1] + found[3]


#: Room left of where ``alone`` draws, so a glyph reaching left of its origin ("J") is drawn whole.
PAD = 8


def alone(text: str, size: int = TEXT_SIZE, color: tuple[int, int, int] = LABEL_COLOR) -> Image.Image:
    """``text`` drawn ``PAD`` pixels right of the left edge of a blank canvas, whole, in the label's font."""
    canvas = Image.new("RGB", (PAD + 4 * size * max(len(text), 1), 3 * size), BACKGROUND)
    ImageDraw.Draw(canvas).text((PAD, 0), heatmap._printable(text), fill=color, font=heatmap._font(size))
    return canvas


def written(text: str, size: int = TEXT_SIZE, color: tuple[int, int, int] = LABEL_COLOR) -> Image.Image:
    canvas = alone(text, size, color)
    return canvas.crop(ink_box(canvas, (0, 0, *canvas.size)))


def left_ink(text: str, size: int = TEXT_SIZE) -> int:
    """How far right of a label's left edge its ink begins: the text's own left bearing, but never left of the
    edge (a glyph reaching left of where it is drawn moves right rather than lose a column)."""
    canvas = alone(text, size)
    return max(0, ink_box(canvas, (0, 0, *canvas.size))[0] - PAD)


def differing_pixels(expected: Image.Image, actual: Image.Image) -> int:
    """How many pixels differ in any channel (every pixel if the sizes differ)."""
    if expected.size != actual.size:
        return max(expected.width * expected.height, actual.width * actual.height)
    channels = ImageChops.difference(expected.convert("RGB"), actual.convert("RGB")).split()
    changed = channels[0]
    for channel in channels[1:]:
        changed = ImageChops.lighter(changed, channel)
    return changed.point(lambda value: 255 if value else 0).histogram()[255]


def shows(image: Image.Image, box: tuple[int, int, int, int], text: str, size: int = TEXT_SIZE,
          color: tuple[int, int, int] = LABEL_COLOR) -> bool:
    """Whether the ink inside ``box`` is exactly ``text`` in the heatmap's font, size and ``color``."""
    return differing_pixels(written(text, size, color), image.crop(ink_box(image, box))) == 0


def title_band(image: Image.Image) -> tuple[int, int, int, int]:
    return MARGIN, MARGIN, image.width - MARGIN, MARGIN + TITLE_HEIGHT // 2


def period_band(image: Image.Image) -> tuple[int, int, int, int]:
    return MARGIN, MARGIN + TITLE_HEIGHT // 2, image.width - MARGIN, MARGIN + TITLE_HEIGHT


LONG_NAME = "Maria da Conceição Albuquerque de Souza Vasconcelos"


@pytest.mark.parametrize(
    ("options", "title"),
    [
        ({}, "Study activity"),  # no name, and English unless told
        ({"name": "carol"}, "carol's study activity"),
        ({"language": "pt-BR"}, "Atividade de estudo"),
        ({"name": "carol", "language": "pt-BR"}, "Atividade de estudo de carol"),
    ],
)
def test_the_title_names_the_member_in_their_language(fonts: str, options: dict[str, str], title: str) -> None:
    image = load(render_heatmap(WEDNESDAY, {}, **options))
    assert shows(image, title_band(image), title, TITLE_SIZE, TITLE_COLOR)
    assert ink_box(image, title_band(image))[0] == MARGIN + left_ink(title, TITLE_SIZE)


@pytest.mark.parametrize("language", ["en", "pt-BR"])
def test_a_long_name_is_shortened_with_an_ellipsis_to_the_width_of_the_card(fonts: str, language: str) -> None:
    image = load(render_heatmap(WEDNESDAY, {}, name=LONG_NAME, language=language))
    room = image.width - 2 * MARGIN
    title = t(language, "heatmap.title", name=LONG_NAME)
    shortened = heatmap._fit(ImageDraw.Draw(image), title, TITLE_SIZE, room)
    assert shortened.endswith("…") and len(shortened) < len(title)
    assert shows(image, title_band(image), shortened, TITLE_SIZE, TITLE_COLOR)
    assert ink_box(image, title_band(image))[2] <= MARGIN + room


@pytest.mark.parametrize(
    ("language", "period"),
    [("en", "Dec 15, 2025 – Mar 4, 2026"), ("pt-BR", "15 de dez. de 2025 – 4 de mar. de 2026")],
)
def test_the_period_runs_from_the_oldest_monday_to_today_as_the_language_writes_dates(
    fonts: str, language: str, period: str
) -> None:
    image = load(render_heatmap(WEDNESDAY, {}, name="carol", language=language))
    assert shows(image, period_band(image), period)
    assert ink_box(image, period_band(image))[0] == MARGIN + left_ink(period)


@pytest.mark.parametrize(("language", "names"), [("en", ["Mon", "Wed", "Fri"]), ("pt-BR", ["seg.", "qua.", "sex."])])
def test_weekday_names_start_at_the_margin_on_their_row(fonts: str, language: str, names: list[str]) -> None:
    image = load(render_heatmap(WEDNESDAY, {}, language=language))
    grid_left = cell_box(0, 0)[0]
    for weekday, name in zip((0, 2, 4), names, strict=True):
        _, top, _, bottom = cell_box(0, weekday)
        box = ink_box(image, (MARGIN, top, grid_left, bottom))
        assert shows(image, box, name), name
        assert box[0] == MARGIN + left_ink(name) and box[2] <= grid_left - GAP, name


@pytest.mark.parametrize(
    ("today", "language"),
    [(WEDNESDAY, "en"), (WEDNESDAY, "pt-BR"), (date(2025, 9, 1), "en"), (date(2026, 4, 15), "pt-BR")],
)
def test_month_names_start_at_their_column_and_only_there(fonts: str, today: date, language: str) -> None:
    image = load(render_heatmap(today, {}, language=language))
    labels = month_label_weeks(today, language)
    for week in range(WEEKS):
        x0, top, _, _ = cell_box(week, 0)
        above = (x0 - GAP, top - LABEL_HEIGHT, min(x0 + CELL, image.width - 1), top)  # from the previous gap on
        if week in labels:
            assert ink_box(image, above)[0] == x0 + left_ink(labels[week]), labels[week]
            assert ink_box(image, above)[3] <= top - GAP // 2, labels[week]  # descenders too stay clear
            name_box = (x0 - GAP, top - LABEL_HEIGHT, min(x0 + 2 * PITCH - GAP, image.width - 1), top)
            assert shows(image, name_box, labels[week]), f"{labels[week]!r} is not drawn whole"
        elif week - 1 not in labels:  # the name of the column before may reach over this one
            assert {color for _, color in image.crop(above).getcolors()} == {BACKGROUND}, week


def test_legend_squares_are_whole_cells_in_a_row_below_the_grid() -> None:
    image = load(render_heatmap(WEDNESDAY, {day: 3 for day in (WEDNESDAY, WEDNESDAY - timedelta(days=1))}))
    boxes = legend_boxes()
    grid_bottom, grid_right = cell_box(WEEKS - 1, 6)[3], cell_box(WEEKS - 1, 6)[2]
    for (x0, y0, x1, y1), color in zip(boxes, (EMPTY, *LEVEL_COLORS), strict=True):
        assert (x1 - x0, y1 - y0) == (CELL, CELL)
        assert grid_bottom + GAP <= y0 and y1 <= image.height - MARGIN and x1 <= grid_right
        assert image.crop((x0, y0, x1, y1)).getcolors() == [(CELL * CELL, color)]
        assert frame_colors(image.crop((x0 - 1, y0 - 1, x1 + 1, y1 + 1))) == {BACKGROUND}  # a gap all round
    for before, after in pairwise(boxes):
        assert after == (before[2] + GAP, before[1], before[2] + GAP + CELL, before[3])


@pytest.mark.parametrize("language", ["en", "pt-BR"])
def test_legend_words_sit_beside_the_squares_and_the_caption_ends_before_them(fonts: str, language: str) -> None:
    image = load(render_heatmap(WEDNESDAY, {}, language=language))
    boxes = legend_boxes()
    (first, top, _, bottom), (_, _, last, _) = boxes[0], boxes[-1]
    less, more, caption = (t(language, f"heatmap.{key}") for key in ("less", "more", "caption"))
    # "less" ends close left of the first square, without touching it
    less_right = ink_box(image, (MARGIN, top, first, bottom))[2]
    assert first - 2 * GAP <= less_right <= first - GAP
    less_box = ink_box(image, (less_right - written(less).width, top, less_right, bottom))
    assert shows(image, less_box, less)
    # the caption, whole, ends at least two gaps before "less"
    caption_box = ink_box(image, (MARGIN, top, less_box[0], bottom))
    assert shows(image, caption_box, caption)
    assert caption_box[0] == MARGIN + left_ink(caption) and caption_box[2] <= less_box[0] - 2 * GAP
    # "more" starts a gap right of the last square and ends within the grid's width
    more_box = ink_box(image, (last, top, image.width - 1, bottom))
    assert shows(image, more_box, more)
    assert more_box[0] == last + GAP + left_ink(more) and more_box[2] <= cell_box(WEEKS - 1, 0)[2]


def test_a_caption_too_long_for_its_room_is_shortened_and_stays_two_gaps_clear_of_less(
    fonts: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.i18n import en

    caption = "Reveals, self-grades and quiz answers on each day"  # as a wordier translation might put it
    monkeypatch.setitem(en.TEXTS, "heatmap.caption", caption)
    image = load(render_heatmap(WEDNESDAY, {}))
    first, top, _, bottom = legend_boxes()[0]
    less_right = ink_box(image, (MARGIN, top, first, bottom))[2]
    less_box = ink_box(image, (less_right - written("Less").width, top, less_right, bottom))
    less_drawn_at = less_box[0] - left_ink("Less")
    room = less_drawn_at - 2 * GAP - MARGIN
    shortened = heatmap._fit(ImageDraw.Draw(image), caption, TEXT_SIZE, room)
    assert shortened.endswith("…") and len(shortened) < len(caption)
    caption_box = ink_box(image, (MARGIN, top, less_box[0], bottom))
    assert shows(image, caption_box, shortened)
    assert caption_box[2] <= less_drawn_at - 2 * GAP


# Stored pictures. Whatever the properties above miss (a label one pixel lower, a square a pixel narrower), a
# comparison with a picture checked by eye catches. Drawn with Pillow's built-in font so that they do not depend
# on the fonts a machine has; another Pillow or FreeType version may still draw letters differently: then look
# at the saved rendering and, if it is right, store it anew.

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_SNAPSHOTS = "STUDYBOT_UPDATE_SNAPSHOTS"
SNAPSHOT_CASES: dict[str, tuple[date, dict[date, int], str, str]] = {
    # three levels and empty days; the window starts in December and March begins in the last column;
    # Thursday to Sunday of this week are still to come
    "heatmap-en.png": (WEDNESDAY, {WEDNESDAY - timedelta(days=n): (n * 7) % 5 for n in range(0, 84, 2)}, "carol", "en"),
    # a whole last week; a name shortened with "…", accents and the dash of the period without a system font
    "heatmap-pt-BR-long-name.png": (
        date(2025, 11, 30), {date(2025, 11, 30) - timedelta(days=n): (n % 9) // 2 for n in range(84)}, LONG_NAME,
        "pt-BR",
    ),
}


@pytest.mark.parametrize("case", sorted(SNAPSHOT_CASES))
def test_the_heatmap_looks_like_its_stored_picture(
    case: str, use_fonts: Callable[[tuple[str, ...]], None], tmp_path: Path
) -> None:
    use_fonts(())
    today, counts, name, language = SNAPSHOT_CASES[case]
    png = render_heatmap(today, counts, name=name, language=language)
    rendered = load(png)
    stored = SNAPSHOTS / case
    expected = load(stored.read_bytes()) if stored.exists() else None
    differing = None if expected is None else differing_pixels(expected, rendered)
    if differing == 0:
        return
    if os.environ.get(UPDATE_SNAPSHOTS) == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        stored.write_bytes(png)
        pytest.fail(f"rewrote {stored} ({'new' if differing is None else f'{differing} pixels had changed'}): "
                    f"look at it, commit it and run the tests again without {UPDATE_SNAPSHOTS}")
    actual = tmp_path / case
    actual.write_bytes(png)
    if expected is None:
        what = f"there is no stored picture {stored}"
    elif expected.size != rendered.size:
        what = f"the stored picture {stored} is {expected.size} pixels, this rendering {rendered.size}"
    else:
        where = ImageChops.difference(expected.convert("RGB"), rendered).getbbox()
        what = f"{differing} pixels differ from {stored}, within the box {where}"
    pytest.fail(f"{what}; this rendering is in {actual} (Pillow {PIL.__version__}, FreeType "
                f"{features.version('freetype2')}). If the change is intended, run the tests with "
                f"{UPDATE_SNAPSHOTS}=1 to rewrite the stored pictures, look at them and commit them.")
