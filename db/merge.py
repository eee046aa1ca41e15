"""Copies of one post: how they fill each other's gaps, and what each appearance keeps of its own.

The same post reaches the archive in many copies: an id-only AMP embed, the full blockquote, a
plain-text copy, a tombstone. The post's record takes, column by column (RULES):
- FILL: the first known value stays; a copy fills the column only while it is empty (URLs, names,
  handles, languages: a different value is no "fuller" one, it is a differing copy, reported);
- FULLEST: the longest value wins, ties keep the stored one (text: a truncated copy is shorter;
  links and media: the longer JSON list);
- DATE: a day the page shows beats a day derived from the id; else the first known day
  (`date_source` and `date_text` follow the day they belong to);
- SEVERITY: the most severe tombstone status any article showed (collector.values.STATUSES);
- FOLLOWS_TEXT: the content key and the CJK search terms follow the text they were computed from
  (the terms, which also hold the names' CJK words, are filled while empty);
- AUTHOR: the author row follows the handle and name once they are filled.
A known value is never blanked. The writer runs these rules in SQL (`upsert_sql`: INSERT ... ON
CONFLICT DO UPDATE with COALESCE and CASE), row locks held, and the same rules in Python
(`merge_values`) to know what each appearance's copy differs in; tests hold the two to each other.

Each appearance keeps what its article showed, compactly against the post's record
(`copy_record`): a bit per COPY_FIELDS field the copy showed (`copy_known`), and a JSON object of
the fields whose value differs from the post's (`copy_json`, None when none differ). When a
fuller copy later replaces a value, the appearances that showed the old one get it written into
their `copy_json` (`displaced`), so every appearance's copy stays readable (`copy_values`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from collector.values import DATE_FROM_ID, DATE_SHOWN, STATUSES

Rule = Literal["fill", "fullest", "date", "follows_date", "severity", "follows_text", "author"]
FILL: Rule = "fill"
FULLEST: Rule = "fullest"
RULES: dict[str, Rule] = {
    "content_key": "follows_text",
    "post_id": FILL,
    "url": FILL,
    "author_name": FILL,
    "handle": FILL,
    "date_text": "follows_date",
    "text": FULLEST,
    "lang": FILL,
    "quoted_url": FILL,
    "date": "date",
    "date_source": "follows_date",
    "posted_at": FILL,
    "links_json": FULLEST,
    "quoted_author_name": FILL,
    "quoted_handle": FILL,
    "quoted_text": FULLEST,
    "media_json": FULLEST,
    "cjk_terms": "follows_text",
    "status": "severity",
    "author_id": "author",
}
MERGED_COLUMNS = tuple(RULES)
# The fields an appearance's copy is compared in: what a page shows of a post. `date` is the
# shown day only (an id's day is the same for every copy).
COPY_FIELDS = (
    "url",
    "author_name",
    "handle",
    "date_text",
    "date",
    "text",
    "links_json",
    "lang",
    "quoted_author_name",
    "quoted_handle",
    "quoted_text",
    "media_json",
    "quoted_url",
)
COPY_BITS = {name: 1 << index for index, name in enumerate(COPY_FIELDS)}
_EMPTY_LIST = "[]"


def _known(value: Any) -> bool:
    return value is not None and value != _EMPTY_LIST


def _rank(status: str | None) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def _takes_date(stored: Mapping[str, Any], copy: Mapping[str, Any]) -> bool:
    if copy["date"] is None:
        return False
    return stored["date"] is None or (
        stored["date_source"] == DATE_FROM_ID and copy["date_source"] == DATE_SHOWN
    )


def _takes_fullest(old: Any, new: Any) -> bool:
    return new is not None and (old is None or len(new) > len(old))


def merge_values(stored: Mapping[str, Any], copy: Mapping[str, Any]) -> dict[str, Any]:
    """The post's MERGED_COLUMNS after `copy` meets `stored` (both mappings of them).

    `copy["author_id"]` must be the author of the merged handle and name: the writer looks it up.
    """
    merged: dict[str, Any] = {}
    takes_date = _takes_date(stored, copy)
    takes_text = _takes_fullest(stored["text"], copy["text"])
    for name, rule in RULES.items():
        if name not in copy:
            continue  # author_id, between copies of one batch (its author is looked up later)
        old, new = stored[name], copy[name]
        if rule == FILL:
            value = old if old is not None else new
        elif rule == FULLEST:
            value = new if _takes_fullest(old, new) else old
        elif rule == "date":
            value = new if takes_date else old
        elif rule == "follows_date":
            value = new if takes_date else (old if old is not None else new)
        elif rule == "severity":
            value = new if new is not None and _rank(new) < _rank(old) else old
        elif rule == "follows_text":
            value = new if takes_text else (old if old is not None else new)
        else:  # author: follows the handle and name while they are being filled
            fills = (stored["handle"] is None and copy["handle"] is not None) or (
                stored["author_name"] is None and copy["author_name"] is not None
            )
            value = new if fills or old is None else old
        merged[name] = value
    return merged


def _sql_rule(name: str, rule: Rule) -> str:
    """The column's rule as a SET expression of INSERT ... ON CONFLICT DO UPDATE (both dialects)."""
    old, new = f"posts.{name}", f"excluded.{name}"
    takes_date = (
        "excluded.date IS NOT NULL AND (posts.date IS NULL OR "
        f"(posts.date_source = '{DATE_FROM_ID}' AND excluded.date_source = '{DATE_SHOWN}'))"
    )
    if rule == FILL:
        return f"COALESCE({old}, {new})"
    if rule == FULLEST:
        return f"CASE WHEN {_sql_fullest(name)} THEN {new} ELSE {old} END"
    if rule == "date":
        return f"CASE WHEN {takes_date} THEN {new} ELSE {old} END"
    if rule == "follows_date":
        return f"CASE WHEN {takes_date} THEN {new} ELSE COALESCE({old}, {new}) END"
    if rule == "severity":
        ranks = " ".join(f"WHEN '{status}' THEN {rank}" for rank, status in enumerate(STATUSES))
        return (
            f"CASE WHEN {new} IS NOT NULL AND (CASE {new} {ranks} ELSE {len(STATUSES)} END)"
            f" < (CASE {old} {ranks} ELSE {len(STATUSES)} END) THEN {new} ELSE {old} END"
        )
    if rule == "follows_text":
        return f"CASE WHEN {_sql_fullest('text')} THEN {new} ELSE COALESCE({old}, {new}) END"
    fills = (
        "(posts.handle IS NULL AND excluded.handle IS NOT NULL)"
        " OR (posts.author_name IS NULL AND excluded.author_name IS NOT NULL)"
    )
    return f"CASE WHEN {fills} OR {old} IS NULL THEN {new} ELSE {old} END"


