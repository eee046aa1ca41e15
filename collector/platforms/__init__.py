"""The registry of platform detectors: one per platform, in one list."""

from __future__ import annotations

from collector.platforms import (
    linkedin,
    mastodon,
    reddit,
    threads,
    twitter,
)
from collector.platforms.base import Detector

# Twitter first: it is by far the most common embed, and each candidate goes to the first
# detector that recognises it.
DETECTORS: tuple[Detector, ...] = (
    twitter.DETECTOR,
    mastodon.DETECTOR,
    threads.DETECTOR,
    reddit.DETECTOR,
    linkedin.DETECTOR,
)

__all__ = ["DETECTORS", "Detector"]
