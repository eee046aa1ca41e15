"""The archive as people use it (issue 18), through the CLI on SQLite and PostgreSQL: ids to act on,
sorting and paging, listings with filters, tags and notes, forgetting, time zones, one article per
canonical URL, and the help that matches the options."""

from __future__ import annotations

import functools
import html
import http.server
import json
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from collector.cli import cli
from collector.values import normalize_url
from db.engine import make_engine

# Three pages: A quotes posts 1 and 2, B quotes 2 and 3, C (no canonical link) quotes nothing.
ID_1, ID_2, ID_3 = "1479527384433696769", "1479800000000000000", "1480000000000000001"


def run(db: str, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], env=env or None, catch_exceptions=False)


def jsonl(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def tweet(post_id: str, handle: str, day: str, words: str) -> str:
    return (
        f'<blockquote class="twitter-tweet"><p lang="en">{html.escape(words)}</p>&mdash; {handle.title()} '
        f'(@{handle}) <a href="https://twitter.com/{handle}/status/{post_id}">{day}</a></blockquote>'
    )


def page(title: str, *tweets: str, canonical: str | None = None, published: str | None = None) -> str:
    head = f"<title>{html.escape(title)}</title>"
    if canonical:
        head += f'<link rel="canonical" href="{canonical}">'
    if published:
        head += f'<meta property="article:published_time" content="{published}">'
    return f"<html><head>{head}</head><body><p>Article text.</p>{''.join(tweets)}</body></html>"


POST_1 = tweet(ID_1, "mcfaul", "January 7, 2022", "No deals in Geneva, said the ambassador")
POST_2 = tweet(ID_2, "sarah", "January 8, 2022", "Talks in Geneva end =HYPERLINK(1) 00123")
POST_3 = tweet(ID_3, "colby", "January 9, 2022", "Elsewhere, a quiet weekend")


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_text(
        page("Alpha: the Geneva talks", POST_1, POST_2, canonical="https://news.example/alpha",
             published="2022-01-08T10:00:00Z"),
        encoding="utf-8",
    )  # fmt: skip
    (folder / "b.html").write_text(
        page("Bravo " + "a very long title " * 6, POST_2, POST_3, canonical="https://news.example/bravo",
             published="2022-01-10T10:00:00Z"),
        encoding="utf-8",
    )  # fmt: skip
    (folder / "c.html").write_text(page("Charlie has no posts"), encoding="utf-8")
    return folder


@pytest.fixture
def archive(db_url: str, pages: Path) -> str:
    result = run(db_url, "ingest", "--jobs", "1", str(pages))
    assert result.exit_code == 0, result.stderr
    return db_url


def ids(result: Result) -> list[str]:
    return [record["post_id"] for record in jsonl(result)]


# --- ids, sorting, paging --------------------------------------------------------------------------


def test_every_id_in_the_search_table_is_one_show_takes(archive: str) -> None:
    lines = run(archive, "search", COLUMNS="100").stdout.splitlines()
    assert lines[0].split()[0] == "ID"
    shown = [line.split()[0] for line in lines[1:]]
    assert shown == [ID_1, ID_2, ID_3]
    for post_id in shown:
        assert run(archive, "show", post_id).stdout.splitlines()[0].startswith(f"twitter {post_id}  @")


@pytest.mark.parametrize("command", ["search", "export"])
def test_sort_and_offset(archive: str, command: str) -> None:
    def listed(*args: str) -> list[str]:
        return ids(run(archive, command, *args, "--format", "jsonl"))

    assert listed() == [ID_1, ID_2, ID_3]
    assert listed("--sort", "newest") == [ID_3, ID_2, ID_1]
    assert listed("--sort", "newest", "--limit", "1") == [ID_3]
    assert listed("--sort", "most-quoted") == [ID_2, ID_1, ID_3]  # post 2 is in two articles
    assert listed("--offset", "1") == [ID_2, ID_3]
    assert listed("--sort", "newest", "--offset", "1", "--limit", "1") == [ID_2]
    assert listed("--offset", "5") == []


def test_authors_take_the_filters_sort_limit_and_format(archive: str) -> None:
    def handles(*args: str) -> list[str]:
        return [row["handle"] for row in jsonl(run(archive, "authors", *args, "--format", "jsonl"))]

    assert handles("--sort", "oldest") == ["mcfaul", "sarah", "colby"]
    assert handles("--sort", "newest") == ["colby", "sarah", "mcfaul"]
    assert handles("geneva", "--sort", "oldest") == ["mcfaul", "sarah"]
    assert handles("--since", "2022-01-08", "--sort", "oldest", "--limit", "1") == ["sarah"]
    assert handles("--article", "bravo", "--sort", "newest") == ["colby", "sarah"]
    table = run(archive, "authors", "--platform", "twitter", COLUMNS="80").stdout.splitlines()
    assert table[0].split() == ["PLATFORM", "HANDLE", "NAME", "POSTS", "FIRST", "LAST"]


def test_articles_list_every_article_with_ids_and_take_filters_and_sort(archive: str) -> None:
    rows = jsonl(run(archive, "articles", "--format", "jsonl"))
    # Oldest published first; an article quoting no post is listed too (its date unknown: last).
    assert [(row["title"][:7], row["post_count"]) for row in rows] == [
        ("Alpha: ", 2),
        ("Bravo a", 2),
        ("Charlie", 0),
    ]
    assert all(isinstance(row["id"], int) for row in rows)
    newest = jsonl(run(archive, "articles", "--sort", "newest", "--limit", "1", "--format", "jsonl"))
    assert newest[0]["title"].startswith("Bravo")
    quiet = jsonl(run(archive, "articles", "weekend", "--format", "jsonl"))
    assert [(row["title"][:5], row["post_count"]) for row in quiet] == [("Bravo", 1)]
    charlie = jsonl(run(archive, "articles", "--article", "charlie", "--format", "jsonl"))
    assert [row["title"] for row in charlie] == ["Charlie has no posts"]


def test_the_articles_table_gives_titles_room_before_urls(archive: str) -> None:
    lines = run(archive, "articles", COLUMNS="100").stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "TITLE", "URL"]
    bravo = next(line for line in lines if "Bravo" in line)
    assert "Bravo a very long title a very long title" in bravo
    assert all(len(line) <= 100 for line in lines)


