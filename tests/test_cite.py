"""`quotes cite`: the styles as their guides write a post (each against a worked example of the
guide, the record built to match the example's post), CSL-JSON valid against the CSL data schema,
BibTeX and RIS that parsers read, posts shown as deleted cited from the article's copy, and the
command on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from collector.cli import cli
from collector.output.citations import csl_item, format_bibtex, format_ris, write_citations
from collector.output.citing import person_name
from collector.output.styles import format_apa, format_chicago, format_chicago_note, format_mla

SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text(encoding="utf-8"))
ARTICLE = {
    "title": "Alpha: the Geneva talks",
    "url": "https://news.example/alpha",
    "address": "https://news.example/alpha",
    "site_name": "News Example",
    "published": "2022-01-08T10:00:00Z",
    "ingested_at": "2022-02-01T09:30:00Z",
    "status": None,
}


def post(**fields: Any) -> dict[str, Any]:
    """A post as `db.quotations.iter_sourced_posts` gives it (the record, its articles, its quote)."""
    base: dict[str, Any] = {
        "platform": "twitter",
        "post_id": None,
        "url": None,
        "handle": None,
        "author_name": None,
        "date": None,
        "posted_at": None,
        "date_text": None,
        "text": None,
        "links": [],
        "lang": "en",
        "status": None,
        "media": [],
        "quoted_url": None,
        "articles": [ARTICLE],
        "quoted": None,
    }
    base.update(fields)
    base.setdefault("id", base["post_id"] or "7")
    return base


def tweet(handle: str, name: str | None, post_id: str, day: str, text: str, **fields: Any) -> dict[str, Any]:
    url = f"https://twitter.com/{handle}/status/{post_id}"
    shown = {"handle": handle, "author_name": name, "date": day, "text": text}
    return post(post_id=post_id, id=post_id, url=url, **shown, **fields)


# --- APA 7: apastyle.apa.org/style-grammar-guidelines/references/examples/twitter-references ---------

CDC = tweet(
    "CDCgov", "CDC", "1271180413134876672", "2020-06-11",
    "Scientists do not know if having antibodies to the virus that causes #COVID19 can protect someone "
    "from getting infected again or, if they do, how long that protection might last.",
    media=["https://pbs.twimg.com/media/EaP0DfGXkAAHbXb.jpg"],
)  # fmt: skip
GATES = tweet(
    "BillGates", "Bill Gates", "1170305718425137152", "2019-09-07",
    "Today, it’s difficult for researchers to diagnose #Alzheimers patients early enough to intervene. "
    "A reliable, easy and accurate diagnostic would be a huge breakthrough. https://b-gat.es/2lOBmv5",
    links=["https://b-gat.es/2lOBmv5"],
)  # fmt: skip
PREVENTION = tweet(
    "preventioninst", "Prevention Institute", "1309211009039687680", "2020-09-24",
    "If you want to talk #health, you have to talk #racialjustice",
    media=["https://video.twimg.com/ext_tw_video/1309210/pu/vid/1280x720/clip.mp4"],
)  # fmt: skip
APA_DATABASES = tweet(
    "APA_Databases", "APA Databases", "1301175576703664128", "2020-09-02",
    "We have curated a collection of journal articles from APA PsycArticles on #COVID19. "
    "View: https://bit.ly/2QrWj76 for recent coverage",
    links=["https://bit.ly/2QrWj76"], media=["https://pbs.twimg.com/media/Eg7.jpg"],
)  # fmt: skip


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            CDC,
            "CDC [@CDCgov]. (2020, June 11). Scientists do not know if having antibodies to the virus that "
            "causes #COVID19 can protect someone from getting infected again [Image attached] [Tweet]. "
            "Twitter. https://twitter.com/CDCgov/status/1271180413134876672",
        ),
        (
            GATES,
            "Gates, B. [@BillGates]. (2019, September 7). Today, it’s difficult for researchers to diagnose "
            "#Alzheimers patients early enough to intervene. A reliable, easy and accurate diagnostic would "
            "[Thumbnail with link attached] [Tweet]. Twitter. https://twitter.com/BillGates/status/1170305718425137152",
        ),
        (
            PREVENTION,
            "Prevention Institute [@preventioninst]. (2020, September 24). If you want to talk #health, you "
            "have to talk #racialjustice [Video attached] [Tweet]. Twitter. "
            "https://twitter.com/preventioninst/status/1309211009039687680",
        ),
        (
            APA_DATABASES,
            "APA Databases [@APA_Databases]. (2020, September 2). We have curated a collection of journal "
            "articles from APA PsycArticles on #COVID19. View: https://bit.ly/2QrWj76 for recent coverage "
            "[Image attached] [Tweet]. Twitter. https://twitter.com/APA_Databases/status/1301175576703664128",
        ),
    ],
    ids=["CDC", "Gates", "Prevention Institute", "APA Databases"],
)
def test_apa_as_the_apa_style_examples(record: dict[str, Any], expected: str) -> None:
    assert format_apa(record) == expected


def test_apa_counts_urls_hashtags_and_emoji_as_one_word_each() -> None:
    text = "one #two https://t.co/three 🎉 " + " ".join(f"w{n}" for n in range(5, 30))
    title = format_apa(tweet("a", None, "1", "2022-01-07", text)).split(". ", 2)[2]
    assert title.startswith("one #two https://t.co/three 🎉 w5 ") and " w20 [" in title and "w21" not in title


def test_apa_after_twitter_became_x_is_a_post_on_x() -> None:
    # Guides differ on posts from before the renaming (libguides.swansea.ac.uk/APA7Referencing/X
    # keeps "[Tweet]. X." for a 2019 post; libguides.tri-c.edu gives APA's 2020 example as
    # "[Post]. X."); apastyle.apa.org's "Twitter references" keeps [Tweet] and Twitter for them.
    # The archive writes what the platform was called on the post's day.
    reference = format_apa(tweet("jack", None, "2", "2024-03-01", "hello"))
    assert reference == "@jack. (2024, March 1). hello [Post]. X. https://twitter.com/jack/status/2"


def test_quotes_inside_a_quoted_title_become_single_quotes() -> None:
    record = tweet("ironshay", None, "3", "2013-08-22", 'Google "<noun>.js" and “this”')
    assert "“Google ‘<noun>.js’ and ‘this.’”" in format_mla(record)
    assert "“Google ‘<noun>.js’ and ‘this.’”" in format_chicago(record)
    assert 'Google "<noun>.js" and “this”' in format_apa(record)  # APA's title is not in quotes


def test_apa_without_an_author_starts_with_the_date() -> None:
    assert format_apa(post(text="words", date="2022-01-07")).startswith("(2022, January 7). words [Tweet].")


def test_apa_undated() -> None:
    assert "(n.d.)" in format_apa(tweet("jack", None, "2", None, "hello"))  # type: ignore[arg-type]


# --- MLA 9: MLA Style Center ("How do I cite a tweet?") and Purdue OWL ---------------------------------
# Checked (h19r review): the persianwiki entry is the MLA Style Center's, word for word as quoted at
# teachthought.com/literacy/how-to-cite-a-tweet ("adapted from the MLA Handbook"). The Brokaw entry is
# the Purdue OWL's example in the MLA 9 pattern; its MLA 7 form, "Brokaw, Tom (tombrokaw). “SC
# demonstrated why all the debates are the engines of this campaign.” 22 Jan. 2012, 3:06 a.m.
# Tweet." (the OWL as quoted at wkuwritingcenter.blogspot.com/2014/04), gives the same text, date
# and time; no stored copy of the OWL's MLA 9 page was found to check its exact punctuation.


def test_mla_as_the_mla_style_center_example() -> None:
    record = tweet(
        "persianwiki", None, "2298106072", "2009-06-23",
        "We have report of large street battles in east & west of Tehran now – #Iranelection",
    )  # fmt: skip
    assert format_mla(record) == (
        "@persianwiki. “We have report of large street battles in east & west of Tehran now – "
        "#Iranelection.” Twitter, 23 June 2009, twitter.com/persianwiki/status/2298106072."
    )


def test_mla_as_the_purdue_owl_example_with_the_time() -> None:
    record = tweet(
        "tombrokaw", "Tom Brokaw", "160996868971704320", "2012-01-22",
        "SC demonstrated why all the debates are the engines of this campaign.",
        posted_at="2012-01-22T03:06:00Z",
    )  # fmt: skip
    assert format_mla(record) == (
        "@tombrokaw. “SC demonstrated why all the debates are the engines of this campaign.” Twitter, "
        "22 Jan. 2012, 3:06 a.m., twitter.com/tombrokaw/status/160996868971704320."
    )


def test_mla_time_in_the_zone_asked_for() -> None:
    from zoneinfo import ZoneInfo

    record = tweet("a", None, "1", "2012-01-22", "Hi?", posted_at="2012-01-22T03:06:00Z")
    assert "“Hi?” Twitter, 21 Jan. 2012, 10:06 p.m.," in format_mla(record, ZoneInfo("America/New_York"))


# --- Chicago 17: 14.209 ----------------------------------------------------------------------------
# Checked (h19r review) against guides quoting 14.209: note "Creator’s first & last name (@username),
# “Title,” Social media platform, Month Day, Year, URL." and bibliography "Creator’s last name, first
# name (@username). “Title.” Social media platform, Month Day, Year. URL.", up to 160 characters of
# the post as the title (libguides.pvcc.edu/citationstyles/notes-biblio-social-media); the Souza
# note form with the Instagram example of 14.209 (bond.libguides.com/chicago/social-media); the time
# before the URL, as the note example gives it (libguides.ucd.ie/chicagostyle/chicagosocialmedia).


def test_chicago_as_the_manual_example() -> None:
    record = tweet(
        "petesouza", "Pete Souza", "343207098986024960", "2013-06-08",
        "President Obama bids farewell to President Xi of China at the conclusion of the Sunnylands Retreat",
        posted_at="2013-06-08T01:03:00Z",
    )  # fmt: skip
    assert format_chicago(record) == (
        "Souza, Pete (@petesouza). “President Obama bids farewell to President Xi of China at the "
        "conclusion of the Sunnylands Retreat.” Twitter, June 8, 2013, 1:03 a.m. "
        "https://twitter.com/petesouza/status/343207098986024960."
    )


def test_chicago_note_as_the_manual_example() -> None:
    record = tweet(
        "petesouza", "Pete Souza", "343207098986024960", "2013-06-08",
        "President Obama bids farewell to President Xi of China at the conclusion of the Sunnylands Retreat",
        posted_at="2013-06-08T01:03:00Z",
    )  # fmt: skip
    assert format_chicago_note(record) == (
        "Pete Souza (@petesouza), “President Obama bids farewell to President Xi of China at the "
        "conclusion of the Sunnylands Retreat,” Twitter, June 8, 2013, 1:03 a.m., "
        "https://twitter.com/petesouza/status/343207098986024960."
    )
    question = format_chicago_note(tweet("a", "Ann Lee", "5", "2020-01-02", "Why?"))
    assert question == "Ann Lee (@a), “Why?” Twitter, January 2, 2020, https://twitter.com/a/status/5."


def test_chicago_name_with_an_apostrophe_and_a_short_post() -> None:
    record = tweet(
        "ConanOBrien", "Conan O'Brien", "590940792967016448", "2015-04-22",
        "In honor of Earth Day, I'm recycling my tweets.", posted_at="2015-04-22T11:10:00Z",
    )  # fmt: skip
    assert format_chicago(record) == (
        "O'Brien, Conan (@ConanOBrien). “In honor of Earth Day, I'm recycling my tweets.” Twitter, "
        "April 22, 2015, 11:10 a.m. https://twitter.com/ConanOBrien/status/590940792967016448."
    )


def test_chicago_cuts_a_long_post_at_160_characters_on_a_word() -> None:
    text = " ".join(["word"] * 60)
    title = re.search(r"“(.*)”", format_chicago(tweet("a", None, "1", "2020-01-01", text))).group(1)  # type: ignore[union-attr]
    assert title.endswith("word…") and len(title) <= 160


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bill Gates", ("Gates", "Bill")),
        ("Sarah Reese Jones", ("Jones", "Sarah Reese")),
        ("CDC", None),
        ("APA Databases", None),
        ("Prevention Institute", None),
        ("US Department of the Interior", None),
        ("D.C. ☮️", None),
        ("jack", None),
        ("The Guardian", None),
        # A title before the name is no given name (the styles leave titles out of the author).
        ("Dr. Anthony Fauci", ("Fauci", "Anthony")),
        ("Sen. Bernie Sanders", ("Sanders", "Bernie")),
        ("Gov. Andrew Cuomo", ("Cuomo", "Andrew")),
        ("President Biden", None),  # a title and one name: written as shown
        ("Pope Francis", None),
        ("J.K. Rowling", ("Rowling", "J.K.")),
        ("Donald J. Trump", ("Trump", "Donald J.")),
        ("White House", None),
        ("Official Account", None),
        ("Washington Post", None),
    ],
)
def test_person_names_and_organisations(name: str, expected: tuple[str, str] | None) -> None:
    assert person_name(name) == expected


def test_apa_initials_of_a_titled_and_an_initialled_name() -> None:
    assert format_apa(tweet("jk_rowling", "J.K. Rowling", "1", "2020-01-02", "hi")).startswith(
        "Rowling, J. K. [@jk_rowling]. (2020, January 2)."
    )
    assert format_apa(tweet("fauci", "Dr. Anthony Fauci", "1", "2020-01-02", "hi")).startswith(
        "Fauci, A. [@fauci]."
    )


# --- deleted posts cite the article's copy ------------------------------------------------------------

GONE = {**ARTICLE, "title": "Gone: a page", "url": "https://gone.example/a", "address": "https://gone.example/a",
        "site_name": "Gone Site", "status": "deleted", "ingested_at": "2022-01-09T00:00:00Z"}  # fmt: skip
DELETED = tweet(
    "McFaul", "Michael McFaul", "1479527384433696769", "2022-01-07",
    "There will be no substantive negotiations in Geneva next week.",
    status="deleted", articles=[GONE, ARTICLE],
)  # fmt: skip


def test_a_deleted_post_is_cited_from_the_first_article_that_kept_a_copy() -> None:
    assert format_apa(DELETED).endswith(
        "[Tweet]. Twitter. Post deleted; copy quoted in Alpha: the Geneva talks, News Example. "
        "https://news.example/alpha"
    )
    assert format_mla(DELETED).endswith(
        "Twitter, 7 Jan. 2022. Post deleted; quoted in “Alpha: the Geneva talks,” News Example, "
        "8 Jan. 2022, news.example/alpha."
    )
    assert format_chicago(DELETED).endswith(
        "Twitter, January 7, 2022. Post deleted; quoted in “Alpha: the Geneva talks,” News Example, "
        "January 8, 2022. https://news.example/alpha."
    )
    assert format_chicago_note(DELETED).endswith(
        "Twitter, January 7, 2022, post deleted, quoted in “Alpha: the Geneva talks,” News Example, "
        "January 8, 2022, https://news.example/alpha."
    )
    item = csl_item(DELETED)
    assert item["URL"] == item["archive_location"] == "https://news.example/alpha"
    assert item["archive"] == "News Example"
    assert item["accessed"] == {"date-parts": [[2022, 2, 1]]}  # when that article was ingested
    assert item["custom"]["post_url"] == DELETED["url"]
    assert "UR  - https://news.example/alpha" in format_ris(DELETED)
    assert "url = {https://news.example/alpha}" in format_bibtex(DELETED)


def test_a_live_post_keeps_its_own_address_and_names_the_archived_copy() -> None:
    item = csl_item({**DELETED, "status": None})
    assert item["URL"] == DELETED["url"]
    assert item["archive_location"] == "https://news.example/alpha"  # the first article that kept it


def test_when_no_article_kept_a_copy_the_first_article_is_cited() -> None:
    item = csl_item({**DELETED, "articles": [GONE]})
    assert item["URL"] == "https://gone.example/a"


# Control characters (BEL, ESC: a terminal runs "\x1b[2J") and the invisible bidi controls that
# reorder what follows them on the line (U+202E) are not text a citation can carry: they go; the
# words and the letters of every script stay.
HOSTILE_TEXT = "ring\x07 \x1b[2J clear\x00 \x85next \u202eevil\u202c \u2067iso\u2069 مرحبا 日本語 e\u0301 🎉"
HOSTILE_NAME = "Bad\x1b[31m \u202eName"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fmt", ["apa", "mla", "chicago", "chicago-note", "bibtex", "ris", "csl-json"])
def test_control_and_bidi_characters_do_not_reach_a_citation(fmt: str) -> None:
    import io

    record = tweet("ctl", HOSTILE_NAME, "5", "2022-01-07", HOSTILE_TEXT)
    out = io.StringIO()
    write_citations([record], out, fmt)
    written = out.getvalue()
    if fmt == "csl-json":  # JSON escapes controls as \u001b: read it back to see what a reader gets
        written = json.dumps(json.loads(written), ensure_ascii=False)
    assert not UNSAFE.findall(written)
    assert "ring [2J clear next evil iso مرحبا 日本語 e\u0301 🎉" in written
    assert fmt in ("csl-json", "mla") or "Bad[31m Name" in written  # MLA names the handle alone


# --- CSL-JSON, BibTeX, RIS --------------------------------------------------------------------------


EVERY_EXAMPLE = [CDC, GATES, PREVENTION, APA_DATABASES, DELETED, post(), post(text="no author", handle=None)]


def test_csl_json_validates_against_the_csl_data_schema() -> None:
    import io

    out = io.StringIO()
    assert write_citations(EVERY_EXAMPLE, out, "csl-json") == len(EVERY_EXAMPLE)
    items = json.loads(out.getvalue())
    jsonschema.validate(items, SCHEMA)
    cdc = items[0]
    assert cdc["type"] == "post" and cdc["author"] == [{"literal": "CDC"}]
    assert cdc["title"].startswith("Scientists do not know") and cdc["container-title"] == "Twitter"
    assert cdc["issued"] == {"date-parts": [[2020, 6, 11]]} and cdc["URL"] == CDC["url"]
    assert items[1]["author"] == [{"family": "Gates", "given": "Bill"}]


def test_csl_ids_of_posts_with_and_without_a_platform_id_differ() -> None:
    with_id = csl_item(tweet("a", None, "12", "2022-01-07", "x"))
    without = csl_item(post(id="12", text="y"))  # the archive's internal id 12
    assert with_id["id"] == "twitter:12" and without["id"] == "twitter:archive-12"


def test_the_schema_rejects_what_it_should() -> None:
    """The fixture is a working schema: an item of an unknown field or type fails it."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**csl_item(CDC), "handle": "@CDCgov"}], SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**csl_item(CDC), "type": "tweet"}], SCHEMA)


