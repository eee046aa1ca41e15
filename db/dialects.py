"""Dialect-specific SQL kept in one place: full-text search, JSON, month and day functions, upserts.

SQLite uses an FTS5 external-content table `posts_fts` over posts(text, author_name, handle,
cjk_terms), kept in sync by triggers and declared with `content="posts"` so Datasette's detect_fts finds it.
PostgreSQL uses a GIN index on a tsvector expression with the 'simple' configuration: no
stemming and no stop words, since posts come in every language and a per-language stemmer would
mangle the others; lower-casing only, which is what FTS5's unicode61 tokenizer does. FTS5 also
folds diacritics ('cafe' finds 'café'); PostgreSQL does the same with `translate()` of the Latin
letters that decompose into a base letter and marks, on the document and on the query alike
(the `unaccent` extension would need CREATE EXTENSION rights on the server). The search language
and the CJK bigrams (`cjk_terms`) are `db.fulltext`'s.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import Connection, bindparam, false, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Text

from db import fulltext

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
# The posts' columns in the full-text index: revision 0002's, and since revision 0006 the CJK
# bigrams (db.fulltext.cjk_terms) as well. Migrations name the columns of their own revision.
FULL_TEXT_COLUMNS_0002 = ("text", "author_name", "handle")
FULL_TEXT_COLUMNS = (*FULL_TEXT_COLUMNS_0002, "cjk_terms")


def pg_document_text(columns: tuple[str, ...] = FULL_TEXT_COLUMNS) -> str:
    """The text PostgreSQL indexes: the columns joined by spaces, the CJK bigrams first.

    First, because a phrase may run from one column into the next in one tsvector: the bigrams end
    with a run's closing character, which no phrase of bigrams crosses (db.fulltext).
    """
    ordered = sorted(columns, key=lambda name: name != "cjk_terms")
    return " || ' ' || ".join(f"coalesce(posts.{name}, '')" for name in ordered)


PG_DOCUMENT_TEXT = pg_document_text(FULL_TEXT_COLUMNS_0002)


def pg_folded(expression: str) -> str:
    """`expression` (SQL text) with its Latin diacritics removed, as FTS5's remove_diacritics does."""
    return f"translate({expression}, '{PG_FOLD_FROM}', '{PG_FOLD_TO}')"


def pg_document(columns: tuple[str, ...] = FULL_TEXT_COLUMNS) -> str:
    """The tsvector PostgreSQL indexes; queries must repeat it exactly for the GIN index to apply."""
    return f"to_tsvector('{PG_TS_CONFIG}'::regconfig, {pg_folded(pg_document_text(columns))})"


PG_DOCUMENT = pg_document()


def _sqlite_ddl(columns: tuple[str, ...]) -> tuple[str, ...]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{name}" for name in columns)
    old = ", ".join(f"old.{name}" for name in columns)
    return (
        f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
            {names}, content="posts", content_rowid="id",
            tokenize="unicode61 remove_diacritics 2")""",
        f"""CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
            INSERT INTO {FTS_TABLE} (rowid, {names}) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
            INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {names}) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER posts_fts_update AFTER UPDATE OF {names} ON posts BEGIN
            INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {names}) VALUES ('delete', old.id, {old});
            INSERT INTO {FTS_TABLE} (rowid, {names}) VALUES (new.id, {new});
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


def create_full_text(connection: Connection, columns: tuple[str, ...] = FULL_TEXT_COLUMNS) -> None:
    """Create the full-text objects over `columns` for this connection's dialect (migrations)."""
    if connection.dialect.name == "sqlite":
        for statement in _sqlite_ddl(columns):
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        document = pg_document(columns)
        connection.execute(text(f"CREATE INDEX {PG_FTS_INDEX} ON posts USING gin (({document}))"))


def drop_full_text(connection: Connection) -> None:
    """Undo `create_full_text`."""
    if connection.dialect.name == "sqlite":
        for statement in _SQLITE_DROP:
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP INDEX IF EXISTS {PG_FTS_INDEX}"))


class _Match(ColumnElement[bool]):
    """True for posts that the parsed query matches (db.fulltext): one bound value per dialect."""

    # No Boolean type: SQLite would render "... = 1" in WHERE, and that hides the rowid lookup
    # from its planner (the whole table is scanned instead of the FTS hits).
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012
        ("fts5", InternalTraversal.dp_clauseelement),
        ("tsquery", InternalTraversal.dp_clauseelement),
        ("substrings", InternalTraversal.dp_clauseelement_list),
        ("exclusions_only", InternalTraversal.dp_boolean),
    ]

    def __init__(self, query: fulltext.Query) -> None:
        wanted = fulltext.fts5_match(query)
        self.exclusions_only = wanted is None
        self.fts5 = bindparam(None, wanted or fulltext.fts5_excluded(query), type_=Text(), unique=True)
        tsquery, words = fulltext.pg_search(query)
        self.tsquery = bindparam(None, tsquery, type_=Text(), unique=True)
        self.substrings = [bindparam(None, word, type_=Text(), unique=True) for word in words]


def match_all(words: str) -> ColumnElement[bool]:
    """A WHERE condition: the posts the search `words` finds (see db.fulltext for the syntax).

    Raises fulltext.QuerySyntaxError for a query that cannot be read; a query without any word
    matches nothing.
    """
    query = fulltext.parse_query(words)
    if query.empty:
        return false()
    return _Match(query)


@compiles(_Match, "sqlite")
def _match_sqlite(element: _Match, compiler: Any, **kw: Any) -> str:
    bound = compiler.process(element.fts5, **kw)
    # Only exclusions: FTS5's NOT needs a left side, so the hits are subtracted in SQL instead.
    operator = "NOT IN" if element.exclusions_only else "IN"
    return f"posts.id {operator} (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {bound})"


@compiles(_Match, "postgresql")
def _match_postgresql(element: _Match, compiler: Any, **kw: Any) -> str:
    bound = compiler.process(element.tsquery, **kw)
    condition = f"{PG_DOCUMENT} @@ to_tsquery('{PG_TS_CONFIG}'::regconfig, {pg_folded(bound)})"
    # CJK words asked for as their bigrams (db.fulltext.pg_search), held as written.
    checks = [
        f"strpos({PG_DOCUMENT_TEXT}, {compiler.process(word, **kw)}) > 0" for word in element.substrings
    ]
    return "(" + " AND ".join([condition, *checks]) + ")" if checks else condition


@compiles(_Match)
def _match_generic(element: _Match, compiler: Any, **kw: Any) -> str:
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


class utc_day(FunctionElement[str]):
    """The UTC calendar day of a timestamp column (stored in UTC on both databases)."""

    type = Text()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text, in UTC here.
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')::date"