def _sql_fullest(name: str) -> str:
    old, new = f"posts.{name}", f"excluded.{name}"
    return f"{new} IS NOT NULL AND ({old} IS NULL OR length({new}) > length({old}))"


def update_sets() -> str:
    """The SET list of the posts upsert's ON CONFLICT (platform, key) DO UPDATE: every rule."""
    return ", ".join(f"{name} = {_sql_rule(name, rule)}" for name, rule in RULES.items())


# --- what each appearance showed ---------------------------------------------------------------


def shown_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The COPY_FIELDS of a post row or copy, its date only when shown (see COPY_FIELDS)."""
    fields = {name: values[name] for name in COPY_FIELDS}
    if values.get("date_source") != DATE_SHOWN:
        fields["date"] = None
    if fields["date"] is not None and not isinstance(fields["date"], str):
        fields["date"] = fields["date"].isoformat()
    return fields


def known_bits(copy: Mapping[str, Any]) -> int:
    """copy_known of one appearance: a bit per COPY_FIELDS field its copy (shown_fields) showed."""
    known = 0
    for name, value in copy.items():
        if _known(value):
            known |= COPY_BITS[name]
    return known


def copy_differences(copy: Mapping[str, Any], post: Mapping[str, Any]) -> str | None:
    """copy_json of one appearance: the fields its copy showed with values other than the post's
    record (shown_fields of each), as JSON; None when it shows the record."""
    differing = {name: value for name, value in copy.items() if _known(value) and value != post[name]}
    return json.dumps(differing, ensure_ascii=False, sort_keys=True) if differing else None


def copy_record(copy: Mapping[str, Any], post: Mapping[str, Any]) -> tuple[int, str | None]:
    """(copy_known, copy_json) of one appearance."""
    return known_bits(copy), copy_differences(copy, post)


def displaced(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The shown fields a merge changed from one known value to another: what the appearances
    that showed the old value must now keep in their copy_json."""
    return {name: value for name, value in old.items() if _known(value) and new[name] != value}


def with_displaced(known: int | None, stored_json: str | None, old: Mapping[str, Any]) -> str | None:
    """An earlier appearance's copy_json once `old` values were displaced from the post: each
    field it showed and held no difference for now differs by the old value. Appearances
    stored before revision 0004 (`known` None) showed the record as it was."""
    differing = json.loads(stored_json) if stored_json else {}
    for name, value in old.items():
        if name not in differing and (known is None or known & COPY_BITS[name]):
            differing[name] = value
    return json.dumps(differing, ensure_ascii=False, sort_keys=True) if differing else None


def copy_values(post: Mapping[str, Any], known: int | None, stored_json: str | None) -> dict[str, Any]:
    """What one appearance showed (COPY_FIELDS), rebuilt from the post's shown fields, its
    copy_known and copy_json; None for a field it did not show ("[]" for lists)."""
    differing = json.loads(stored_json) if stored_json else {}
    shown = {}
    for name in COPY_FIELDS:
        if known is not None and not known & COPY_BITS[name]:
            shown[name] = _EMPTY_LIST if name.endswith("_json") else None
        else:
            shown[name] = differing.get(name, post[name])
    return shown


def differing_fields(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The COPY_FIELDS in which copies that both show a value disagree."""
    found = []
    for name in COPY_FIELDS:
        values = {json.dumps(record[name], sort_keys=True) for record in records if _known(record[name])}
        if len(values) > 1:
            found.append(name)
    return found
