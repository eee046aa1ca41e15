"""The quote graph: who embeds whom, as GEXF 1.3 (Gephi), GraphML, or a CSV edge list.

Records in (as `db.quotations.iter_sourced_posts` gives them), a directed graph out. Nodes are
outlets (an article's site name, else its host), accounts, posts and articles; edges are
outlet → account (`weight`: how many of the account's posts the outlet's articles quote),
article → post (the article quotes the post) and post → quoted post (a quote tweet). A quoted
post outside the selection is a node of its own, named by its URL.

Streamed: each node is written when first met and not kept, so memory holds the ids met, the
outlet–account counts and (GEXF, whose edges follow its nodes) the edges spooled to a temporary
file. The XML is written with the standard library, so the base install needs no graph library;
`tests/test_graph.py` reads every format back with networkx.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import tempfile
import urllib.parse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any, TextIO
from xml.sax.saxutils import escape

from collector.output.citing import post_key, printable
from collector.output.export import escape_formula

FORMATS = ("gexf", "graphml", "csv")
GEXF_NS = "http://gexf.net/1.3"
GEXF_SCHEMA = "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GRAPHML_SCHEMA = f"{GRAPHML_NS} {GRAPHML_NS}/1.0/graphml.xsd"
# The node attributes every format carries (left out where a node has none), in this order.
NODE_ATTRIBUTES = ("kind", "platform", "handle", "name", "url", "date", "status", "title", "articles")
INTEGER_ATTRIBUTES = frozenset({"articles"})
EDGE_KINDS = ("outlet-account", "article-post", "post-quoted")
LABEL_CHARS = 80
UNKNOWN_OUTLET = "(no site)"
# Characters XML 1.0 cannot hold, even escaped (control characters, lone surrogates).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
GEXF_HEAD = f"""<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="{GEXF_NS}" xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{GEXF_SCHEMA}" version="1.3">
  <meta lastmodifieddate="{{day}}">
    <creator>quote-archiver</creator>
    <description>Who quotes whom: outlets, accounts, posts, articles</description>
  </meta>
"""
ATTRIBUTE_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
STATUS_TAIL = re.compile(r"/(\d+)/?$")
# Edges GEXF holds back until its nodes are written, spooled to disk past this many bytes.
SPOOL_BYTES = 8 * 1024 * 1024

Attributes = dict[str, Any]


@dataclass(frozen=True, slots=True)
class GraphSize:
    nodes: int
    edges: int


def short_label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def outlet_name(article: dict[str, Any]) -> str:
    """The outlet of an article: its site name, else its address's host (without www.)."""
    if article.get("site_name"):
        return str(article["site_name"]).strip()
    host = urllib.parse.urlsplit(article.get("url") or "").hostname or ""
    return host.removeprefix("www.") or UNKNOWN_OUTLET


def _xml(value: object) -> str:
    return escape(NOT_XML.sub("\ufffd", str(value)))


def _attr(value: object) -> str:
    return '"' + escape(NOT_XML.sub("\ufffd", str(value)), ATTRIBUTE_ESCAPES) + '"'


def _kept(attributes: Attributes) -> Attributes:
    return {name: attributes[name] for name in NODE_ATTRIBUTES if attributes.get(name) not in (None, "")}


