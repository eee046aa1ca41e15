"""Twitter / X embeds in every form real saved pages show (see ../shared/EMBEDS.md, section 2.1).

One module per embed form, and the candidate dispatched to it by its tag and classes:
- `classic`: the embed code's blockquote (`twitter-tweet` / `twitter-video`) and CMS copies of it;
- `classless`: that blockquote after a sanitizer or reader dropped its class, told by its shape;
- `widgets`: what widgets.js leaves in a saved rendered page (iframes, `<twitter-widget>`), AMP's
  `amp-twitter` / `bento-twitter`, Qiita's tweet frames;
- `cards`: WordPress embed figures whose oEmbed failed, note.com figures, Substack tweet cards
  (web and email);
- `renderers`: cards that sites render server-side with vercel/react-tweet;
- `carriers`: other tools' own renderings: Discourse oneboxes, Ghost email cards, Medium's
  Embedly frames, s9e MediaEmbed frames;
- `urls`: status URLs and ids, and the post every form builds from them.

Not posts: timelines, share/follow buttons, a `div.twitter-tweet` without a tweet inside.
"""

from __future__ import annotations

from selectolax.lexbor import LexborNode

from collector.extract.platforms.base import Detector
from collector.extract.platforms.markup import classes
from collector.extract.platforms.twitter.cards import parse_card, parse_figure
from collector.extract.platforms.twitter.carriers import (
    EMBEDLY_PATH,
    parse_frame,
    parse_ghost_card,
    parse_onebox,
)
from collector.extract.platforms.twitter.classic import (
    parse_blockquote,
    parse_classic,
    parse_div,
    parse_segments,
)
from collector.extract.platforms.twitter.classless import SELECTOR as CLASSLESS_SELECTOR
from collector.extract.platforms.twitter.classless import SHAPE_MARKERS, parse_classless
from collector.extract.platforms.twitter.renderers import ROOT_CLASS as REACT_TWEET
from collector.extract.platforms.twitter.renderers import parse_react_tweet
from collector.extract.platforms.twitter.urls import PLATFORM, TWEET_BLOCKQUOTES, status_parts
from collector.extract.platforms.twitter.widgets import parse_amp, parse_widget
from collector.values import Post

# Grouped by tag with :is(): lexbor matches a short list much faster than one entry per form.
# Qiita's frames need no entry: extract's consent-wrapper selector ([data-content]) brings them.
SELECTOR = ", ".join(
    (
        "blockquote:is(.twitter-tweet, .twitter-video)",
        CLASSLESS_SELECTOR,
        "div:is(.twitter-tweet, .tweet, .twitter-embed, .react-tweet-theme)",
        "iframe:is([data-tweet-id], [id^='twitter-widget-'], [data-s9e-mediaembed='twitter'], "
        f"[src*='{EMBEDLY_PATH}'], [data-src*='{EMBEDLY_PATH}'])",
        "aside.twitterstatus",
        "table.kg-twitter-card",
        "twitter-widget",
        "amp-twitter",
        "bento-twitter",
        "figure:is(.wp-block-embed-twitter, [embedded-service='twitter'])",
    )
)
MARKERS = (
    b"twitter-tweet",
    b"twitter-video",
    b"twitter-widget",
    b"data-tweet-id",
    b"amp-twitter",
    b"bento-twitter",
    b"wp-block-embed-twitter",
    b"embedded-service",
    b"tweet-header",
    b"twitter-embed",
    b"embed-contents/tweet",
    b"twitterstatus",
    b"kg-twitter-card",
    b"schema=twitter",
    b"twitter.min.html",
    b"react-tweet-theme",
)


def parse_node(node: LexborNode) -> list[Post]:
    """Posts for one candidate node; [] when the node is not a tweet embed of ours."""
    tag = node.tag
    names = classes(node)
    if tag == "blockquote":
        if "twitter-tweet" in names or "twitter-video" in names:
            return parse_blockquote(node)
        return parse_classless(node)
    if tag == "div" and "twitter-tweet" in names:
        return parse_div(node)
    if tag == "iframe":
        return parse_widget(node) or parse_frame(node)
    if tag == "twitter-widget":
        return parse_widget(node)
    if tag in ("amp-twitter", "bento-twitter"):
        return parse_amp(node)
    if tag == "figure":
        return parse_figure(node)
    if tag == "div" and REACT_TWEET in names:
        return parse_react_tweet(node)
    if tag == "div" and ("tweet" in names or "twitter-embed" in names):
        return parse_card(node)
    if tag == "aside":
        return parse_onebox(node)
    if tag == "table":
        return parse_ghost_card(node)
    return []


DETECTOR = Detector(
    platform=PLATFORM, selector=SELECTOR, markers=MARKERS, parse=parse_node, shape_markers=SHAPE_MARKERS
)

__all__ = ["DETECTOR", "TWEET_BLOCKQUOTES", "parse_classic", "parse_node", "parse_segments", "status_parts"]
