"""The combined CSS query, grouped by tag for speed, finds exactly what the detectors' own selectors find."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import realworld_pages
from selectolax.lexbor import LexborHTMLParser

from collector.extract.page import COMBINED_SELECTOR, WRAPPER_SELECTOR, group_by_tag
from collector.extract.platforms import DETECTORS
from collector.extract.tombstones import BOX_SELECTOR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    ("selectors", "grouped"),
    [
        (["blockquote.a, blockquote.b", "div.c"], "blockquote:is(.a, .b), div:is(.c)"),
        (["iframe:is([src*='x,y'], .k)", "iframe[data-id]"], "iframe:is([src*='x,y'], .k, [data-id])"),
        (["iframe.a", "iframe", "iframe.b"], "iframe"),  # the bare tag already matches every form
        (["div p", "a > b", ".fb-post"], "div p, a > b, .fb-post"),  # kept as written
        (["p:is(.a).b"], "p:is(:is(.a).b)"),
    ],
)
def test_group_by_tag(selectors: list[str], grouped: str) -> None:
    assert group_by_tag(selectors) == grouped


def _pages() -> list[Path]:
    pages = sorted(FIXTURES.glob("*.html"))
    return pages + realworld_pages()


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_grouped_query_finds_the_same_nodes_in_document_order(page: Path) -> None:
    root = LexborHTMLParser(page.read_bytes()).root
    assert root is not None
    position = {node.mem_id: index for index, node in enumerate(root.traverse())}
    expected: set[int] = set()
    for selector in [*(d.selector for d in DETECTORS), WRAPPER_SELECTOR, BOX_SELECTOR]:
        expected.update(node.mem_id for node in root.css(selector))
    found = list(dict.fromkeys(node.mem_id for node in root.css(COMBINED_SELECTOR)))
    assert found == sorted(expected, key=position.__getitem__)
