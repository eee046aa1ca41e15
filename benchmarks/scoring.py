"""Score extracted posts against hand-checked gold, by the corpus README's rules.

Evaluation, not product: `benchmarks.score_corpus` and the tests use it. Pure: gold comes in as
parsed JSON, predictions as `Post` values; nothing here reads files except `load_gold`, and
nothing prints. Posts are matched per page in document order: by platform and post id when the
gold has an id, else by platform, handle and normalised text. Precision, recall and F1 count
matched posts; field accuracy counts, over matched pairs, the fields that agree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collector.values import Post

# The compared fields, in the gold's order; `quoted` only where gold or prediction has one.
FIELDS = (
    "post_id",
    "url",
    "author_name",
    "handle",
    "date_text",
    "date",
    "text",
    "links",
    "lang",
    "quoted",
)
OPTIONAL_FIELDS = frozenset({"quoted"})
# "It is reasonable to normalize Unicode whitespace in text before matching" (corpus README).
UNICODE_SPACE_RUN = re.compile(r"\s+")

Record = Mapping[str, Any]


def load_gold(path: Path) -> dict[str, Any]:
    """One gold file: {"page", "posts": [...], ...}."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def post_record(post: Post) -> dict[str, Any]:
    """A post in the gold's JSON shapes: every field of Post, dates and times in ISO 8601, links
    as a list, a quoted post as a dict."""
    return {field.name: _json_shape(getattr(post, field.name)) for field in dataclasses.fields(post)}


def _json_shape(value: Any) -> Any:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


@dataclass
class Score:
    """Counts for one page or a whole corpus; add pages with `add`."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    field_hits: Counter[str] = field(default_factory=Counter)
    field_totals: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.gold += other.gold
        self.predicted += other.predicted
        self.matched += other.matched
        self.field_hits.update(other.field_hits)
        self.field_totals.update(other.field_totals)
        self.misses.extend(other.misses)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def field_accuracy(self) -> float:
        totals = sum(self.field_totals.values())
        return sum(self.field_hits.values()) / totals if totals else 1.0

    def field_rate(self, name: str) -> float:
        total = self.field_totals[name]
        return self.field_hits[name] / total if total else 1.0


def score_page(
    page: str,
    gold_posts: Sequence[Record],
    predicted: Iterable[Post],
    *,
    platform: str | None = None,
) -> Score:
    """Match one page's predictions to its gold; `platform` limits both sides to one platform."""
    gold = [g for g in gold_posts if platform is None or g.get("platform") == platform]
    found = [post_record(p) for p in predicted if platform is None or p.platform == platform]
    score = Score(gold=len(gold), predicted=len(found))
    unmatched = list(range(len(found)))
    for expected in gold:
        index = next((i for i in unmatched if _same_post(expected, found[i])), None)
        if index is None:
            score.misses.append(f"{page}: missed {_describe(expected)}")
            continue
        unmatched.remove(index)
        score.matched += 1
        _compare_fields(page, expected, found[index], score)
    for index in unmatched:
        score.misses.append(f"{page}: extra {_describe(found[index])}")
    return score


def _same_post(gold: Record, found: Record) -> bool:
    if gold.get("platform") != found.get("platform"):
        return False
    if gold.get("post_id"):
        return bool(gold["post_id"] == found.get("post_id"))
    return bool(
        _fold(gold.get("handle")) == _fold(found.get("handle"))
        and _norm_text(gold.get("text")) == _norm_text(found.get("text"))
    )


def _compare_fields(page: str, gold: Record, found: Record, score: Score) -> None:
    for name in FIELDS:
        expected, actual = gold.get(name), found.get(name)
        if name in OPTIONAL_FIELDS and expected is None and actual is None:
            continue
        score.field_totals[name] += 1
        if _field_equal(name, expected, actual):
            score.field_hits[name] += 1
        else:
            score.misses.append(f"{page}: {_describe(gold)} {name}: expected {expected!r}, got {actual!r}")


def _field_equal(name: str, expected: Any, actual: Any) -> bool:
    if name == "text":
        return _norm_text(expected) == _norm_text(actual)
    if name == "links":
        return list(expected or []) == list(actual or [])
    if name == "quoted":
        if not isinstance(expected, Mapping) or not isinstance(actual, Mapping):
            return False
        return bool(
            expected.get("author_name") == actual.get("author_name")
            and expected.get("handle") == actual.get("handle")
            and _norm_text(expected.get("text")) == _norm_text(actual.get("text"))
        )
    return bool(expected == actual)


def _norm_text(text: str | None) -> str | None:
    if text is None:
        return None
    return UNICODE_SPACE_RUN.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _fold(value: str | None) -> str:
    return (value or "").casefold()


def _describe(record: Record) -> str:
    ident = record.get("post_id") or record.get("handle") or "?"
    return f"{record.get('platform')}:{ident}"


def score_corpus(
    corpus: Path,
    extract: Callable[[Path], Sequence[Post]],
    *,
    platform: str | None = None,
) -> dict[str, Score]:
    """Score every `pages/<slug>.html` of a corpus against `expected/<slug>.json`.

    `extract` turns one page file into posts (the caller chooses the ingest path); the result
    maps each slug to its page score, in slug order.
    """
    scores: dict[str, Score] = {}
    for gold_path in sorted((corpus / "expected").glob("*.json")):
        gold = load_gold(gold_path)
        slug = gold_path.stem
        page = corpus / "pages" / f"{slug}.html"
        scores[slug] = score_page(slug, gold.get("posts", []), extract(page), platform=platform)
    return scores


def total_score(scores: Iterable[Score]) -> Score:
    """The corpus figures: every page's counts added up."""
    total = Score()
    for score in scores:
        total.add(score)
    return total