def test_stats_as_json(archive: str) -> None:
    stats = json.loads(run(archive, "stats", "--format", "json").stdout)
    assert (stats["posts"], stats["articles"], stats["per_platform"]) == (3, 3, {"twitter": 3})
    assert stats["per_month"] == [{"month": "2022-01", "posts": 3}]
    assert {"platform", "handle", "author_name", "post_count"} == set(stats["top_authors"][0])


# --- the query syntax through the CLI ------------------------------------------------------------


def test_query_syntax_and_a_malformed_query(archive: str) -> None:
    assert ids(run(archive, "search", '"no deals"', "--format", "jsonl")) == [ID_1]
    assert ids(run(archive, "search", "geneva -ambassador", "--format", "jsonl")) == [ID_2]
    assert ids(run(archive, "search", "--format", "jsonl", "--", "-geneva")) == [ID_3]
    assert ids(run(archive, "search", "weekend", "OR", "ambassa*", "--format", "jsonl")) == [ID_1, ID_3]
    bad = run(archive, "search", '"no deals')
    assert bad.exit_code == 2 and bad.stdout == ""
    assert (
        bad.stderr == "Error: cannot read the search '\"no deals': the quote at character 1 is not closed\n"
    )


# --- tags and notes --------------------------------------------------------------------------------


