"""The registry of platform detectors: one per platform, in one list."""

from __future__ import annotations

from collector.extract.platforms import (
    bluesky,
    facebook,
    instagram,
    linkedin,
    mastodon,
    reddit,
    threads,
    tiktok,
    twitter,
)
from collector.extract.platforms.base import Detector

# Twitter first: it is by far the most common embed, and each candidate goes to the first
# detector that recognises it.
DETECTORS: tuple[Detector, ...] = (
    twitter.DETECTOR,
    bluesky.DETECTOR,
    mastodon.DETECTOR,
    threads.DETECTOR,
    instagram.DETECTOR,
    facebook.DETECTOR,
    tiktok.DETECTOR,
    reddit.DETECTOR,
    linkedin.DETECTOR,
)

__all__ = ["DETECTORS", "Detector"]
