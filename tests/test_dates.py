"""Shown dates in the languages embeds use."""

from __future__ import annotations

import datetime as dt

import pytest

from collector.extract.dates import parse_date_text


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("March 21, 2006", dt.date(2006, 3, 21)),
        ("Feb 8, 2012", dt.date(2012, 2, 8)),
        ("Sept. 3rd, 2015", dt.date(2015, 9, 3)),
        ("19 décembre 2018", dt.date(2018, 12, 19)),
        ("1er mars 2020", dt.date(2020, 3, 1)),
        ("23. November 2015", dt.date(2015, 11, 23)),
        ("18. März 2018", dt.date(2018, 3, 18)),
        ("27 de julio de 2016", dt.date(2016, 7, 27)),
        ("13 settembre 2017", dt.date(2017, 9, 13)),
        ("1º de março de 2019", dt.date(2019, 3, 1)),
        ("2 mei 2019", dt.date(2019, 5, 2)),
        ("2016年6月21日", dt.date(2016, 6, 21)),
        ("1:25 PM ∙ May 25, 2021", dt.date(2021, 5, 25)),
        ("Wednesday, July 27, 2016", dt.date(2016, 7, 27)),
        ("Jeudi 26 mars 2020", dt.date(2020, 3, 26)),
        ("Jueves, 12 de noviembre de 2020", dt.date(2020, 11, 12)),
        ("May 13, 2025 at 11:37 PM", dt.date(2025, 5, 13)),
        ("20 novembre 2024 à 14:43", dt.date(2024, 11, 20)),
        ("9 Ocak 2017 Pazartesi", dt.date(2017, 1, 9)),
        ("2016-06-21", dt.date(2016, 6, 21)),
        ("21.06.2016", dt.date(2016, 6, 21)),
        # Twitter's other dialog languages.
        ("21 марта 2006 г.", dt.date(2006, 3, 21)),
        ("21 marca 2006", dt.date(2006, 3, 21)),
        ("21 Μαρτίου 2006", dt.date(2006, 3, 21)),
        ("1 d’abril de 2016", dt.date(2016, 4, 1)),
        ("2006. március 21.", dt.date(2006, 3, 21)),
        ("٢١ مارس ٢٠٠٦", dt.date(2006, 3, 21)),
        ("21 במרץ 2006", dt.date(2006, 3, 21)),
        ("2016년 6월 21일", dt.date(2016, 6, 21)),
        ("21 tháng 3, 2006", dt.date(2006, 3, 21)),
    ],
)
def test_shown_dates_parse_to_their_day(shown: str, expected: dt.date) -> None:
    assert parse_date_text(shown) == expected


@pytest.mark.parametrize(
    "shown",
    ["", "November 2015", "31 février 2019", "6/7/2016", "Tweet may have been deleted", "10:45 PM"],
)
def test_strings_without_a_full_valid_day_give_none(shown: str) -> None:
    assert parse_date_text(shown) is None