class GexfWriter:
    """GEXF 1.3 (gexf.net), the format Gephi opens natively: nodes, then the spooled edges."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        # Closed by finish(); a writer that fails midway leaves it to the garbage collector.
        self.edges: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            SPOOL_BYTES, mode="w+", encoding="utf-8"
        )
        self.count = 0
        out.write(GEXF_HEAD.format(day=dt.date.today().isoformat()))
        out.write('  <graph defaultedgetype="directed" mode="static">\n    <attributes class="node">\n')
        for index, name in enumerate(NODE_ATTRIBUTES):
            kind = "integer" if name in INTEGER_ATTRIBUTES else "string"
            out.write(f'      <attribute id="{index}" title="{name}" type="{kind}"/>\n')
        out.write('    </attributes>\n    <attributes class="edge">\n')
        out.write('      <attribute id="0" title="kind" type="string"/>\n    </attributes>\n    <nodes>\n')

    def node(self, node_id: str, label: str, attributes: Attributes) -> None:
        values = "".join(
            f'<attvalue for="{NODE_ATTRIBUTES.index(name)}" value={_attr(value)}/>'
            for name, value in attributes.items()
        )
        self.out.write(
            f"      <node id={_attr(node_id)} label={_attr(label)}><attvalues>{values}</attvalues></node>\n"
        )

    def edge(self, source: str, target: str, kind: str, weight: int) -> None:
        self.edges.write(json.dumps([source, target, kind, weight]) + "\n")

    def finish(self) -> None:
        self.out.write("    </nodes>\n    <edges>\n")
        self.edges.seek(0)
        for index, line in enumerate(self.edges):
            source, target, kind, weight = json.loads(line)
            self.out.write(
                f'      <edge id="{index}" source={_attr(source)} target={_attr(target)} weight="{weight}">'
                f'<attvalues><attvalue for="0" value="{kind}"/></attvalues></edge>\n'
            )
        self.edges.close()
        self.out.write("    </edges>\n  </graph>\n</gexf>\n")


class GraphmlWriter:
    """GraphML (graphml.graphdrawing.org): yEd, Cytoscape, igraph and Gephi read it. Nodes and
    edges may come in any order there, so each is written as it is met."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(
            f'<graphml xmlns="{GRAPHML_NS}" xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{GRAPHML_SCHEMA}">\n'
        )
        keys = [("n_label", "node", "label", "string")]
        keys += [
            (f"n_{name}", "node", name, "int" if name in INTEGER_ATTRIBUTES else "string")
            for name in NODE_ATTRIBUTES
        ]
        keys += [("e_kind", "edge", "kind", "string"), ("e_weight", "edge", "weight", "int")]
        for key, owner, name, kind in keys:
            out.write(f'  <key id="{key}" for="{owner}" attr.name="{name}" attr.type="{kind}"/>\n')
        out.write('  <graph id="quotes" edgedefault="directed">\n')

    def node(self, node_id: str, label: str, attributes: Attributes) -> None:
        data = f'<data key="n_label">{_xml(label)}</data>'
        data += "".join(f'<data key="n_{name}">{_xml(value)}</data>' for name, value in attributes.items())
        self.out.write(f"    <node id={_attr(node_id)}>{data}</node>\n")

    def edge(self, source: str, target: str, kind: str, weight: int) -> None:
        self.out.write(
            f'    <edge id="e{self.count}" source={_attr(source)} target={_attr(target)}>'
            f'<data key="e_kind">{kind}</data><data key="e_weight">{weight}</data></edge>\n'
        )
        self.count += 1

    def finish(self) -> None:
        self.out.write("  </graph>\n</graphml>\n")


CSV_HEADER = ("Source", "Target", "Type", "Weight", "Kind", "Source label", "Target label")


class CsvWriter:
    """The edges as CSV with Gephi's column names (Source, Target, Type, Weight) and both ends'
    labels (kept by id for that); labels a spreadsheet would take for a formula get a `'`."""

    def __init__(self, out: TextIO) -> None:
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.writer.writerow(CSV_HEADER)
        self.labels: dict[str, str] = {}

    def node(self, node_id: str, label: str, attributes: Attributes) -> None:
        self.labels[node_id] = label

    def edge(self, source: str, target: str, kind: str, weight: int) -> None:
        labels = (escape_formula(self.labels[source]), escape_formula(self.labels[target]))
        self.writer.writerow([source, target, "Directed", weight, kind, *labels])

    def finish(self) -> None:
        pass


Writer = GexfWriter | GraphmlWriter | CsvWriter
WRITERS: dict[str, type[Writer]] = {"gexf": GexfWriter, "graphml": GraphmlWriter, "csv": CsvWriter}


