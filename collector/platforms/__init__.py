"""The registry of platform detectors: one per platform, in one list."""

from __future__ import annotations

from collector.platforms import twitter
from collector.platforms.base import Detector

DETECTORS: tuple[Detector, ...] = (twitter.DETECTOR,)

__all__ = ["DETECTORS", "Detector"]
