"""Dates as embeds show them, in the languages of Twitter's embed dialog and of the pages.

Twitter writes the date in the embed dialog's language ("19 décembre 2018", "23. November 2015",
"27 de julio de 2016", "2016年6月21日"), and that language can disagree with `data-lang`, so the
month is looked up in every language at once. Other platforms add weekdays ("Jeudi 26 mars
2020"), clock times ("1:25 PM ∙ May 25, 2021", "May 13, 2025 at 11:37 PM") and abbreviations
("Feb 8, 2012"). A date without a day ("November 2015") is not a date: nothing is invented.
Purely numeric forms are read only where the order is unambiguous (ISO `2016-06-21`, dotted
`21.06.2016`), never `6/7/2016`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

# Month names and abbreviations as pages write them; looked up lowercased and without accents
# (see _fold), so "Décembre", "decembre" and "DÉC." all match. The first rows are the languages
# Twitter's embed dialog is most often used in; the rest are its other dialog languages whose
# dates are "day month year" (or "year. month day." in Hungarian), and Facebook's Turkish.
MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "januar", "jänner", "enero", "ene", "gennaio", "gen",
        "janeiro", "januari", "ocak",
        "января", "январь", "січня", "stycznia", "ledna", "tammikuuta", "ιανουαρίου", "ianuarie",
        "gener", "január", "يناير", "כינואר", "בינואר"),
    2: ("february", "feb", "février", "févr", "fév", "februar", "febrero", "febbraio",
        "fevereiro", "februari", "şubat",
        "февраля", "февраль", "лютого", "lutego", "února", "helmikuuta", "φεβρουαρίου",
        "februarie", "febrer", "február", "فبراير", "בפברואר"),
    3: ("march", "mar", "mars", "märz", "maerz", "mrz", "marzo", "março", "maart", "mrt", "mart",
        "марта", "март", "березня", "marca", "března", "maaliskuuta", "μαρτίου", "martie",
        "març", "marts", "maret", "március", "مارس", "במרץ", "במרס"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile", "nisan",
        "апреля", "апрель", "квітня", "kwietnia", "dubna", "huhtikuuta", "απριλίου", "aprilie",
        "április", "أبريل", "ابريل", "באפריל"),
    5: ("may", "mai", "mayo", "maggio", "mag", "maio", "mei", "mayıs",
        "мая", "май", "травня", "maja", "května", "toukokuuta", "μαΐου", "maig", "maj",
        "május", "مايو", "במאי"),
    6: ("june", "jun", "juin", "juni", "junio", "giugno", "giu", "junho", "haziran",
        "июня", "июнь", "червня", "czerwca", "června", "kesäkuuta", "ιουνίου", "iunie", "juny",
        "június", "يونيو", "ביוני"),
    7: ("july", "jul", "juillet", "juil", "juli", "julio", "luglio", "lug", "julho", "temmuz",
        "июля", "июль", "липня", "lipca", "července", "heinäkuuta", "ιουλίου", "iulie",
        "juliol", "július", "يوليو", "ביולי"),
    8: ("august", "aug", "août", "agosto", "ago", "augustus", "ağustos",
        "августа", "август", "серпня", "sierpnia", "srpna", "elokuuta", "αυγούστου", "agost",
        "augusti", "agustus", "augusztus", "أغسطس", "באוגוסט"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "set",
        "setembro", "eylül",
        "сентября", "сентябрь", "вересня", "września", "září", "syyskuuta", "σεπτεμβρίου",
        "septembrie", "setembre", "szeptember", "سبتمبر", "בספטמבר"),
    10: ("october", "oct", "octobre", "oktober", "okt", "octubre", "ottobre", "ott", "outubro",
         "out", "ekim",
         "октября", "октябрь", "жовтня", "października", "října", "lokakuuta", "οκτωβρίου",
         "octombrie", "október", "أكتوبر", "באוקטובר"),
    11: ("november", "nov", "novembre", "noviembre", "novembro", "kasım",
         "ноября", "ноябрь", "листопада", "listopada", "listopadu", "marraskuuta",
         "νοεμβρίου", "noiembrie", "نوفمبر", "בנובמבר"),
    12: ("december", "dec", "décembre", "dezember", "dez", "diciembre", "dic", "dicembre",
         "dezembro", "aralık",
         "декабря", "декабрь", "грудня", "grudnia", "prosince", "joulukuuta", "δεκεμβρίου",
         "decembrie", "desembre", "desember", "ديسمبر", "בדצמבר"),
}  # fmt: skip
# Pages repeat their date strings (every tweet of a thread, every post of a day): parse each once.
DATE_CACHE_SIZE = 4096
# Clock times are removed first so their digits cannot pose as a day: "11:37 PM", "14:43".
CLOCK_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\.?)?", re.IGNORECASE)
# A whole word, possessively: only a word start may begin it (a search tried every letter of a long
# word again, each time to the word's end: quadratic), and nothing after a word can be a letter.
WORD = r"(?<![^\W\d_])([^\W\d_]++)"
# "23. November 2015", "27 de julio de 2016", "1er mars 2020", "8 Feb. 2012", "9 Ocak 2017".
DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(\d{1,2})(?:er|\.|o|°)?\s+(?:de\s+)?" + WORD + r"\.?,?\s+(?:de\s+|del\s+)?(\d{4})(?!\d)"
)
# Hungarian "2006. március 21.".
YEAR_MONTH_DAY = re.compile(r"(?<!\d)(\d{4})\.?\s+" + WORD + r"\.?\s+(\d{1,2})(?!\d)")
# Catalan elides "de" before a vowel: "1 d’abril de 2016".
ELIDED_DE = re.compile(r"\bd['’]")
# "May 25, 2021", "Feb 8, 2012", "Sept. 3rd, 2015".
MONTH_DAY_YEAR = re.compile(WORD + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
# "2016年6月21日" (Japanese and Chinese), "2016년 6월 21일" (Korean).
CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
DOTTED_DATE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
# Vietnamese names months by number: "21 tháng 3, 2006" (folded: "thang").
VIETNAMESE_DATE = re.compile(r"(?<!\d)(\d{1,2})\s+thang\s+(\d{1,2}),?\s+(\d{4})(?!\d)")


@functools.lru_cache(maxsize=DATE_CACHE_SIZE)
def parse_date_text(text: str) -> dt.date | None:
    """The calendar day a shown date string names, or None when it names no full day."""
    if not text:
        return None
    folded = ELIDED_DE.sub("de ", CLOCK_TIME.sub(" ", _fold(text)))
    found: list[tuple[int, dt.date]] = []
    for match in DAY_MONTH_YEAR.finditer(folded):
        _keep(found, match.start(), match[3], MONTHS.get(match[2]), match[1])
    for match in MONTH_DAY_YEAR.finditer(folded):
        _keep(found, match.start(), match[3], MONTHS.get(match[1]), match[2])
    for match in YEAR_MONTH_DAY.finditer(folded):
        _keep(found, match.start(), match[1], MONTHS.get(match[2]), match[3])
    for match in CJK_DATE.finditer(folded):
        _keep(found, match.start(), match[1], int(match[2]), match[3])
    for match in ISO_DATE.finditer(folded):
        _keep(found, match.start(), match[1], int(match[2]), match[3])
    for match in VIETNAMESE_DATE.finditer(folded):
        _keep(found, match.start(), match[3], int(match[2]), match[1])
    for match in DOTTED_DATE.finditer(folded):
        _keep(found, match.start(), match[3], int(match[2]), match[1])
    # The earliest date in the string wins: "May 25, 2021 (edited June 1, 2021)".
    return min(found)[1] if found else None


def _keep(found: list[tuple[int, dt.date]], at: int, year: str, month: int | None, day: str) -> None:
    if month is None:
        return
    try:
        found.append((at, dt.date(int(year), month, int(day))))
    except ValueError:
        return  # 31 February and the like: not a date


def _fold(text: str) -> str:
    """Lowercase, accents dropped ("décembre" -> "decembre", "März" -> "marz"), NFKC digits.

    Recomposed at the end: NFKD also splits Hangul syllables ("년") into jamo.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ı", "i"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare)


MONTHS: dict[str, int] = {_fold(name): number for number, names in MONTH_NAMES.items() for name in names}


def month_number(word: str) -> int | None:
    """The month a name or abbreviation means in any language above ("Dez." -> 12), else None."""
    return MONTHS.get(_fold(word).rstrip("."))