def test_empty_csl_json_is_an_empty_array() -> None:
    import io

    out = io.StringIO()
    write_citations([], out, "csl-json")
    assert json.loads(out.getvalue()) == []


def test_bibtex_escapes_latex_and_keys_are_unique() -> None:
    hostile = tweet("x_y", "Ann Lee", "99", "2022-01-07", "100% {braces} & $5 #tag a_b ~ ^ \\end")
    seen: set[str] = set()
    first, second = format_bibtex(hostile, seen), format_bibtex(hostile, seen)
    assert r"title = {{100\% \{braces\} \& \$5 \#tag a\_b \~{} \^{} \textbackslash{}end}}" in first
    assert "author = {Lee, Ann}" in first
    keys = [re.match(r"@misc\{([^,]+),", entry).group(1) for entry in (first, second)]  # type: ignore[union-attr]
    assert keys[0] != keys[1] and all(re.fullmatch(r"[A-Za-z0-9_]+", key) for key in keys)
    assert first.count("{") == first.count("}")


def test_ris_records_have_the_tags_reference_managers_read() -> None:
    record = format_ris({**GATES, "text": "line one\nline two"})
    lines = record.splitlines()
    assert lines[0] == "TY  - ELEC" and lines[-1] == "ER  - "
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines)
    assert "AU  - Gates, Bill" in lines and "TI  - line one line two" in lines
    assert "PY  - 2019" in lines and "DA  - 2019/09/07" in lines and "T2  - Twitter" in lines


