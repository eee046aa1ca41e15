"""Hostile and odd archives through every output command (cite, cards, graph, evidence), on both
databases: each gives valid output, and bad use is one error line with exit code 1 or 2.

The archive: posts in right-to-left and CJK scripts, emoji and combining marks, control and bidi
characters, `]]>` and `</script>`, a 300,000-character text, a post without text, one without a
platform id, links to javascript:, data: and an address with a quote in it, an article title with
quotes and ampersands, and a post quoted by 500 articles.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import networkx as nx
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from conftest import SEED_POSTS, make_article
from selectolax.lexbor import LexborHTMLParser

from collector.cli import cli
from collector.values import Post
from db.engine import make_engine, prepare_database, session_scope
from db.store import save_article

SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text(encoding="utf-8"))
POPULAR = "1000000000000000099"
QUOTED_BY = 500
HUGE_WORDS = 60_000
TITLE = 'Title "quoted" & amp ]]> </script>'
# What no output may carry: control characters other than white space, bidi controls.
UNSAFE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE = [
    ("1000000000000000001", "rtl", "محمد علي", "مرحبا بالعالم \u202eevil\u202c שלום", None),
    ("1000000000000000002", "cjk", "習近平", "日本語のテキスト 中文 한국어 🎉👨‍👩‍👧 e\u0301\u0301", None),
    ("1000000000000000003", "ctl", "Ctl Person", "bell\x07 \x1b[31m esc ]]> </script> <!-- -->", None),
    ("1000000000000000004", "js", 'Js "Q" & Co', "click", "javascript:alert(1)"),
    ("1000000000000000005", "data", "Data", "data", "data:text/html,<script>alert(1)</script>"),
    ("1000000000000000006", "quo", "Quo", "q", 'https://e.example/"onmouseover="alert(1)'),
    ("1000000000000000007", "huge", "Huge Text", "word " * HUGE_WORDS, None),
]
FORMATS = ["csl-json", "apa", "mla", "chicago", "chicago-note", "bibtex", "ris"]


def embed(post_id: str, handle: str, name: str, words: str, link: str | None) -> str:
    linked = f' <a href="{html.escape(link)}">{html.escape(link)}</a>' if link else ""
    return (
        f'<blockquote class="twitter-tweet"><p lang="en">{html.escape(words)}{linked}</p>&mdash; '
        f'{html.escape(name)} (@{handle}) <a href="https://twitter.com/{handle}/status/{post_id}">'
        "January 7, 2022</a></blockquote>"
    )


def page(title: str, url: str, *embeds: str) -> str:
    head = f'<title>{html.escape(title)}</title><link rel="canonical" href="{html.escape(url)}">'
    head += '<meta property="og:site_name" content="Site &amp; &quot;Co&quot;">'
    return f'<html><head><meta charset="utf-8">{head}</head><body><p>Text</p>{"".join(embeds)}</body></html>'


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args])


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> str:
    pages = tmp_path / "pages"
    pages.mkdir()
    hostile = page(TITLE, 'https://h.example/a?x=1&y="2"', *(embed(*post) for post in HOSTILE))
    (pages / "hostile.html").write_text(hostile, encoding="utf-8")
    popular = embed(POPULAR, "popular", "Popular One", "quoted everywhere", None)
    for number in range(QUOTED_BY):
        (pages / f"m{number:03}.html").write_text(
            page(f"Many {number}", f"https://m{number % 7}.example/{number}", popular), encoding="utf-8"
        )
    result = run(db_url, "ingest", "--jobs", "1", str(pages))
    assert result.exit_code == 0, result.stderr
    engine = make_engine(db_url)
    try:
        prepare_database(engine)
        textless = Post(platform="twitter", post_id="1000000000000000008", handle="empty", text=None)
        with session_scope(engine) as session:  # a post without a platform id, one without text
            save_article(
                session, make_article("odd.html", url="https://o.example/"), [SEED_POSTS[1], textless]
            )
    finally:
        engine.dispose()
    return db_url


def posts_in(db: str) -> int:
    return len(json.loads(run(db, "cite", "--format", "csl-json").stdout))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_citation_format_of_a_hostile_archive(archive: str, fmt: str) -> None:
    result = run(archive, "cite", "--format", fmt)
    assert result.exit_code == 0 and result.exception is None, result.stderr
    assert not UNSAFE.findall(result.stdout)
    if fmt == "csl-json":
        items = json.loads(result.stdout)
        jsonschema.validate(items, SCHEMA)
        assert len(items) == len(HOSTILE) + 3
        assert not UNSAFE.findall(json.dumps(items, ensure_ascii=False))
        popular = next(item for item in items if item["id"] == f"twitter:{POPULAR}")
        assert popular["custom"]["quoted_in"] == QUOTED_BY
    else:
        assert "日本語のテキスト" in result.stdout and "مرحبا بالعالم" in result.stdout


def test_cards_of_a_hostile_archive(archive: str, tmp_path: Path) -> None:
    target = tmp_path / "cards.html"
    result = run(archive, "cards", "-o", str(target))
    assert result.exit_code == 0 and result.exception is None, result.stderr
    text = target.read_text(encoding="utf-8")
    assert not UNSAFE.findall(text)
    tree = LexborHTMLParser(text)  # the HTML5 parser browsers use
    assert not tree.css("script, img, iframe, object, embed, link, base, form")
    hrefs = [node.attributes.get("href") or "" for node in tree.css("[href]")]
    assert hrefs and all(href.startswith(("https://", "http://")) for href in hrefs), hrefs
    assert not [name for node in tree.css("*") for name in node.attributes if name.startswith("on")]
    soup = BeautifulSoup(text, "html.parser")
    assert len(soup.find_all("article")) == len(HOSTILE) + 3
    popular = soup.find("article", id=f"post-{POPULAR}")
    assert popular is not None and len(popular.select(".quoted-in li")) == QUOTED_BY
    assert "]]> </script>" in soup.get_text()  # shown as text


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_the_graph_of_a_hostile_archive_reads_back(archive: str, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"g.{fmt}"
    result = run(archive, "graph", "-o", str(target))
    assert result.exit_code == 0 and result.exception is None, result.stderr
    graph = nx.read_gexf(target) if fmt == "gexf" else nx.read_graphml(target)
    popular = next(node for node in graph if str(node).endswith(POPULAR))
    assert graph.in_degree(popular) == QUOTED_BY
    labels = " ".join(str(data.get("label", "")) for _, data in graph.nodes(data=True))
    assert "日本語のテキスト" in labels and not UNSAFE.findall(labels)


def test_the_graph_csv_of_a_hostile_archive(archive: str) -> None:
    result = run(archive, "graph", "--format", "csv")
    assert result.exit_code == 0 and result.exception is None, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sum(row["Target"].endswith(POPULAR) for row in rows) == QUOTED_BY
    # A spreadsheet runs a cell that starts with = + - @ as a formula: none does.
    assert not [cell for row in rows for cell in row.values() if cell[:1] in ("=", "+", "-", "@")]


def test_the_evidence_of_a_post_quoted_500_times(archive: str, tmp_path: Path) -> None:
    target = tmp_path / "e.zip"
    result = run(archive, "evidence", POPULAR, "-o", str(target))
    assert result.exit_code == 0 and result.exception is None, result.stderr
    with zipfile.ZipFile(target) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        assert len(manifest["appearances"]) == QUOTED_BY
        markup = {shown["markup_file"] for shown in manifest["appearances"]}
        assert len(markup) == QUOTED_BY and markup <= set(bundle.namelist())


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["evidence", "999", "-o", "x.zip"], 1, "Error: no post '999' in the archive"),
        (["evidence", POPULAR], 2, "Missing option '--output'"),
        (["cards"], 2, "Missing option '--output'"),
        (["graph", "-o", "g.txt"], 2, "cannot tell a graph format from 'g.txt'"),
        (["cite", "--format", "harvard"], 2, "Invalid value for '--format'"),
        (["cards", "-o", "no/such/dir/c.html"], 1, "Error: "),
    ],
)
def test_bad_use_is_one_error_line(
    archive: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(archive, *args)
    assert result.exit_code == code and "Traceback" not in result.stderr
    assert says in result.stderr
    assert code == 2 or len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("search", [None, "nosuchwordanywhere"])
def test_an_empty_archive_and_a_filter_matching_nothing(
    db_url: str, tmp_path: Path, search: str | None
) -> None:
    db = db_url
    if search:  # an archive with posts, none of them matching
        pages = tmp_path / "p"
        pages.mkdir()
        (pages / "a.html").write_text(page("A", "https://a.example/", embed(*HOSTILE[0])), encoding="utf-8")
        assert run(db, "ingest", str(pages)).exit_code == 0
    else:
        engine = make_engine(db)
        prepare_database(engine)
        engine.dispose()
    words = [search] if search else []
    cited = run(db, "cite", *words, "--format", "csl-json")
    assert cited.exit_code == 0 and json.loads(cited.stdout) == [] and "No posts match." in cited.stderr
    assert run(db, "cite", *words).stdout == ""
    cards = run(db, "cards", *words, "-o", "-")
    assert cards.exit_code == 0 and not BeautifulSoup(cards.stdout, "html.parser").find_all("article")
    for fmt in ("gexf", "graphml"):
        target = tmp_path / f"g.{fmt}"
        assert run(db, "graph", *words, "-o", str(target)).exit_code == 0
        graph = nx.read_gexf(target) if fmt == "gexf" else nx.read_graphml(target)
        assert graph.number_of_nodes() == 0
    verified = run(db, "verify")
    assert verified.exit_code == 0 and "kept copies checked: 0" in verified.stderr
