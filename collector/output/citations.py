"""Citations of archived posts: CSL-JSON, BibTeX and RIS here, and the styles of `styles` (APA 7,
MLA 9, Chicago 17), written a post at a time by `write_citations`.

Records in, text out (see `citing` for what the records hold and which copy is cited).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from collector.output.citing import (
    MONTHS,
    Post,
    archive_copy,
    cited_address,
    cites_copy,
    day_of,
    one_line,
    outlet_of,
    person_name,
    platform_name,
    post_key,
    post_kind,
    printable,
)
from collector.output.styles import format_apa, format_chicago, format_chicago_note, format_mla

FORMATS = ("csl-json", "apa", "mla", "chicago", "chicago-note", "bibtex", "ris")
BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
    "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
}  # fmt: skip
BIBTEX_KEY_JUNK = re.compile(r"[^A-Za-z0-9]+")

# --- CSL-JSON ---------------------------------------------------------------------------------------


def _date_parts(day: dt.date | None) -> dict[str, Any] | None:
    return {"date-parts": [[day.year, day.month, day.day]]} if day else None


def csl_item(post: Post) -> dict[str, Any]:
    """One CSL-JSON item of type `post` (the CSL data schema: tests/data/csl-data.json)."""
    person = person_name(post.get("author_name"))
    name = post.get("author_name") or (f"@{post['handle']}" if post.get("handle") else None)
    author = {"family": person[0], "given": person[1]} if person else {"literal": name} if name else None
    copy = archive_copy(post)
    ingested = copy.get("ingested_at") if copy else None
    custom = {"platform": post["platform"], "handle": post.get("handle"), "post_url": post.get("url")}
    custom |= {"quoted_in": len(post.get("articles") or []), "status": post.get("status")}
    item: dict[str, Any] = {
        "id": f"{post['platform']}:{post_key(post)}",
        "type": "post",
        "author": [author] if author else None,
        "title": one_line(post.get("text")) or None,
        "issued": _date_parts(day_of(post)),
        "URL": cited_address(post) or None,
        "container-title": platform_name(post),
        "genre": post_kind(post),
        "language": post.get("lang"),
        "accessed": _date_parts(dt.date.fromisoformat(ingested[:10]) if ingested else None),
        "archive": outlet_of(copy) or None if copy else None,
        "archive_location": copy["address"] if copy else None,
        "status": post.get("status"),
        "note": f"Post {post['status']}; cited from the copy an article kept." if cites_copy(post) else None,
        "custom": {key: value for key, value in custom.items() if value is not None},
    }
    return {key: value for key, value in item.items() if value is not None}


# --- BibTeX and RIS ---------------------------------------------------------------------------------


def _bibtex_text(text: str) -> str:
    return "".join(BIBTEX_SPECIALS.get(char, char) for char in text)


def _bibtex_key(post: Post, seen: set[str]) -> str:
    day = day_of(post)
    stem = BIBTEX_KEY_JUNK.sub("", post.get("handle") or post["platform"]) or post["platform"]
    base = f"{stem}{day.year if day else ''}_{BIBTEX_KEY_JUNK.sub('', str(post['id']))[-8:]}"
    key, number = base, 1
    while key in seen:
        number += 1
        key = f"{base}_{number}"
    seen.add(key)
    return key


def format_bibtex(post: Post, seen: set[str] | None = None) -> str:
    """A BibTeX @misc entry (biblatex's date and urldate too)."""
    person = person_name(post.get("author_name"))
    name = post.get("author_name") or (f"@{post['handle']}" if post.get("handle") else "")
    author = _bibtex_text(f"{person[0]}, {person[1]}") if person else "{" + _bibtex_text(name) + "}"
    copy, day = archive_copy(post), day_of(post)
    notes = [f"[{post_kind(post)}]"] + ([f"@{post['handle']}"] if post.get("handle") else [])
    if cites_copy(post) and copy:
        notes.append(f"Post {post['status']}; copy quoted in {copy.get('title') or outlet_of(copy)}")
    fields = {
        "author": author if name else None,
        "title": "{" + _bibtex_text(one_line(post.get("text"))) + "}" if post.get("text") else None,
        "howpublished": platform_name(post),
        "year": str(day.year) if day else None,
        "month": MONTHS[day.month - 1][:3].lower() if day else None,
        "date": day.isoformat() if day else None,
        "url": cited_address(post).replace("{", "%7B").replace("}", "%7D") or None,
        "urldate": copy["ingested_at"][:10] if copy and copy.get("ingested_at") else None,
        "note": _bibtex_text(". ".join(notes)),
    }
    body = ",\n".join(
        f"  {key} = {value}" if key == "month" else f"  {key} = {{{value}}}"
        for key, value in fields.items()
        if value
    )
    return f"@misc{{{_bibtex_key(post, seen if seen is not None else set())},\n{body}\n}}"


def _ris_date(iso: str | None) -> str | None:
    return iso[:10].replace("-", "/") if iso else None


def format_ris(post: Post) -> str:
    """An RIS record of type ELEC (a web page: what reference managers import a post as)."""
    person = person_name(post.get("author_name"))
    name = f"{person[0]}, {person[1]}" if person else post.get("author_name")
    copy, day = archive_copy(post), day_of(post)
    lines = [
        ("TY", "ELEC"),
        ("AU", name or (f"@{post['handle']}" if post.get("handle") else None)),
        ("TI", one_line(post.get("text")) or None),
        ("T2", platform_name(post)),
        ("M3", post_kind(post)),
        ("PY", str(day.year) if day else None),
        ("DA", _ris_date(post.get("date"))),
        ("UR", cited_address(post) or None),
        ("Y2", _ris_date(copy.get("ingested_at")) if copy else None),
        ("LA", post.get("lang")),
        ("DB", outlet_of(copy) or None if copy else None),
        ("N1", f"Post {post['status']}; cited from the copy an article kept." if cites_copy(post) else None),
        ("ER", ""),
    ]
    return "\n".join(f"{tag}  - {one_line(value)}" for tag, value in lines if value is not None)


# --- writing ----------------------------------------------------------------------------------------

TEXT_STYLES: dict[str, Callable[[Post, dt.tzinfo], str]] = {
    "apa": format_apa,
    "mla": format_mla,
    "chicago": format_chicago,
    "chicago-note": format_chicago_note,
}


def write_citations(posts: Iterable[Post], out: TextIO, fmt: str, zone: dt.tzinfo = dt.UTC) -> int:
    """Write the posts' citations in `fmt` (FORMATS); returns how many. CSL-JSON is one array, an
    item a line;
    BibTeX and RIS entries are separated by a blank line; the styles give one reference a line."""
    count = 0
    seen: set[str] = set()
    if fmt == "csl-json":
        out.write("[")
    for post in map(printable, posts):
        if fmt == "csl-json":
            # One item a line: readable, and json's C encoder (indent= takes the Python one, 3x slower).
            item = json.dumps(csl_item(post), ensure_ascii=False)
            out.write(("," if count else "") + "\n" + item)
        elif fmt == "bibtex":
            out.write(("\n" if count else "") + format_bibtex(post, seen) + "\n")
        elif fmt == "ris":
            out.write(("\n" if count else "") + format_ris(post) + "\n")
        else:
            out.write(TEXT_STYLES[fmt](post, zone) + "\n")
        count += 1
    if fmt == "csl-json":
        out.write("\n]\n" if count else "]\n")
    return count
