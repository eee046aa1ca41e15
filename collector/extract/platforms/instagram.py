"""Instagram embeds: `blockquote.instagram-media` (every embed.js version) and rendered iframes.

What the blockquote carries changed over the years:
- v3/v4 (≈2014–2015): only a "View on Instagram" link to the post.
- v5–v12 (≈2015–2020): optionally the caption (`<p><a href=post>caption</a></p>`), then the
  attribution "A post shared by Name (@handle) on <time datetime=…>" in the page's UI language
  ("Ein Beitrag geteilt von …", "Une publication partagée par …"); the name may sit in a link to
  the profile.
- v13/v14 (≈2021–): "View this post on Instagram" and "A post shared by Name (@handle)" only: no
  caption and no date, even with `data-instgrm-captioned`.
After embed.js runs, the blockquote becomes `iframe.instagram-media-rendered` (src …/p/{code}/embed)
and only the shortcode is left.

`date` is the shown `<time datetime>` day and nothing else: the gold of the real-world corpus
leaves it null when no time is shown. `posted_at` is the shown instant, else the shortcode's
clock (media id >> 23 is ms since Instagram's epoch), which is the exact creation time.
"""

from __future__ import annotations

import datetime as dt
import re

from selectolax.lexbor import LexborNode

from collector.extract.clocks import instagram_time
from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import (
    WP_EMBED_MARKER,
    attr,
    first_link_match,
    has_class,
    iframe_src,
    parse_iso_datetime,
    plain_text,
    utc_day,
    wp_embed_url,
)
from collector.extract.text import node_links, node_text
from collector.values import Post

_EMBED_PATHS = ("p", "reel", "tv")
# Grouped with :is() under one tag: lexbor walks the tree once per top-level selector.
_EMBED_IFRAMES = ", ".join(
    f'[{key}*="instagram.com/{path}/"]' for key in ("src", "data-src") for path in _EMBED_PATHS
)
SELECTOR = (
    "blockquote.instagram-media, amp-instagram, figure.wp-block-embed-instagram, "
    f"iframe:is(.instagram-media, {_EMBED_IFRAMES})"
)
MARKERS = (
    b"instagram-media",
    b"amp-instagram",
    WP_EMBED_MARKER,
    # Plain CMS iframes and bare URLs in WordPress blocks; IGTV (/tv/) ended in 2022 and its
    # embeds carry the instagram-media class anyway.
    b"instagram.com/p/",
    b"instagram.com/reel/",
)

# https://www.instagram.com/[user/]{p|reel|tv}/{shortcode}/ (also instagr.am, no scheme, no www).
PERMALINK = re.compile(
    r"^(?:https?:)?//(?:www\.)?instagr(?:am\.com|\.am)/(?:(?P<user>[\w.]+)/)?(?:p|reels?|tv)/(?P<code>[\w-]{5,})",
    re.IGNORECASE,
)
PROFILE_URL = re.compile(
    r"^(?:https?:)?//(?:www\.)?instagram\.com/(?!(?:p|reels?|tv|explore|stories|accounts)/)[\w.]+/?(?:[?#].*)?$",
    re.IGNORECASE,
)
POST_URL = "https://www.instagram.com/p/{code}/"
SHORTCODE = re.compile(r"[\w-]{5,}")

# "Name (@handle)": the last such pair is the attribution (a caption may mention others).
ATTRIBUTION = re.compile(r"^(?P<before>.*)\(@(?P<handle>[\w.]+)\)", re.DOTALL)
# The UI words before the name, in the languages embed.js was served in; names in languages that
# put the words after the handle (ja "…(@x)がシェアした投稿", tr "… tarafından paylaşılan") need none.
ATTRIBUTION_PREFIX = re.compile(
    r"^(?:"
    r"an? (?:post|photo|video) (?:shared|posted) by|"
    r"ein beitrag geteilt von|ein von|"
    r"une (?:publication|photo|vidéo) (?:partagée|publiée) par|"
    r"una (?:publicación|foto) (?:compartida|publicada) (?:de|por)|un v[íi]deo publicado por|"
    r"un post condiviso da|una foto pubblicata da|un video pubblicato da|"
    r"uma (?:publicação|foto) (?:compartilhada|partilhada|publicada) por|um vídeo publicado por|"
    r"een bericht gedeeld door|een (?:foto|video) geplaatst door|"
    r"ett inlägg delat av|et opslag delt af|et innlegg delt av|"
    r"post udostępniony przez|публикация от"
    r")(?:\s+|$)",
    re.IGNORECASE,
)
# Link texts standing in for the post where the caption would be ("View on Instagram").
PLACEHOLDER = re.compile(
    r"^(?:view (?:this (?:post|photo|video) )?on instagram|"
    r"(?:diesen beitrag|dieses foto|dieses video) auf instagram ansehen|auf instagram ansehen|"
    r"voir (?:cette publication |cette photo |cette vidéo )?sur instagram|"
    r"ver (?:esta publicación |esta foto |este vídeo )?en instagram|"
    r"visualizza (?:questo post |questa foto )?su instagram|"
    r"ver (?:esta publicação |essa foto |esta foto )?no instagram|"
    r"dit bericht op instagram bekijken|この投稿をinstagramで見る)$",
    re.IGNORECASE,
)


