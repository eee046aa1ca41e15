"""Terminal output: tables that fit the width, bar charts, the progress line, one post in full."""

from __future__ import annotations

import io
from typing import Any

import pytest

from collector.output.terminal import (
    Progress,
    ProgressBar,
    bar,
    bar_chart,
    cell_width,
    fit,
    format_duration,
    grid_lines,
    month_series,
    one_line,
    post_lines,
    progress_line,
    stats_lines,
    table_lines,
)

RECORD = {
    "id": "1479527384433696769",
    "platform": "twitter",
    "post_id": "1479527384433696769",
    "url": "https://twitter.com/McFaul/status/1479527384433696769",
    "handle": "McFaul",
    "author_name": "Michael McFaul",
    "date": "2022-01-07",
    "posted_at": "2022-01-07T18:16:44.123Z",
    "date_text": "January 7, 2022",
    "text": "There will be no substantive negotiations about European security —\nno trades, no deals.",
    "links": ["https://t.co/x"],
    "lang": "en",
}


def test_wide_characters_take_two_cells_and_marks_none() -> None:
    assert cell_width("abc") == 3
    assert cell_width("日本") == 4
    assert cell_width("🎉") == 2
    assert cell_width("e\u0301") == 1
    assert cell_width("D.C. ☮️") == 7  # VS16 asks for the two-cell emoji form
    assert cell_width("👨\u200d👩\u200d👧") == 2  # a ZWJ sequence is one emoji
    assert cell_width("👍🏽") == 2  # a skin tone modifies the emoji before it


def test_grid_shrinks_the_widest_flexible_column_first() -> None:
    rows = [["a" * 30, "b" * 50, "2022-01-07"]]
    lines = grid_lines(rows, ["TITLE", "URL", "DATE"], 60, flex=(0, 1))
    title, url, day = lines[1].split()
    assert day == "2022-01-07"
    assert cell_width(lines[1]) <= 60
    assert abs(cell_width(title) - cell_width(url)) <= 1  # both cut back to about the same width


def test_grid_shrinks_the_flexible_column_first() -> None:
    rows = [["twitter", "x" * 60, "2022-01-07"]]
    lines = grid_lines(rows, ["PLATFORM", "NAME", "LAST DATE"], 50, flex=(1,))
    assert lines[1].endswith("…  2022-01-07")
    assert all(cell_width(line) <= 50 for line in lines)


@pytest.mark.parametrize("width", [1, 5, 12, 40])
@pytest.mark.parametrize(
    "text", ["short", "a much longer text than fits", "日本語のテキストです", "🎉🎉🎉🎉🎉🎉🎉"]
)
def test_fit_gives_exactly_the_width(text: str, width: int) -> None:
    fitted = fit(text, width)
    assert cell_width(fitted) == width
    assert fitted.rstrip().endswith("…") == (cell_width(text) > width)


def test_one_line_shows_line_breaks_and_drops_control_characters() -> None:
    assert one_line("a\nb\r\nc\x07d") == "a ⏎ b ⏎ c d"
    assert one_line(None) == ""


@pytest.mark.parametrize("width", [40, 80, 120, 200])
def test_table_lines_never_exceed_the_width(width: int) -> None:
    lines = list(table_lines([RECORD, {**RECORD, "handle": "a" * 40, "text": "日本" * 100}], width))
    # The id stays whole, first: the platform, then the date, go on narrow terminals.
    headers = ["ID", "HANDLE", "TEXT"] if width < 65 else ["ID", "DATE", "HANDLE", "PLATFORM", "TEXT"]
    assert lines[0].split() == headers
    assert len(lines) == 3
    assert all(cell_width(line) <= width for line in lines)
    assert lines[1].startswith("1479527384433696769  " + ("" if width < 65 else "2022-01-07  ") + "McFaul")
    assert ("twitter" in lines[1]) == (width >= 65)


def test_table_shows_missing_values_as_dash() -> None:
    (_, line) = table_lines([{**RECORD, "date": None, "handle": None}], 80)
    assert line.startswith("1479527384433696769  -           -")


def test_wide_table_shows_the_whole_text_on_one_line() -> None:
    (_, line) = table_lines([RECORD], 200)
    assert line.endswith("European security — ⏎ no trades, no deals.")


def test_grid_sizes_columns_to_contents_and_fits() -> None:
    lines = grid_lines([["McFaul", "Michael McFaul", 3], ["x", None, 10]], ["HANDLE", "NAME", "POSTS"], 80)
    assert lines[0].split() == ["HANDLE", "NAME", "POSTS"]
    assert lines[1].split()[-1] == "3"
    assert "-" in lines[2]


def test_bars_are_proportional_in_eighths() -> None:
    assert bar(10, 10, 8) == "█" * 8
    assert bar(5, 10, 8) == "█" * 4
    assert bar(8, 16, 1) == "▌"
    assert bar(0, 10, 8) == ""
    assert bar(1, 10_000, 8) == "▏"  # a small non-zero count still shows


