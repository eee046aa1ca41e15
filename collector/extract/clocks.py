"""Dates hidden in platform ids ("id clocks"), from the platforms' own id schemes.

Each function returns a timezone-aware UTC datetime, or None when the id is not of the
clocked form (too old, malformed, or out of a plausible range).
"""

from __future__ import annotations

import datetime as dt

TWITTER_EPOCH_MS = 1288834974657
# Ids below this predate snowflake (TweetedAt's last sequential id); they carry no time.
LAST_PRE_SNOWFLAKE_ID = 29700859247
INSTAGRAM_EPOCH_MS = 1314220021721
_INSTAGRAM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_EARLIEST = dt.datetime(2004, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _from_ms(ms: int) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if _EARLIEST <= moment < _LATEST else None


def _as_int(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 20 else None


def twitter_time(post_id: str) -> dt.datetime | None:
    """Snowflake: ms = (id >> 22) + 1288834974657."""
    number = _as_int(post_id)
    if number is None or number <= LAST_PRE_SNOWFLAKE_ID:
        return None
    return _from_ms((number >> 22) + TWITTER_EPOCH_MS)


def mastodon_time(post_id: str) -> dt.datetime | None:
    """Mastodon ids (since 2.0): ms since the Unix epoch = id >> 16."""
    number = _as_int(post_id)
    return None if number is None else _from_ms(number >> 16)


def tiktok_time(post_id: str) -> dt.datetime | None:
    """TikTok video ids: seconds since the Unix epoch = id >> 32."""
    number = _as_int(post_id)
    return None if number is None else _from_ms((number >> 32) * 1000)


def linkedin_time(post_id: str) -> dt.datetime | None:
    """LinkedIn urn ids (19 digits): ms since the Unix epoch = id >> 22."""
    number = _as_int(post_id)
    return None if number is None else _from_ms(number >> 22)


def instagram_time(shortcode: str) -> dt.datetime | None:
    """Instagram: shortcode -> media id (base64url digits), ms = (id >> 23) + epoch."""
    if not shortcode or len(shortcode) > 12:
        return None
    media_id = 0
    for char in shortcode:
        digit = _INSTAGRAM_ALPHABET.find(char)
        if digit < 0:
            return None
        media_id = media_id * 64 + digit
    return _from_ms((media_id >> 23) + INSTAGRAM_EPOCH_MS)


def bluesky_time(rkey: str) -> dt.datetime | None:
    """Bluesky TID: 13 base32-sortable chars, top 53 bits = µs since the Unix epoch.

    The spec says uniqueness "can not be guaranteed" and clients may choose rkeys freely, so
    callers treat this as a hint, never as the post's shown date.
    """
    if len(rkey) != 13:
        return None
    value = 0
    for char in rkey:
        digit = _TID_ALPHABET.find(char)
        if digit < 0:
            return None
        value = value * 32 + digit
    if value >> 63:
        return None
    return _from_ms((value >> 10) // 1000)