def test_tags_filter_and_export_and_untag(archive: str) -> None:
    tagged = run(archive, "tag", ID_1, "Follow-up", "geneva")
    assert tagged.exit_code == 0 and tagged.stdout == ""
    assert tagged.stderr == f"{ID_1}: added Follow-up geneva; tags now: Follow-up geneva\n"
    assert run(archive, "tag", ID_2, "follow-up").exit_code == 0
    again = run(archive, "tag", ID_1, "FOLLOW-UP")
    assert again.stderr == f"{ID_1}: added nothing new; tags now: Follow-up geneva\n"
    assert ids(run(archive, "search", "--tag", "follow-up", "--format", "jsonl")) == [ID_1, ID_2]
    assert ids(run(archive, "export", "--tag", "follow-up", "--tag", "GENEVA", "--format", "jsonl")) == [ID_1]
    exported = {r["post_id"]: r["tags"] for r in jsonl(run(archive, "export", "--format", "jsonl"))}
    assert exported == {ID_1: ["Follow-up", "geneva"], ID_2: ["follow-up"], ID_3: []}
    csv_lines = run(archive, "export", "--format", "csv").stdout.splitlines()
    assert csv_lines[0].endswith(",tags,note") and csv_lines[1].endswith(",Follow-up geneva,")
    counts = jsonl(run(archive, "tags", "--format", "jsonl"))
    assert counts == [{"tag": "Follow-up", "post_count": 2}, {"tag": "geneva", "post_count": 1}]
    untagged = run(archive, "untag", ID_1, "follow-up", "missing")
    assert untagged.stderr == f"{ID_1}: removed Follow-up; tags now: geneva\n"
    assert ids(run(archive, "search", "--tag", "follow-up", "--format", "jsonl")) == [ID_2]


BAD_TAGS = [("two words", "a tag is one word, without spaces: 'two words'"), ("  ", "a tag cannot be empty")]


@pytest.mark.parametrize(("tag", "reason"), BAD_TAGS)
def test_a_bad_tag_is_a_usage_error(archive: str, tag: str, reason: str) -> None:
    result = run(archive, "tag", ID_1, tag)
    assert result.exit_code == 2
    assert f"Error: Invalid value for 'TAG...': {reason}" in result.stderr
    assert jsonl(run(archive, "export", "--format", "jsonl"))[0]["tags"] == []


def test_notes_are_kept_shown_exported_and_removed(archive: str) -> None:
    assert run(archive, "note", ID_2, "Cited in the March report, p. 4").stderr == f"{ID_2}: note kept\n"
    assert run(archive, "note", ID_2, "=Cited twice").stderr == f"{ID_2}: note replaced\n"
    shown = run(archive, "show", ID_2).stdout.splitlines()
    assert shown[shown.index("Note:") + 1] == "  =Cited twice"
    notes = {r["post_id"]: r["note"] for r in jsonl(run(archive, "export", "--format", "jsonl"))}
    assert notes == {ID_1: None, ID_2: "=Cited twice", ID_3: None}
    # CSV guards the note like any text cell.
    assert (
        run(archive, "export", "--format", "csv", "--sort", "newest")
        .stdout.splitlines()[2]
        .endswith(",'=Cited twice")
    )
    assert run(archive, "note", ID_2, "").stderr == f"{ID_2}: note removed\n"
    assert "Note:" not in run(archive, "show", ID_2).stdout


def test_marks_on_an_unknown_post_are_one_error(archive: str) -> None:
    for args in (["tag", "42424242", "x"], ["untag", "42424242", "x"], ["note", "42424242", "x"]):
        result = run(archive, *args)
        assert result.exit_code == 1
        assert result.stderr == "Error: no post '42424242' in the archive; find one with `quotes search`\n"


# --- forgetting ------------------------------------------------------------------------------------


