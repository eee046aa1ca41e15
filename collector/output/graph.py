"""The quote graph: who embeds whom, as GEXF 1.3 (Gephi), GraphML, or a CSV edge list.

Records in (as `db.sources.iter_sourced_posts` gives them), a directed graph out. Nodes are
outlets (an article's site name, else its host), accounts, posts and articles; edges are
outlet → account (`weight`: how many of the account's posts the outlet's articles quote),
article → post (the article quotes the post) and post → quoted post (a quote tweet). A quoted
post outside the selection is a node of its own, named by its URL.

Written with the standard library's ElementTree, so the base install needs no graph library;
`tests/test_graph.py` reads every format back with networkx.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from collector.output.export import escape_formula

FORMATS = ("gexf", "graphml", "csv")
GEXF_NS = "http://gexf.net/1.3"
GEXF_SCHEMA = "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
GRAPHML_SCHEMA = f"{GRAPHML_NS} {GRAPHML_NS}/1.0/graphml.xsd"
# The node attributes every format carries (empty where a kind has none), in this order.
NODE_ATTRIBUTES = ("kind", "platform", "handle", "name", "url", "date", "status", "title", "articles")
EDGE_KINDS = ("outlet-account", "article-post", "post-quoted")
LABEL_CHARS = 80
UNKNOWN_OUTLET = "(no site)"
# Characters XML 1.0 cannot hold, even escaped (control characters, lone surrogates).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
STATUS_TAIL = re.compile(r"/(\d+)/?$")


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    attributes: dict[str, str | int]


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str
    weight: int = 1


@dataclass(slots=True)
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add(self, node_id: str, label: str, **attributes: Any) -> str:
        if node_id not in self.nodes:
            kept = {key: value for key, value in attributes.items() if value not in (None, "")}
            self.nodes[node_id] = Node(node_id, _short(label), kept)
        return node_id


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def outlet_name(article: dict[str, Any]) -> str:
    """The outlet of an article: its site name, else its address's host (without www.)."""
    if article.get("site_name"):
        return str(article["site_name"]).strip()
    host = urllib.parse.urlsplit(article.get("url") or "").hostname or ""
    return host.removeprefix("www.") or UNKNOWN_OUTLET


def _post_node(post: dict[str, Any]) -> str:
    return f"post:{post['platform']}:{post['id']}"


def _account_node(graph: Graph, post: dict[str, Any]) -> str | None:
    handle, name = post.get("handle"), post.get("author_name")
    if not handle and not name:
        return None
    key = f"@{handle.casefold()}" if handle else f"name:{name}"
    label = f"@{handle}" if handle else str(name)
    return graph.add(
        f"account:{post['platform']}:{key}", label, kind="account", platform=post["platform"],
        handle=handle, name=name,
    )  # fmt: skip


def _quoted_node(graph: Graph, post: dict[str, Any], by_status_id: dict[tuple[str, str], str]) -> str | None:
    """The node of the post this one quotes: a post of the selection when its id matches, else
    a node of its own named by its URL."""
    quoted = post.get("quoted") or {}
    url = post.get("quoted_url") or quoted.get("url")
    if not url:
        return None
    match = STATUS_TAIL.search(url.split("?", 1)[0].split("#", 1)[0])
    known = by_status_id.get((post["platform"], match.group(1))) if match else None
    if known:
        return known
    label = quoted.get("text") or (f"@{quoted['handle']}" if quoted.get("handle") else url)
    return graph.add(
        f"post:{post['platform']}:url:{url}", label, kind="post", platform=post["platform"], url=url,
        handle=quoted.get("handle"), name=quoted.get("author_name"),
    )  # fmt: skip


def build_graph(posts: Iterable[dict[str, Any]]) -> Graph:
    """The quote graph of the posts (see the module's doc)."""
    graph = Graph()
    posts = list(posts)
    by_status_id = {
        (post["platform"], str(post["post_id"])): _post_node(post) for post in posts if post.get("post_id")
    }
    quoted_by_outlet: dict[tuple[str, str], set[str]] = {}
    for post in posts:
        node = graph.add(
            _post_node(post), post.get("text") or post.get("url") or post["id"], kind="post",
            platform=post["platform"], handle=post.get("handle"), name=post.get("author_name"),
            url=post.get("url"), date=post.get("date"), status=post.get("status"),
            articles=len(post.get("articles") or []),
        )  # fmt: skip
        account = _account_node(graph, post)
        for article in post.get("articles") or []:
            outlet = outlet_name(article)
            outlet_node = graph.add(f"outlet:{outlet}", outlet, kind="outlet")
            article_node = graph.add(
                f"article:{article['address']}", article.get("title") or article["address"],
                kind="article", url=article.get("url"), date=(article.get("published") or "")[:10],
                title=article.get("title"), name=outlet,
            )  # fmt: skip
            graph.edges.append(Edge(article_node, node, "article-post"))
            if account:
                quoted_by_outlet.setdefault((outlet_node, account), set()).add(node)
        if quoted := _quoted_node(graph, post, by_status_id):
            graph.edges.append(Edge(node, quoted, "post-quoted"))
    for (outlet_node, account), quoted_posts in sorted(quoted_by_outlet.items()):
        graph.edges.append(Edge(outlet_node, account, "outlet-account", len(quoted_posts)))
    return graph


def _xml_text(value: object) -> str:
    return NOT_XML.sub("\ufffd", str(value))