# --- the command, on both databases ---------------------------------------------------------------------


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


TWEET = (
    '<blockquote class="twitter-tweet"><p lang="en">{text}</p>&mdash; {name} (@{handle}) '
    '<a href="https://twitter.com/{handle}/status/{post_id}">{day}</a></blockquote>'
)
# A CMS's placeholder for a tweet that no longer loads (fixtures/tomb-mashable-style-placeholder.html).
GONE_PAGE = (
    '<blockquote class="twitter-tweet"><a class="text-gray-600" '
    'href="https://twitter.com/McFaul/status/1479527384433696769">'
    "Tweet may have been deleted</a></blockquote>"
)


def page(title: str, site: str, body: str) -> str:
    return (
        f'<html><head><title>{title}</title><meta property="og:site_name" content="{site}">'
        f"</head><body><p>Article text.</p>{body}</body></html>"
    )


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> str:
    folder = tmp_path / "pages"
    folder.mkdir()
    mcfaul = TWEET.format(
        text="There will be no substantive negotiations in Geneva next week.", name="Michael McFaul",
        handle="McFaul", post_id="1479527384433696769", day="January 7, 2022",
    )  # fmt: skip
    # The page ingested first shows the post as deleted; the second kept its copy.
    (folder / "a.html").write_text(page("Alpha", "Alpha News", GONE_PAGE), encoding="utf-8")
    (folder / "b.html").write_text(page("Bravo", "Bravo Times", mcfaul), encoding="utf-8")
    result = run(db_url, "ingest", "--jobs", "1", str(folder))
    assert result.exit_code == 0, result.stderr
    return db_url