@dataclass(slots=True)
class _Walk:
    """What the walk over the posts keeps: the ids met and the counts, never a node's data."""

    writer: Writer
    seen: set[str] = field(default_factory=set)
    nodes: int = 0
    edges: int = 0
    # (outlet, account) -> how many of the account's posts the outlet's articles quote.
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (quoting post, the node id the quoted post has if it is in the selection, its own node).
    quotes: list[tuple[str, str, str, str, Attributes]] = field(default_factory=list)

    def node(self, node_id: str, label: str, **attributes: Any) -> str:
        if node_id not in self.seen:
            self.seen.add(node_id)
            self.writer.node(node_id, short_label(label), _kept(attributes))
            self.nodes += 1
        return node_id

    def edge(self, source: str, target: str, kind: str, weight: int = 1) -> None:
        self.writer.edge(source, target, kind, weight)
        self.edges += 1


def _account(walk: _Walk, post: dict[str, Any]) -> str | None:
    handle, name = post.get("handle"), post.get("author_name")
    if not handle and not name:
        return None
    key = f"@{handle.casefold()}" if handle else f"name:{name}"
    return walk.node(
        f"account:{post['platform']}:{key}", f"@{handle}" if handle else str(name), kind="account",
        platform=post["platform"], handle=handle, name=name,
    )  # fmt: skip


def _add_post(walk: _Walk, post: dict[str, Any]) -> None:
    articles = post.get("articles") or []
    node = walk.node(
        f"post:{post['platform']}:{post_key(post)}", post.get("text") or post.get("url") or post_key(post),
        kind="post", platform=post["platform"], handle=post.get("handle"), name=post.get("author_name"),
        url=post.get("url"), date=post.get("date"), status=post.get("status"), articles=len(articles),
    )  # fmt: skip
    account = _account(walk, post)
    outlets = set()
    for article in articles:
        outlet = outlet_name(article)
        outlets.add(walk.node(f"outlet:{outlet}", outlet, kind="outlet"))
        article_node = walk.node(
            f"article:{article['address']}", article.get("title") or article["address"], kind="article",
            url=article.get("url"), date=(article.get("published") or "")[:10], title=article.get("title"),
            name=outlet,
        )  # fmt: skip
        walk.edge(article_node, node, "article-post")
    if account:
        walk.pairs.update((outlet, account) for outlet in outlets)
    _note_quote(walk, node, post)


def _note_quote(walk: _Walk, node: str, post: dict[str, Any]) -> None:
    """Remember the post this one quotes; it is linked once every post of the selection is met."""
    quoted = post.get("quoted") or {}
    url = post.get("quoted_url") or quoted.get("url")
    if not url:
        return
    match = STATUS_TAIL.search(url.split("?", 1)[0].split("#", 1)[0])
    inside = f"post:{post['platform']}:{match.group(1)}" if match else ""
    label = quoted.get("text") or (f"@{quoted['handle']}" if quoted.get("handle") else url)
    attributes = {"kind": "post", "platform": post["platform"], "url": url, "handle": quoted.get("handle"),
                  "name": quoted.get("author_name")}  # fmt: skip
    walk.quotes.append((node, inside, f"post:{post['platform']}:url:{url}", label, attributes))


def write_graph(posts: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> GraphSize:
    """Write the posts' quote graph in `fmt` (FORMATS), a post at a time; returns its size."""
    walk = _Walk(WRITERS[fmt](out))
    for post in map(printable, posts):  # no control or bidi characters in a label (citing.UNPRINTABLE)
        _add_post(walk, post)
    for node, inside, outside, label, attributes in walk.quotes:
        target = inside if inside in walk.seen else walk.node(outside, label, **attributes)
        walk.edge(node, target, "post-quoted")
    for (outlet, account), count in sorted(walk.pairs.items()):
        walk.edge(outlet, account, "outlet-account", count)
    walk.writer.finish()
    return GraphSize(walk.nodes, walk.edges)
