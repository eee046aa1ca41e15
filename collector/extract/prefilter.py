"""The byte prefilter: may this page hold an embed? One pass over its bytes, no parse.

A page may hold an embed only when it holds a detector's marker (class names, tag names, URL
parts: collector.extract.platforms) or a renderer's tombstone-box marker
(collector.extract.tombstones), or, for forms told by their shape, every one of the form's shape
markers (each in one of its spellings). Markers match case-sensitively, as written.

Two implementations give the same answer on every input (tests/test_prefilter.py holds them to
it on every corpus page, fixture and generated page):

- hyperscan (Intel's multi-literal matcher, PyPI wheels): every marker and every shape spelling
  compiled into one database, the page scanned once; the scan stops at the first marker. About
  five times the pure-Python scan on the crawl mix (docs/design-perf.md).
- pure Python, for platforms without wheels: a few gate words found with `bytes.find`, the
  markers looked for only in a window around each gate.

`QUOTES_PREFILTER=python` forces the pure-Python one (`hyperscan` requires the library); by
default hyperscan is used when it imports.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import AnyStr

from collector.extract.platforms import DETECTORS
from collector.extract.tombstones import BOX_MARKERS

# The environment variable that chooses the implementation (see the module docstring).
PREFILTER_ENV = "QUOTES_PREFILTER"
PYTHON, HYPERSCAN = "python", "hyperscan"

MARKERS: tuple[bytes, ...] = tuple(dict.fromkeys((*(m for d in DETECTORS for m in d.markers), *BOX_MARKERS)))
# Each shape form: its markers, each given as its spellings (any one will do).
SHAPE_FORMS: tuple[tuple[tuple[bytes, ...], ...], ...] = tuple(
    d.shape_markers for d in DETECTORS if d.shape_markers
)

# The pure-Python scan. Scanning for all the markers cost about twice a lexbor parse of a page
# without any, so it looks for a few gates instead: every marker contains one (a marker that
# contains none is its own gate), and only where a gate occurs are its markers looked for, in a
# window around it. Gates in registry order, Twitter first (the commonest embed), so a typical
# page stops at the first one.
_GATES = (b"twitter", b"tweet", b"embed", b"instagram", b"fb-", b"/plugins/", b"amp-")
_WINDOW = max(map(len, MARKERS))


def _gate_groups(markers: tuple[bytes, ...]) -> tuple[tuple[bytes, tuple[bytes, ...]], ...]:
    """(gate, the markers it opens) for every gate some marker contains, in gate order."""
    groups: dict[bytes, list[bytes]] = {}
    for marker in markers:
        gate = next((gate for gate in _GATES if gate in marker), marker)
        groups.setdefault(gate, []).append(marker)
    order = [gate for gate in _GATES if gate in groups] + [g for g in groups if g not in _GATES]
    return tuple((gate, tuple(groups[gate])) for gate in order)


_BYTE_GROUPS = _gate_groups(MARKERS)
_TEXT_GROUPS = tuple(
    (gate.decode("ascii"), tuple(m.decode("ascii") for m in markers)) for gate, markers in _BYTE_GROUPS
)
_TEXT_SHAPE_FORMS = tuple(
    tuple(tuple(s.decode("ascii") for s in spellings) for spellings in form) for form in SHAPE_FORMS
)


def python_has_markers(data: bytes | str) -> bool:
    """The pure-Python prefilter: True when the page may hold an embed."""
    if isinstance(data, str):
        return _has_any(data, _TEXT_GROUPS) or _has_shape(data, _TEXT_SHAPE_FORMS)
    return _has_any(data, _BYTE_GROUPS) or _has_shape(data, SHAPE_FORMS)


def _has_shape(data: AnyStr, forms: tuple[tuple[tuple[AnyStr, ...], ...], ...]) -> bool:
    return any(all(any(s in data for s in spellings) for spellings in markers) for markers in forms)


def _has_any(data: AnyStr, groups: tuple[tuple[AnyStr, tuple[AnyStr, ...]], ...]) -> bool:
    for gate, markers in groups:
        at = data.find(gate)
        while at >= 0:
            # Every marker holding this gate, wherever the gate sits in it, fits in this window.
            window = data[max(0, at - _WINDOW) : at + _WINDOW]
            if any(marker in window for marker in markers):
                return True
            at = data.find(gate, at + 1)
    return False


class HyperscanPrefilter:
    """Every marker (ids 0..n-1) and every shape spelling (ids n..) in one hyperscan database."""

    def __init__(self) -> None:
        import hyperscan

        self._stopped: type[Exception] = hyperscan.ScanTerminated
        # For each shape spelling's id: (form, marker) it satisfies.
        self._spelling: dict[int, tuple[int, int]] = {}
        patterns = list(MARKERS)
        for form_index, form in enumerate(SHAPE_FORMS):
            for marker_index, spellings in enumerate(form):
                for spelling in spellings:
                    self._spelling[len(patterns)] = (form_index, marker_index)
                    patterns.append(spelling)
        self._markers = len(MARKERS)
        # Scratch space may serve one scan at a time: one per thread that scans.
        self._scratch = threading.local()
        self._new_scratch = hyperscan.Scratch
        self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._database.compile(
            # Literal mode: a marker's bytes are matched as they are, "." and "/" included.
            expressions=patterns,
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=hyperscan.HS_FLAG_SINGLEMATCH,
            literal=True,
        )

    def __call__(self, data: bytes | str) -> bool:
        """True when the page may hold an embed (the same answer as `python_has_markers`)."""
        # Markers are ASCII: a text holds one exactly when its UTF-8 bytes do.
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        seen: set[tuple[int, int]] = set()
        markers, spelling = self._markers, self._spelling

        def on_match(pattern: int, start: int, end: int, flags: int, context: object) -> bool:
            if pattern < markers:
                return True  # a marker: stop the scan
            seen.add(spelling[pattern])
            return False

        scratch = getattr(self._scratch, "space", None)
        if scratch is None:
            scratch = self._scratch.space = self._new_scratch(self._database)
        try:
            self._database.scan(raw, match_event_handler=on_match, scratch=scratch)
        except self._stopped:
            return True
        return any(
            all((form_index, marker_index) in seen for marker_index in range(len(form)))
            for form_index, form in enumerate(SHAPE_FORMS)
        )


def select_prefilter(choice: str | None = None) -> Callable[[bytes | str], bool]:
    """The prefilter `choice` names (default: $QUOTES_PREFILTER, else hyperscan when it imports)."""
    wanted = (choice if choice is not None else os.environ.get(PREFILTER_ENV, "")).strip().lower()
    if wanted == PYTHON:
        return python_has_markers
    try:
        return HyperscanPrefilter()
    except ImportError:
        if wanted == HYPERSCAN:
            raise
        return python_has_markers


_SELECTED = select_prefilter()


def has_markers(data: bytes | str) -> bool:
    """True when the page may hold an embed: it holds a marker (see the module docstring)."""
    return _SELECTED(data)