def test_cite_every_format_from_the_archive(archive: str) -> None:
    apa = run(archive, "cite", "--author", "mcfaul")
    assert apa.exit_code == 0, apa.stderr
    assert apa.stdout.startswith(
        "McFaul, M. [@McFaul]. (2022, January 7). There will be no substantive negotiations in Geneva "
        "next week. [Tweet]. Twitter."
    )
    csl = run(archive, "cite", "Geneva", "--format", "csl-json")
    items = json.loads(csl.stdout)
    jsonschema.validate(items, SCHEMA)
    assert [item["id"] for item in items] == ["twitter:1479527384433696769"]
    assert items[0]["archive"] == "Bravo Times"  # the first article that kept a copy
    for fmt, start in [("mla", "@McFaul. “"), ("chicago", "McFaul, Michael (@McFaul)."),
                       ("bibtex", "@misc{McFaul2022_"), ("ris", "TY  - ELEC")]:  # fmt: skip
        result = run(archive, "cite", "--format", fmt)
        assert result.exit_code == 0 and result.stdout.startswith(start), (fmt, result.stdout)


def test_cite_a_post_shown_deleted_cites_the_copy(archive: str) -> None:
    result = run(archive, "cite", "--status", "deleted", "--format", "csl-json")
    (item,) = json.loads(result.stdout)
    assert item["status"] == "deleted"
    assert item["archive"] == "Bravo Times" and item["URL"] == item["archive_location"]
    assert item["archive_location"].endswith("b.html")
    assert item["custom"]["quoted_in"] == 2


SUFFIXES = [("refs.bib", "@misc{"), ("refs.RIS", "TY  - ELEC"), ("refs.json", "[\n{"),
            ("refs.txt", "McFaul, M. [@McFaul].")]  # fmt: skip


@pytest.mark.parametrize(("name", "start"), SUFFIXES)
def test_cite_takes_the_format_from_the_file_suffix(
    archive: str, tmp_path: Path, name: str, start: str
) -> None:
    result = run(archive, "cite", "-o", str(tmp_path / name))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)


def test_cite_to_a_file_and_nothing_matching(archive: str, tmp_path: Path) -> None:
    target = tmp_path / "refs.ris"
    result = run(archive, "cite", "--format", "ris", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("TY  - ELEC")
    assert "1 citations written to" in result.stderr
    none = run(archive, "cite", "nosuchword")
    assert none.exit_code == 0 and none.stdout == "" and "No posts match." in none.stderr