def write_gexf(graph: Graph, out: TextIO) -> None:
    """GEXF 1.3 (gexf.net), the format Gephi opens natively."""
    ET.register_namespace("", GEXF_NS)
    root = ET.Element(f"{{{GEXF_NS}}}gexf", {"version": "1.3", f"{{{XSI_NS}}}schemaLocation": GEXF_SCHEMA})
    meta = ET.SubElement(root, f"{{{GEXF_NS}}}meta", lastmodifieddate=dt.date.today().isoformat())
    ET.SubElement(meta, f"{{{GEXF_NS}}}creator").text = "quote-archiver"
    ET.SubElement(meta, f"{{{GEXF_NS}}}description").text = "Who quotes whom: outlets, accounts, posts"
    body = ET.SubElement(root, f"{{{GEXF_NS}}}graph", defaultedgetype="directed", mode="static")
    node_attributes = ET.SubElement(body, f"{{{GEXF_NS}}}attributes", {"class": "node"})
    for index, name in enumerate(NODE_ATTRIBUTES):
        kind = "integer" if name == "articles" else "string"
        ET.SubElement(node_attributes, f"{{{GEXF_NS}}}attribute", id=str(index), title=name, type=kind)
    edge_attributes = ET.SubElement(body, f"{{{GEXF_NS}}}attributes", {"class": "edge"})
    ET.SubElement(edge_attributes, f"{{{GEXF_NS}}}attribute", id="0", title="kind", type="string")
    nodes = ET.SubElement(body, f"{{{GEXF_NS}}}nodes")
    for node in graph.nodes.values():
        element = ET.SubElement(
            nodes, f"{{{GEXF_NS}}}node", id=_xml_text(node.id), label=_xml_text(node.label)
        )
        values = ET.SubElement(element, f"{{{GEXF_NS}}}attvalues")
        for index, name in enumerate(NODE_ATTRIBUTES):
            if name in node.attributes:
                ET.SubElement(
                    values,
                    f"{{{GEXF_NS}}}attvalue",
                    {"for": str(index), "value": _xml_text(node.attributes[name])},
                )
    edges = ET.SubElement(body, f"{{{GEXF_NS}}}edges")
    for index, edge in enumerate(graph.edges):
        element = ET.SubElement(
            edges, f"{{{GEXF_NS}}}edge", id=str(index), source=_xml_text(edge.source),
            target=_xml_text(edge.target), weight=str(edge.weight),
        )  # fmt: skip
        values = ET.SubElement(element, f"{{{GEXF_NS}}}attvalues")
        ET.SubElement(values, f"{{{GEXF_NS}}}attvalue", {"for": "0", "value": edge.kind})
    _write_xml(root, out)


def write_graphml(graph: Graph, out: TextIO) -> None:
    """GraphML (graphml.graphdrawing.org): yEd, Cytoscape, igraph and Gephi read it."""
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml", {f"{{{XSI_NS}}}schemaLocation": GRAPHML_SCHEMA})
    for name in NODE_ATTRIBUTES:
        kind = "int" if name == "articles" else "string"
        ET.SubElement(
            root,
            f"{{{GRAPHML_NS}}}key",
            {"id": f"n_{name}", "for": "node", "attr.name": name, "attr.type": kind},
        )
    ET.SubElement(
        root,
        f"{{{GRAPHML_NS}}}key",
        {"id": "n_label", "for": "node", "attr.name": "label", "attr.type": "string"},
    )
    ET.SubElement(
        root,
        f"{{{GRAPHML_NS}}}key",
        {"id": "e_kind", "for": "edge", "attr.name": "kind", "attr.type": "string"},
    )
    ET.SubElement(
        root,
        f"{{{GRAPHML_NS}}}key",
        {"id": "e_weight", "for": "edge", "attr.name": "weight", "attr.type": "int"},
    )
    body = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", id="quotes", edgedefault="directed")
    for node in graph.nodes.values():
        element = ET.SubElement(body, f"{{{GRAPHML_NS}}}node", id=_xml_text(node.id))
        ET.SubElement(element, f"{{{GRAPHML_NS}}}data", key="n_label").text = _xml_text(node.label)
        for name in NODE_ATTRIBUTES:
            if name in node.attributes:
                data = ET.SubElement(element, f"{{{GRAPHML_NS}}}data", key=f"n_{name}")
                data.text = _xml_text(node.attributes[name])
    for index, edge in enumerate(graph.edges):
        element = ET.SubElement(
            body, f"{{{GRAPHML_NS}}}edge", id=f"e{index}", source=_xml_text(edge.source),
            target=_xml_text(edge.target),
        )  # fmt: skip
        ET.SubElement(element, f"{{{GRAPHML_NS}}}data", key="e_kind").text = edge.kind
        ET.SubElement(element, f"{{{GRAPHML_NS}}}data", key="e_weight").text = str(edge.weight)
    _write_xml(root, out)


def _write_xml(root: ET.Element, out: TextIO) -> None:
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


CSV_HEADER = ("Source", "Target", "Type", "Weight", "Kind", "Source label", "Target label")


def write_edge_csv(graph: Graph, out: TextIO) -> None:
    """The edges as CSV with Gephi's column names (Source, Target, Type, Weight) and the labels;
    labels that a spreadsheet would take for a formula get a quote prefix."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for edge in graph.edges:
        labels = (graph.nodes[edge.source].label, graph.nodes[edge.target].label)
        writer.writerow(
            [edge.source, edge.target, "Directed", edge.weight, edge.kind, *map(escape_formula, labels)]
        )


WRITERS = {"gexf": write_gexf, "graphml": write_graphml, "csv": write_edge_csv}


def write_graph(posts: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> Graph:
    """Build the posts' graph and write it in `fmt` (FORMATS); returns the graph."""
    graph = build_graph(posts)
    WRITERS[fmt](graph, out)
    return graph