def check_integrity(db_url: str) -> None:
    """SQLite's own integrity check and FTS5's check of posts_fts against the posts table."""
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":
        assert engine.url.database
        with sqlite3.connect(engine.url.database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
            connection.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES ('integrity-check', 1)")
    else:
        with engine.connect() as connection:
            for table, column in (("appearances", "post_id"), ("links", "post_id"), ("post_tags", "post_id")):
                orphans = connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} NOT IN (SELECT id FROM posts)")
                )
                assert orphans.scalar() == 0
    engine.dispose()


def test_forget_an_article_by_url_and_its_lonely_posts(archive: str) -> None:
    assert run(archive, "tag", ID_1, "gone").exit_code == 0
    dry = run(archive, "forget", "--dry-run", "https://NEWS.example/alpha/?utm_source=x#top")
    assert dry.exit_code == 0 and dry.stdout == ""
    assert dry.stderr.splitlines()[-1] == (
        "would forget 1 articles, 2 quotations, 1 posts no other article quotes, 1 authors left without posts"
    )
    assert ids(run(archive, "export", "--format", "jsonl")) == [ID_1, ID_2, ID_3]
    done = run(archive, "forget", "https://news.example/alpha")
    assert done.exit_code == 0
    first, last = done.stderr.splitlines()
    assert (
        first.startswith("forgot article ")
        and "Alpha: the Geneva talks (https://news.example/alpha)" in first
    )
    assert (
        last
        == "forgot 1 articles, 2 quotations, 1 posts no other article quotes, 1 authors left without posts"
    )
    # Post 2 is still quoted by Bravo; post 1 went, from the search index too.
    assert ids(run(archive, "export", "--format", "jsonl")) == [ID_2, ID_3]
    assert ids(run(archive, "search", "ambassador", "--format", "jsonl")) == []
    assert ids(run(archive, "search", "geneva", "--format", "jsonl")) == [ID_2]
    assert "mcfaul" not in run(archive, "authors", "--format", "csv").stdout
    assert run(archive, "tags", "--format", "jsonl").stdout == ""
    check_integrity(archive)


def test_forget_by_id_title_and_path_and_report_what_named_nothing(archive: str, pages: Path) -> None:
    articles = {row["title"][:5]: row["id"] for row in jsonl(run(archive, "articles", "--format", "jsonl"))}
    result = run(archive, "forget", str(articles["Charl"]), "bravo a very", str(pages / "a.html"), "no-such")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "no-such: no article has this id, URL, path or title; list them with `quotes articles`"
    assert len([line for line in lines if line.startswith("forgot article ")]) == 3
    assert (
        lines[-1]
        == "forgot 3 articles, 4 quotations, 3 posts no other article quotes, 3 authors left without posts"
    )
    assert jsonl(run(archive, "export", "--format", "jsonl")) == []
    assert run(archive, "search", "geneva").stderr == "No posts match.\n"
    check_integrity(archive)


# --- one article per canonical URL -----------------------------------------------------------------


def test_a_saved_page_and_a_clip_of_it_are_one_article(db_url: str, tmp_path: Path) -> None:
    saved = tmp_path / "saved.html"
    saved.write_text(page("Alpha", POST_1, canonical="https://News.Example:443/alpha/"), encoding="utf-8")
    clip = tmp_path / "clip.md"
    clip.write_text(
        "---\ntitle: Alpha\nsource: https://news.example/alpha?utm_medium=social&fbclid=x\n---\n\n"
        "> No deals in Geneva, said the ambassador\n>\n"
        f"> — Mcfaul (@mcfaul) [January 7, 2022](https://twitter.com/mcfaul/status/{ID_1})\n",
        encoding="utf-8",
    )
    assert run(db_url, "ingest", "--jobs", "1", str(saved), str(clip)).exit_code == 0
    articles = jsonl(run(db_url, "articles", "--format", "jsonl"))
    assert len(articles) == 1 and articles[0]["post_count"] == 1


