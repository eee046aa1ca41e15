"""`quotes graph`: outlets, accounts, posts and articles, and who quotes whom, as GEXF 1.3, GraphML
and a CSV edge list; each read back with networkx, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner, Result
from quoting_pages import ID_1, ID_2, ID_3, ID_4, status_url, write_pages

from collector.cli import cli
from collector.output.graph import write_graph

ACCOUNTS = {
    "mcfaul": "account:twitter:@mcfaul",
    "sarah": "account:twitter:@sarah",
    "colby": "account:twitter:@colby",
}
ALPHA, BRAVO = "outlet:Alpha News", "outlet:bravo.example"
ARTICLE_A, ARTICLE_B = "article:https://alpha.example/geneva", "article:https://www.bravo.example/said"
ARTICLE_C = "article:https://alpha.example/week"


def post_node(post_id: str) -> str:
    return f"post:twitter:{post_id}"


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


@pytest.fixture
def archive(db_url: str, tmp_path: Path) -> str:
    result = run(db_url, "ingest", "--jobs", "1", str(write_pages(tmp_path / "pages")))
    assert result.exit_code == 0, result.stderr
    return db_url


def read_back(path: Path, fmt: str) -> nx.DiGraph:
    if fmt == "gexf":
        return nx.read_gexf(path)
    if fmt == "graphml":
        return nx.read_graphml(path)
    graph = nx.DiGraph()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            assert row["Type"] == "Directed"
            graph.add_edge(row["Source"], row["Target"], weight=int(row["Weight"]), kind=row["Kind"])
    return graph


EXPECTED_EDGES = {
    (ALPHA, ACCOUNTS["mcfaul"]): 2,  # posts 1 and 4, each quoted by an Alpha News article
    (ALPHA, ACCOUNTS["sarah"]): 1,
    (BRAVO, ACCOUNTS["sarah"]): 1,
    (BRAVO, ACCOUNTS["colby"]): 1,
    (ARTICLE_A, post_node(ID_1)): 1,
    (ARTICLE_A, post_node(ID_2)): 1,
    (ARTICLE_B, post_node(ID_2)): 1,
    (ARTICLE_B, post_node(ID_3)): 1,
    (ARTICLE_C, post_node(ID_1)): 1,  # the deleted placeholder still quotes the post
    (ARTICLE_C, post_node(ID_4)): 1,
    (post_node(ID_2), post_node(ID_1)): 1,  # Sarah's post quotes McFaul's
}


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "csv"])
def test_the_graph_reads_back_with_networkx(archive: str, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"quotes.{fmt}"
    result = run(archive, "graph", "-o", str(target))  # the format from the suffix
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and "12 nodes and 11 edges written to" in result.stderr
    graph = read_back(target, fmt)
    assert graph.is_directed()
    weights = {(source, target): data["weight"] for source, target, data in graph.edges(data=True)}
    assert weights == EXPECTED_EDGES
    kinds = Counter(data["kind"] for _, _, data in graph.edges(data=True))
    assert kinds == {"outlet-account": 4, "article-post": 6, "post-quoted": 1}
    if fmt == "csv":
        return
    assert Counter(data["kind"] for _, data in graph.nodes(data=True)) == {
        "outlet": 2, "account": 3, "post": 4, "article": 3,
    }  # fmt: skip
    assert graph.nodes[ACCOUNTS["mcfaul"]]["label"] == "@McFaul"
    assert graph.nodes[ALPHA]["label"] == "Alpha News"
    first = graph.nodes[post_node(ID_1)]
    assert first["status"] == "deleted" and first["url"] == status_url("McFaul", ID_1)
    assert first["date"] == "2022-01-07" and int(first["articles"]) == 2
    assert graph.nodes[ARTICLE_B]["title"] == "Bravo <em>& co</em>: what was said"
    assert graph.nodes[post_node(ID_3)]["label"].startswith("<script>alert(1)</script>")


def test_the_gexf_is_gexf_1_3(archive: str) -> None:
    result = run(archive, "graph", "--format", "gexf")
    assert result.stdout.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://gexf.net/1.3"'
    )
    assert 'version="1.3"' in result.stdout.splitlines()[1]
    assert '<graph defaultedgetype="directed" mode="static">' in result.stdout


def test_a_quoted_post_outside_the_selection_is_a_node_of_its_own(archive: str) -> None:
    result = run(archive, "graph", "--author", "sarah", "--format", "graphml")
    graph = nx.read_graphml(io.StringIO(result.stdout))
    quoted = f"post:twitter:url:{status_url('McFaul', ID_1)}"
    assert (post_node(ID_2), quoted) in graph.edges
    assert graph.nodes[quoted]["url"] == status_url("McFaul", ID_1)
    assert {node for node, data in graph.nodes(data=True) if data["kind"] == "outlet"} == {ALPHA, BRAVO}


def test_a_file_suffix_that_names_no_graph_format_is_refused(archive: str, tmp_path: Path) -> None:
    result = run(archive, "graph", "-o", str(tmp_path / "quotes.txt"))
    assert result.exit_code == 2 and not (tmp_path / "quotes.txt").exists()
    assert (
        "cannot tell a graph format from" in result.stderr
        and "--format gexf, graphml or csv" in result.stderr
    )
    told = run(archive, "graph", "-o", str(tmp_path / "quotes.txt"), "--format", "graphml")
    assert told.exit_code == 0 and nx.read_graphml(tmp_path / "quotes.txt").number_of_nodes() == 12


def test_csv_edge_list_and_no_match(archive: str) -> None:
    result = run(archive, "graph", "--format", "csv", "--since", "2022-01-09")
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert list(rows[0]) == ["Source", "Target", "Type", "Weight", "Kind", "Source label", "Target label"]
    assert {(row["Source"], row["Target"]) for row in rows} == {
        (ARTICLE_B, post_node(ID_3)), (ARTICLE_C, post_node(ID_4)),
        (BRAVO, ACCOUNTS["colby"]), (ALPHA, ACCOUNTS["mcfaul"]),
    }  # fmt: skip
    none = run(archive, "graph", "nosuchword", "--format", "csv")
    assert none.exit_code == 0 and "No posts match." in none.stderr


def hostile_post(**fields: Any) -> dict[str, Any]:
    article = {"title": "T\x01 <&>", "url": None, "address": "pages/a\x02.html", "site_name": None,
               "published": None, "ingested_at": "2022-01-01T00:00:00Z", "status": None}  # fmt: skip
    base = {"id": "1", "platform": "twitter", "post_id": "1", "url": None, "handle": "a&b", "date": None,
            "author_name": "<x>", "text": "nul\x00 and \x1b[31m <b>&amp;", "status": None,
            "quoted_url": None, "quoted": None, "articles": [article]}  # fmt: skip
    return {**base, **fields}


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_characters_xml_cannot_hold_do_not_break_the_file(fmt: str) -> None:
    out = io.StringIO()
    write_graph([hostile_post()], out, fmt)
    graph = (nx.read_gexf if fmt == "gexf" else nx.read_graphml)(io.StringIO(out.getvalue()))
    # Control characters go, as in citations and cards (collector.output.citing.UNPRINTABLE).
    assert graph.nodes["post:twitter:1"]["label"] == "nul and [31m <b>&amp;"
    assert graph.nodes["outlet:(no site)"]["kind"] == "outlet"  # a local file has no site and no host
    assert graph.nodes["account:twitter:@a&b"]["label"] == "@a&b"


def test_csv_labels_are_formula_safe() -> None:
    out = io.StringIO()
    write_graph([hostile_post(text="=HYPERLINK(1)")], out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert {row["Target label"] for row in rows if row["Kind"] == "article-post"} == {"'=HYPERLINK(1)"}


def test_sources_read_a_batch_at_a_time_while_the_posts_stream(
    archive: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch's articles are read while the posts' query is still open (a server-side cursor
    on PostgreSQL): batches of one post give the same graph."""
    import db.quotations

    whole = run(archive, "graph", "--format", "csv").stdout
    monkeypatch.setattr(db.quotations, "SOURCE_BATCH", 1)
    assert run(archive, "graph", "--format", "csv").stdout == whole
    assert len(whole.splitlines()) == 1 + len(EXPECTED_EDGES)


def test_a_post_without_a_platform_id_never_takes_another_posts_node() -> None:
    """An id-less post goes by the archive's internal id, which may be some post's platform id."""
    out = io.StringIO()
    write_graph([hostile_post(), hostile_post(post_id=None, id="1", text="id-less")], out, "graphml")
    graph = nx.read_graphml(io.StringIO(out.getvalue()))
    assert graph.nodes["post:twitter:1"]["label"].startswith("nul")
    assert graph.nodes["post:twitter:archive-1"]["label"] == "id-less"
