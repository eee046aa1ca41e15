"""Dialect-specific SQL kept in one place: full-text search, JSON and month aggregates, upserts.

SQLite uses an FTS5 external-content table `posts_fts` over posts(text, author_name, handle), kept
in sync by triggers and declared with `content="posts"` so Datasette's detect_fts finds it.
PostgreSQL uses a GIN index on a tsvector expression with the 'simple' configuration: no
stemming and no stop words, since posts come in every language and a per-language stemmer would
mangle the others; lower-casing only, which is what FTS5's unicode61 tokenizer does. FTS5 also
folds diacritics ('cafe' finds 'café'); PostgreSQL does the same with `translate()` of the Latin
letters that decompose into a base letter and marks, on the document and on the query alike
(the `unaccent` extension would need CREATE EXTENSION rights on the server).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import Connection, bindparam, false, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Text

FTS_TABLE = "posts_fts"
PG_TS_CONFIG = "simple"
PG_FTS_INDEX = "ix_posts_fts"


def _diacritic_folds() -> tuple[str, str]:
    """Latin letters with diacritics (U+00C0-U+024F) and their base letters, for translate().

    Canonical decompositions never change between Unicode versions, so neither does this table
    (the index expression below depends on it).
    """
    letters = [chr(code) for code in range(0xC0, 0x250)]
    pairs = [(c, unicodedata.normalize("NFD", c)[0]) for c in letters]
    folded = [(c, base) for c, base in pairs if base != c and base.isascii() and base.isalpha()]
    return "".join(c for c, _ in folded), "".join(base for _, base in folded)


PG_FOLD_FROM, PG_FOLD_TO = _diacritic_folds()
PG_DOCUMENT_TEXT = (
    "coalesce(posts.text, '') || ' ' || coalesce(posts.author_name, '') || ' ' || coalesce(posts.handle, '')"
)


def pg_folded(expression: str) -> str:
    """`expression` (SQL text) with its Latin diacritics removed, as FTS5's remove_diacritics does."""
    return f"translate({expression}, '{PG_FOLD_FROM}', '{PG_FOLD_TO}')"


# The document PostgreSQL indexes; queries must repeat it exactly for the GIN index to apply.
PG_DOCUMENT = f"to_tsvector('{PG_TS_CONFIG}'::regconfig, {pg_folded(PG_DOCUMENT_TEXT)})"
# FTS5's unicode61 tokenizer keeps letters and digits and splits on everything else, '_' included.
WORD = re.compile(r"[^\W_]+")

_SQLITE_DDL = (
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        text, author_name, handle, content="posts", content_rowid="id",
        tokenize="unicode61 remove_diacritics 2")""",
    f"""CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
        INSERT INTO {FTS_TABLE} (rowid, text, author_name, handle)
        VALUES (new.id, new.text, new.author_name, new.handle);
    END""",
    f"""CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
        INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, text, author_name, handle)
        VALUES ('delete', old.id, old.text, old.author_name, old.handle);
    END""",
    f"""CREATE TRIGGER posts_fts_update AFTER UPDATE OF text, author_name, handle ON posts BEGIN
        INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, text, author_name, handle)
        VALUES ('delete', old.id, old.text, old.author_name, old.handle);
        INSERT INTO {FTS_TABLE} (rowid, text, author_name, handle)
        VALUES (new.id, new.text, new.author_name, new.handle);
    END""",
    # Index the rows that existed before the table did (a database upgraded from revision 1).
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS posts_fts_insert",
    "DROP TRIGGER IF EXISTS posts_fts_delete",
    "DROP TRIGGER IF EXISTS posts_fts_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


def create_full_text(connection: Connection) -> None:
    """Create the full-text objects for this connection's dialect (used by a migration)."""
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"CREATE INDEX {PG_FTS_INDEX} ON posts USING gin (({PG_DOCUMENT}))"))


def drop_full_text(connection: Connection) -> None:
    """Undo `create_full_text`."""
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_DROP:
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_FTS_INDEX}"))


def search_words(words: str) -> list[str]:
    """The words of a search, as both backends tokenise them."""
    return WORD.findall(words)


class _MatchAll(ColumnElement[bool]):
    """True for posts whose text, author name or handle contains every word (see search_words)."""

    # No Boolean type: SQLite would render "... = 1" in WHERE, and that hides the rowid lookup
    # from its planner (the whole table is scanned instead of the FTS hits).
    inherit_cache = True
    _traverse_internals = [("query", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, query: str) -> None:
        self.query = bindparam(None, query, type_=Text(), unique=True)


def match_all(words: str) -> ColumnElement[bool]:
    """A WHERE condition: every word of `words` occurs in the post (full-text, whole words)."""
    found = search_words(words)
    if not found:
        return false()
    # One bound value serves both dialects: FTS5 reads each quoted word as a literal term (implicit
    # AND), and plainto_tsquery drops the quotes and ANDs the words.
    return _MatchAll(" ".join(f'"{word}"' for word in found))


@compiles(_MatchAll, "sqlite")
def _match_sqlite(element: _MatchAll, compiler: Any, **kw: Any) -> str:
    bound = compiler.process(element.query, **kw)
    return f"posts.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {bound})"


@compiles(_MatchAll, "postgresql")
def _match_postgresql(element: _MatchAll, compiler: Any, **kw: Any) -> str:
    bound = compiler.process(element.query, **kw)
    return f"{PG_DOCUMENT} @@ plainto_tsquery('{PG_TS_CONFIG}'::regconfig, {pg_folded(bound)})"


@compiles(_MatchAll)
def _match_generic(element: _MatchAll, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"full-text search is not available on {compiler.dialect.name}")


# Joins list items in one text cell: a control character no URL or file name contains in practice,
# and splitting on it is much cheaper than parsing JSON for every exported row.
LIST_SEPARATOR = "\x1f"


class joined_list(FunctionElement[str]):
    """Aggregate text values into one LIST_SEPARATOR-joined string, ordered by a second column.

    PostgreSQL: string_agg(... ORDER BY ...). SQLite 3.40 has no ORDER BY inside aggregates; it
    concatenates in scan order, which the queries arrange to be the wanted order.
    """

    type = Text()
    inherit_cache = True
    name = "joined_list"


@compiles(joined_list, "sqlite")
def _joined_list_sqlite(element: joined_list, compiler: Any, **kw: Any) -> str:
    value, _order = list(element.clauses)
    return f"group_concat({compiler.process(value, **kw)}, char(31))"


@compiles(joined_list, "postgresql")
def _joined_list_postgresql(element: joined_list, compiler: Any, **kw: Any) -> str:
    value, order = list(element.clauses)
    return f"string_agg({compiler.process(value, **kw)}, chr(31) ORDER BY {compiler.process(order, **kw)})"


class year_month(FunctionElement[str]):
    """'YYYY-MM' of a date column: strftime on SQLite, to_char on PostgreSQL."""

    type = Text()
    inherit_cache = True
    name = "year_month"


@compiles(year_month, "sqlite")
def _year_month_sqlite(element: year_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(year_month, "postgresql")
def _year_month_postgresql(element: year_month, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def in_values(column: Any) -> ColumnElement[bool]:
    """`column IN (:values)` with the list bound at execution time (parameter name 'values').

    Measured: PostgreSQL's `= ANY(:array)` (one parameter, one prepared statement) made ingest
    slower than an expanded IN list, so both dialects use the expanded list.
    """
    return column.in_(bindparam("values", expanding=True))  # type: ignore[no-any-return]