def test_a_fetched_page_and_its_saved_copy_are_one_article(db_url: str, pages: Path) -> None:
    handler = functools.partial(QuietHandler, directory=str(pages))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/a.html?utm_campaign=x"
        fetched = run(db_url, "ingest", "--allow-private", "--archive-dir", str(pages.parent / "copies"), url)
        assert fetched.exit_code == 0, fetched.stderr
    finally:
        server.shutdown()
        server.server_close()
    assert run(db_url, "ingest", "--jobs", "1", str(pages / "a.html")).exit_code == 0
    (article,) = jsonl(run(db_url, "articles", "--format", "jsonl"))
    assert (article["url"], article["post_count"]) == ("https://news.example/alpha", 2)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("HTTPS://News.Example:443/a/b/?utm_source=x&id=3&fbclid=9#top", "https://news.example/a/b?id=3"),
        ("http://news.example:80", "http://news.example/"),
        ("http://news.example:8080/a?", "http://news.example:8080/a"),
        ("https://news.example/a?b=c%20d&UTM_Medium=e&gclid=1", "https://news.example/a?b=c%20d"),
        ("pages/a.html", "pages/a.html"),
    ],
)
def test_urls_are_keyed_in_one_spelling(spelling: str, key: str) -> None:
    assert normalize_url(spelling) == key


# --- show: wrapping and time zones; --tz ------------------------------------------------------------


def test_show_wraps_long_titles_under_their_indent(archive: str) -> None:
    lines = run(archive, "show", ID_3, COLUMNS="50").stdout.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("  1. Bravo"))
    assert lines[start + 1].startswith("     ") and lines[start + 1][5] != " "
    assert lines[start + 2].startswith("     ") and all(len(line) <= 50 for line in lines[start:])
    # The title's lines, then the article's address under them.
    address = lines.index("     https://news.example/bravo", start)
    assert address > start + 1 and all(line.startswith("     ") for line in lines[start + 1 : address])


def test_tz_shows_times_in_a_zone_and_exports_stay_utc(archive: str) -> None:
    shown = run(archive, "show", ID_1, "--tz", "Europe/Berlin").stdout
    # The id's clock says 18:56:31.395 UTC.
    assert "posted 2022-01-07 19:56:31 CET (UTC+01:00)" in shown
    assert "posted 2022-01-07T18:56:31.395Z" in run(archive, "show", ID_1).stdout
    tokyo = run(archive, "search", "ambassador", "--tz", "Asia/Tokyo", COLUMNS="100").stdout.splitlines()
    assert tokyo[1].split()[:2] == [ID_1, "2022-01-08"]  # 18:56 UTC is 03:56 the next day in Tokyo
    assert (
        jsonl(run(archive, "search", "ambassador", "--tz", "Asia/Tokyo", "--format", "jsonl"))[0]["posted_at"]
        == "2022-01-07T18:56:31.395Z"
    )
    bad = run(archive, "show", ID_1, "--tz", "Mars/Olympus")
    assert bad.exit_code == 2 and "'Mars/Olympus' is not a time zone" in bad.stderr


# --- Ctrl-C ----------------------------------------------------------------------------------------


def test_ctrl_c_in_any_command_exits_130(archive: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("collector.cli.listing.iter_records", interrupted)
    result = run(archive, "search", "geneva")
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "Aborted!"


def test_ctrl_c_ends_a_real_export_with_130_and_leaves_no_file(archive: str, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code = (
        "import os, signal, sys\n"
        "import collector.output.export as export\n"
        "real = export.write_columns\n"
        "def slow(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(*args, **kwargs)\n"
        "export.write_columns = slow\n"
        "from collector.cli import main\n"
        f"sys.argv = ['quotes', '--db', {archive!r}, 'export', '-o', {str(target)!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines()[-1] == "Aborted!"
    assert not target.exists() and list(tmp_path.glob(".out.csv.*")) == []
    assert signal.SIGINT == 2  # 130 = 128 + SIGINT