def test_bar_chart_scales_to_the_largest_count_and_fits() -> None:
    lines = bar_chart([("2022-01", 3), ("2022-02", 0), ("2022-03", 12)], 50)
    assert [line.split()[:2] for line in lines] == [["2022-01", "3"], ["2022-02", "0"], ["2022-03", "12"]]
    assert all(cell_width(line) <= 50 for line in lines)
    longest = lines[2].count("█")
    assert longest == 50 - len("2022-03") - len("12") - 4
    assert lines[0].count("█") == longest * 3 // 12


def test_month_series_fills_empty_months() -> None:
    series = month_series([("2021-11", 2), ("2022-02", 5)])
    assert series == [("2021-11", 2), ("2021-12", 0), ("2022-01", 0), ("2022-02", 5)]


def test_month_series_goes_per_year_over_a_long_span() -> None:
    series = month_series([("1970-01", 1), ("2022-01", 3), ("2022-05", 2)])
    assert series[0] == ("1970", 1)
    assert series[-1] == ("2022", 5)
    assert len(series) == 2022 - 1970 + 1


def test_stats_lines_have_every_section() -> None:
    stats: dict[str, Any] = {
        "posts": 3,
        "articles": 1,
        "per_platform": {"twitter": 3},
        "top_authors": [("twitter", "McFaul", "Michael McFaul", 2), ("twitter", "Sarah", None, 1)],
        "per_month": [("2022-01", 3)],
        "undated": 1,
    }
    text = "\n".join(stats_lines(stats, 60))
    assert text.startswith("3 posts from 1 article")
    for heading in ("Posts per platform", "Top authors", "Posts per month", "1 posts without a date"):
        assert heading in text
    assert "@McFaul" in text and "2022-01" in text


def test_stats_over_a_long_span_say_they_count_per_year() -> None:
    stats: dict[str, Any] = {
        "posts": 2,
        "articles": 2,
        "per_platform": {"twitter": 2},
        "top_authors": [],
        "per_month": [("2006-03", 1), ("2022-01", 1)],
    }
    lines = stats_lines(stats, 60)
    assert "Posts per year (more than ten years of posts)" in lines
    assert lines[-1].startswith("2022  1")


def test_progress_line_with_a_total_shows_bar_percent_rate_and_time_left() -> None:
    line = progress_line(Progress(pages=50, posts=120, elapsed=10.0, total=200, failed=2), 120)
    assert "25%" in line
    assert "50/200 pages" in line
    assert "120 posts" in line
    assert "2 failed" in line
    assert "5.0 pages/s" in line
    assert "0:30 left" in line


def test_progress_line_without_a_total_counts_and_fits() -> None:
    line = progress_line(Progress(pages=7, posts=9, elapsed=2.0), 30)
    assert line.startswith("7 pages · 9 posts")
    assert cell_width(line) < 30


def test_format_duration() -> None:
    assert format_duration(5) == "0:05"
    assert format_duration(3725) == "1:02:05"


def test_disabled_progress_bar_draws_nothing_but_messages() -> None:
    stream = io.StringIO()
    progress = ProgressBar(stream, enabled=False, total=10)
    progress.update(1, 1)
    progress.message("a.html: cannot read")
    progress.clear()
    assert stream.getvalue() == "a.html: cannot read\n"


def test_enabled_progress_bar_clears_itself_before_a_message() -> None:
    stream = io.StringIO()
    progress = ProgressBar(stream, enabled=True, total=10)
    progress.update(3, 4)
    progress.message("b.html: cannot read")
    drawn = stream.getvalue()
    assert drawn.startswith("\r") and "3/10 pages" in drawn
    assert drawn.endswith("\r\x1b[Kb.html: cannot read\n")


def test_post_text_wraps_at_words_and_keeps_urls_whole() -> None:
    text = "word " * 30 + "https://example.com/" + "x" * 60 + "\nsecond paragraph"
    lines = post_lines({**RECORD, "text": text}, [], 40)
    body = lines[lines.index("") + 1 : lines.index("", lines.index("") + 1)]
    assert all(len(line) <= 40 for line in body if "://" not in line)
    assert any(line == "https://example.com/" + "x" * 60 for line in body)
    assert body[-1] == "second paragraph"
    assert " ".join(body[:-2]).split() == ["word"] * 30


def test_post_lines_show_everything_about_a_post() -> None:
    quoting = [{"title": "Talks", "url": "https://example.com/a", "source": "a.html"}]
    lines = post_lines(RECORD, quoting)
    text = "\n".join(lines)
    assert lines[0] == "twitter 1479527384433696769  @McFaul (Michael McFaul)"
    assert "January 7, 2022 · posted 2022-01-07T18:16:44.123Z · lang en" in text
    assert "no trades, no deals." in lines
    assert "  https://t.co/x" in lines
    assert "Quoted in 1 article:" in lines
    assert "     https://example.com/a" in lines