def parse_node(node: LexborNode) -> list[Post]:
    if node.tag == "blockquote" and has_class(node, "instagram-media"):
        return _parse_blockquote(node)
    if node.tag == "iframe":
        return _parse_iframe(node)
    if node.tag == "amp-instagram":
        return _parse_amp(node)
    if node.tag == "figure":
        match = PERMALINK.match(wp_embed_url(node, "instagram") or "")
        return [_id_only_post(match["code"], match["user"])] if match else []
    return []


def _parse_amp(node: LexborNode) -> list[Post]:
    """`<amp-instagram data-shortcode=…>`: AMP pages keep only the shortcode."""
    code = attr(node, "data-shortcode")
    if code is None or SHORTCODE.fullmatch(code) is None:
        return []
    return [_id_only_post(code, None)]


def _parse_iframe(node: LexborNode) -> list[Post]:
    match = PERMALINK.match(iframe_src(node) or "")
    if match is None:
        return []
    return [_id_only_post(match["code"], match["user"])]


def _id_only_post(code: str, handle: str | None) -> Post:
    return Post(
        platform="instagram",
        post_id=code,
        url=POST_URL.format(code=code),
        handle=handle,
        posted_at=instagram_time(code),
    )


def _parse_blockquote(node: LexborNode) -> list[Post]:
    match = PERMALINK.match(attr(node, "data-instgrm-permalink") or "") or first_link_match(node, PERMALINK)
    if match is None:
        return []
    code = match["code"]
    paragraphs = node.css("p")
    attribution = _attribution_paragraph(paragraphs)
    name, handle = _author(attribution) if attribution is not None else (None, None)
    handle = handle or match["user"]
    date_text, shown_at = _shown_time(attribution if attribution is not None else node)
    captions = [p for p in paragraphs[: _index(paragraphs, attribution)] if _is_caption(p)]
    texts = [text for p in captions if (text := node_text(p))]
    return [
        Post(
            platform="instagram",
            post_id=code,
            url=POST_URL.format(code=code),
            author_name=name,
            handle=handle,
            date_text=date_text,
            date=utc_day(shown_at) if shown_at else None,
            posted_at=shown_at or instagram_time(code),
            text="\n\n".join(texts) or None,
            links=tuple(href for p in captions for href in node_links(p) if not _is_own_link(href)),
        )
    ]


def _attribution_paragraph(paragraphs: list[LexborNode]) -> LexborNode | None:
    for paragraph in reversed(paragraphs):
        if "(@" in paragraph.text(deep=True) or paragraph.css_first("time") is not None:
            return paragraph
    return None


def _index(paragraphs: list[LexborNode], paragraph: LexborNode | None) -> int:
    if paragraph is None:
        return len(paragraphs)
    return next(i for i, p in enumerate(paragraphs) if p.mem_id == paragraph.mem_id)


def _author(attribution: LexborNode) -> tuple[str | None, str | None]:
    time = attribution.css_first("time")
    shown = plain_text(attribution)
    if time is not None:
        # The date follows the handle; cut it so that a "(@" in it cannot be taken as the handle.
        time_text = plain_text(time)
        if time_text and shown.endswith(time_text):
            shown = shown[: -len(time_text)]
    match = ATTRIBUTION.match(shown)
    if match is None:
        return None, None
    profile = _profile_link(attribution)
    name = plain_text(profile) if profile is not None else ATTRIBUTION_PREFIX.sub("", match["before"].strip())
    return name.strip() or None, match["handle"]


def _profile_link(attribution: LexborNode) -> LexborNode | None:
    for anchor in attribution.css("a[href]"):
        if PROFILE_URL.match(attr(anchor, "href") or ""):
            return anchor
    return None


def _shown_time(scope: LexborNode) -> tuple[str | None, dt.datetime | None]:
    time = scope.css_first("time")
    if time is None:
        return None, None
    return plain_text(time) or None, parse_iso_datetime(attr(time, "datetime"))


def _is_caption(paragraph: LexborNode) -> bool:
    shown = plain_text(paragraph)
    return bool(shown) and PLACEHOLDER.match(shown) is None


def _is_own_link(href: str) -> bool:
    """The post's permalink (wrapping the caption) and profile links are not links of the post."""
    return PERMALINK.match(href) is not None or PROFILE_URL.match(href) is not None


DETECTOR = Detector(platform="instagram", selector=SELECTOR, markers=MARKERS, parse=parse_node)
