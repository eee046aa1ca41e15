"""The search language, and how words in every script reach the full-text index.

The query syntax (`quotes search`, `export`, and every command taking WORDS):

    word            a whole word (case-insensitive, diacritics folded)
    "exact phrase"  these words, next to each other, in this order
    word*           any word starting with these letters
    -word, -"a b"   posts without it (quote the query, or put it after `--`, so -word is not an option)
    a OR b          either (OR in capitals; it binds tighter than the implicit AND between terms)

Anything else is literal text: FTS5 or tsquery operators (`AND`, `NEAR`, `^`, `:`, parentheses) are
words or punctuation, never syntax. An unclosed quote, or an OR without a word on one side, is a
`QuerySyntaxError` with one line of reason.

CJK text (Han, kana, Hangul) has no spaces between words, so FTS5's unicode61 tokenizer and
PostgreSQL's parser take a whole run of it as one token, and a word inside it cannot be found.
As Lucene's CJK analyzer does, each such run is also indexed as its overlapping character bigrams
(`cjk_terms`, a column written beside the text), and a CJK word in a query becomes the phrase of
its bigrams: `犯人` is the bigram `犯人`, `逮捕された` the phrase `逮捕 捕さ され れた`. Every run also
ends with its last character alone, so no phrase of bigrams runs from one CJK run into the next,
and a one-character word is a prefix search (`犯*`) that finds it anywhere in a run. Both
databases then treat each bigram as an ordinary word, with their existing index types (the
measured comparison with trigram indexes: docs/design-db.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# FTS5's unicode61 tokenizer keeps letters and digits and splits on everything else, '_' and
# combining marks included (measured: Thai and Devanagari words split at their vowel signs).
WORD = re.compile(r"[^\W_]+")
# Scripts written without spaces between words, as Lucene's CJK bigram filter treats them: Han
# (with 々 〆 〇 〻), Hiragana, Katakana (and its extensions, half-width forms and ー), Hangul.
CJK_CHARACTERS = (
    "\u1100-\u11ff\u3005-\u3007\u303b\u3041-\u309f\u30a1-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
# Only their word characters (WORD): the ranges also hold punctuation (・) and combining marks.
CJK_RUN = re.compile(f"(?:(?![\\W_])[{CJK_CHARACTERS}])+")
# Whether a text holds any of them: one class, no lookahead (runs for every post saved).
ANY_CJK = re.compile(f"[{CJK_CHARACTERS}]")
# A term of the query: an optional '-', then a quoted phrase (with an optional '*') or a bare word.
QUERY_TERM = re.compile(r'(?P<minus>-)?(?:"(?P<phrase>[^"]*)"(?P<star>\*)?|(?P<bare>[^\s"]+))')
SPACE = re.compile(r"\s+")
OR_OPERATOR = "OR"
PREFIX_MARK = "*"


class QuerySyntaxError(ValueError):
    """A search that cannot be read; str() is one line saying why."""


@dataclass(frozen=True, slots=True)
class Term:
    """One searched term: its text as written (a word or a phrase) and whether it is a prefix."""

    text: str
    prefix: bool = False

    @property
    def words(self) -> list[str]:
        return WORD.findall(self.text)


@dataclass(frozen=True, slots=True)
class Query:
    """Posts holding one term of every group (the groups' terms were joined by OR), and none of
    the `excluded` terms. No group and nothing excluded: the query has no words."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.groups and not self.excluded


def parse_query(text: str) -> Query:
    """The query `text` as terms (see the module docstring); raises QuerySyntaxError."""
    items: list[tuple[bool, Term] | None] = []  # None stands for an OR
    position = 0
    while True:
        space = SPACE.match(text, position)
        position = space.end() if space else position
        if position >= len(text):
            break
        match = QUERY_TERM.match(text, position)
        if match is None:  # only a '"' with no closing one stops both alternatives
            raise QuerySyntaxError(f"the quote at character {position + 1} is not closed")
        position = match.end()
        if match["bare"] == OR_OPERATOR and not match["minus"]:
            items.append(None)
            continue
        bare = match["bare"]
        if bare is not None:
            term = Term(bare.rstrip(PREFIX_MARK), prefix=bare.endswith(PREFIX_MARK))
        else:
            term = Term(match["phrase"], prefix=bool(match["star"]))
        items.append((bool(match["minus"]), term))
    return _grouped(items)


def _grouped(items: list[tuple[bool, Term] | None]) -> Query:
    """Terms joined by OR into groups; terms without a word are dropped (a lone '-' or '?')."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False
    previous: list[Term] | None = None  # the group of the term just before, if it was kept
    for index, item in enumerate(items):
        if item is None:
            if index == 0 or index == len(items) - 1 or items[index - 1] is None:
                raise QuerySyntaxError("OR needs a word on each side")
            joining = True
            continue
        minus, term = item
        if minus and (joining or (index + 1 < len(items) and items[index + 1] is None)):
            raise QuerySyntaxError(f"-{term.text} cannot be one side of an OR")
        if not term.words:
            previous = None
        elif minus:
            excluded.append(term)
            previous = None
        elif joining and previous is not None:
            previous.append(term)
        else:
            previous = [term]
            groups.append(previous)
        joining = False
    return Query(tuple(map(tuple, groups)), tuple(excluded))


# --- CJK runs as bigrams ---------------------------------------------------------------------------


def _run_terms(run: str, *, open_end: bool) -> list[str]:
    """A CJK run as its bigrams, then its last character alone (unless the run may go on)."""
    bigrams = [run[index : index + 2] for index in range(len(run) - 1)]
    if open_end and bigrams:
        return bigrams
    return [*bigrams, run[-1]]


def _word_pieces(word: str, *, last: bool) -> list[str]:
    """One word of text (WORD) as index terms: its CJK runs as bigrams, its other runs as they are.

    `last`: the word ends a query phrase, so a CJK run at its end may go on in the post (no closing
    single character: the post's run may be longer)."""
    pieces: list[str] = []
    start = 0
    for run in CJK_RUN.finditer(word):
        if run.start() > start:
            pieces.append(word[start : run.start()])
        pieces.extend(_run_terms(run.group(), open_end=last and run.end() == len(word)))
        start = run.end()
    if start < len(word):
        pieces.append(word[start:])
    return pieces


def cjk_terms(*texts: str | None) -> str | None:
    """The `cjk_terms` column of a post: every word of each text holding CJK, as index terms
    (bigrams and closing characters for CJK runs, other words as they are); None without CJK.

    Whole texts, not only their CJK words, so that a phrase mixing scripts (`犯人 arrested`) is
    found in this one column.
    """
    holding = [text for text in texts if text and not text.isascii() and ANY_CJK.search(text)]
    parts = [
        " ".join(piece for word in WORD.findall(text) for piece in _word_pieces(word, last=False))
        for text in holding
        if CJK_RUN.search(text)
    ]
    return " ".join(parts) if parts else None


def has_cjk(term: Term) -> bool:
    return CJK_RUN.search(term.text) is not None


def term_pieces(term: Term) -> tuple[list[str], bool]:
    """The index terms a CJK term is searched as, in order, and whether the last is a prefix.

    A one-character run at the end is a prefix: the post may hold it as the first half of a bigram
    or as the closing character of a run. A longer run at the end needs no prefix: its bigrams are
    found wherever the run sits in a longer one.
    """
    words = term.words
    pieces = [
        piece
        for index, word in enumerate(words)
        for piece in _word_pieces(word, last=index == len(words) - 1)
    ]
    tail = words[-1]
    ends_in_cjk = CJK_RUN.search(tail[-1]) is not None
    if ends_in_cjk:
        run_end = CJK_RUN.findall(tail)[-1]
        return pieces, len(run_end) == 1
    return pieces, term.prefix


# --- FTS5 ------------------------------------------------------------------------------------------


def _fts5_string(words: list[str], prefix: bool) -> str:
    # Every piece is letters and digits only (WORD), so no '"' can occur; doubled all the same.
    quoted = '"' + " ".join(words).replace('"', '""') + '"'
    return quoted + PREFIX_MARK if prefix else quoted


def fts5_term(term: Term) -> str:
    """One term as an FTS5 string: a phrase of its words (its CJK runs as bigrams)."""
    if has_cjk(term):
        return _fts5_string(*term_pieces(term))
    return _fts5_string(term.words, term.prefix)


def fts5_any(terms: tuple[Term, ...]) -> str:
    return "(" + " OR ".join(map(fts5_term, terms)) + ")"


def fts5_match(query: Query) -> str | None:
    """The MATCH expression of the query's groups, less its excluded terms; None without groups
    (FTS5's NOT needs something on its left: a query of exclusions alone is `fts5_excluded`)."""
    if not query.groups:
        return None
    wanted = " AND ".join(map(fts5_any, query.groups))
    return f"{wanted} NOT {fts5_any(query.excluded)}" if query.excluded else wanted


def fts5_excluded(query: Query) -> str | None:
    """The MATCH expression of the excluded terms, for a query that has only those."""
    return fts5_any(query.excluded) if query.excluded and not query.groups else None


# --- PostgreSQL tsquery -----------------------------------------------------------------------------


def _lexeme(text: str, prefix: bool = False) -> str:
    """A quoted tsquery lexeme: to_tsquery parses its text with the document's parser, and joins
    several words in it as a phrase (<->)."""
    quoted = "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def tsquery_term(term: Term, *, phrase: bool = True) -> str:
    """One term as tsquery text. A CJK term is its bigrams, as a phrase (`<->`), or without
    `phrase` all of them (`&`, for `pg_search`). Other terms go to PostgreSQL's parser as written,
    so a search finds what that parser made of the post (e-mail addresses, words with marks)."""
    if has_cjk(term):
        pieces, prefix = term_pieces(term)
        lexemes = [_lexeme(piece) for piece in pieces[:-1]] + [_lexeme(pieces[-1], prefix)]
        return "(" + (" <-> " if phrase else " & ").join(lexemes) + ")"
    return _lexeme(term.text, term.prefix)


def _tsquery_any(terms: tuple[Term, ...], substrings: frozenset[Term] = frozenset()) -> str:
    return "(" + " | ".join(tsquery_term(term, phrase=term not in substrings) for term in terms) + ")"


def tsquery_text(query: Query, substrings: frozenset[Term] = frozenset()) -> str:
    """The whole query as text for to_tsquery: groups ANDed, each excluded term negated; the terms
    in `substrings` as their bigrams without the phrase (see `pg_search`)."""
    parts = [_tsquery_any(group, substrings) for group in query.groups]
    parts += [f"!{_tsquery_any((term,))}" for term in query.excluded]
    return " & ".join(parts)


def _one_cjk_word(term: Term) -> bool:
    """A term that is one word of CJK only, of three characters or more (two is one bigram)."""
    words = term.words
    return len(words) == 1 and len(words[0]) > 2 and CJK_RUN.fullmatch(words[0]) is not None


def pg_search(query: Query) -> tuple[str, list[str]]:
    """The query for PostgreSQL: tsquery text, and words every matching post holds as written.

    PostgreSQL's GIN index keeps no positions, so a phrase's every candidate row is checked again
    by computing its tsvector, and the bigrams of a CJK word of three characters or more are
    common enough to make that the whole cost (measured: docs/design-db.md). Such a word, when it
    is a term of its own (not in an OR, not excluded), is asked for as all its bigrams (`&`, which
    the index answers exactly) and checked as a substring of the post's text instead: the same
    posts, since a word of CJK characters only lies inside one run of one column.
    """
    substrings = frozenset(group[0] for group in query.groups if len(group) == 1 and _one_cjk_word(group[0]))
    words = [term.words[0] for group in query.groups for term in group if term in substrings]
    return tsquery_text(query, substrings), words
