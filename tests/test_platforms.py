"""Edge cases and negatives of the non-Twitter detectors, as small inline snippets.

The golden files in fixtures/ cover each platform's usual forms; these tests pin the decisions
in between: which dates are trusted, which links count, what is not a post.
"""

# Embed snippets stay on one line each, as the platforms emit them.
# ruff: noqa: E501

from __future__ import annotations

import datetime as dt

import pytest

from collector.extract import extract_posts
from collector.extract.clocks import bluesky_time, instagram_time, mastodon_time
from collector.extract.platforms import DETECTORS
from collector.values import PLATFORMS, Post, day_and_source


def only_post(html: str) -> Post:
    posts = extract_posts(html)
    assert len(posts) == 1, posts
    return posts[0]


# --- registry -------------------------------------------------------------------------------


def test_every_platform_has_one_detector_and_twitter_comes_first() -> None:
    names = [detector.platform for detector in DETECTORS]
    assert names[0] == "twitter"
    assert sorted(names) == sorted(PLATFORMS)


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.platform)
def test_markers_are_lowercase_bytes(detector: object) -> None:
    markers = detector.markers  # type: ignore[attr-defined]
    assert markers and all(isinstance(m, bytes) and m == m.lower() for m in markers)


# --- Bluesky --------------------------------------------------------------------------------

BLUESKY = (
    '<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abc/app.bsky.feed.post/{rkey}">'
    '<p lang="en">{text}</p>&mdash; Ann (<a href="https://bsky.app/profile/did:plc:abc?ref_src=embed">'
    "@ann.bsky.social</a>) {date}</blockquote>"
)
DATE_LINK = '<a href="https://bsky.app/profile/did:plc:abc/post/{rkey}?ref_src=embed">{shown}</a>'
TID_2024 = "3lbq7mxsiek2v"  # 2024-11-24T23:58:51Z


def bluesky(rkey: str = TID_2024, text: str = "hello", shown: str | None = None) -> str:
    date = DATE_LINK.format(rkey=rkey, shown=shown) if shown is not None else ""
    return BLUESKY.format(rkey=rkey, text=text, date=date)


def test_bluesky_shown_day_wins_and_tid_gives_the_instant_when_they_agree() -> None:
    post = only_post(bluesky(shown="November 25, 2024 at 12:58 AM"))
    assert post.date == dt.date(2024, 11, 25)
    assert post.posted_at == bluesky_time(TID_2024)
    assert (post.author_name, post.handle) == ("Ann", "ann.bsky.social")


def test_bluesky_tid_that_disagrees_with_the_shown_date_is_not_trusted() -> None:
    # Posts imported from elsewhere keep their old date but get a TID of the import.
    post = only_post(bluesky(shown="March 3, 2019 at 9:00 AM"))
    assert post.date == dt.date(2019, 3, 3)
    assert post.posted_at is None


def test_bluesky_without_a_shown_date_falls_back_to_the_tid() -> None:
    post = only_post(bluesky())
    assert post.date_text is None
    assert post.posted_at == bluesky_time(TID_2024)
    # The embed shows no day: the post has none, and the archive dates it by the TID.
    assert post.date is None
    assert day_and_source(post) == (dt.date(2024, 11, 24), "id")


def test_bluesky_custom_record_key_has_no_clock() -> None:
    post = only_post(bluesky(rkey="self-chosen-key"))
    assert post.post_id == "self-chosen-key"
    assert post.posted_at is None and post.date is None


def test_bluesky_media_placeholder_is_neither_text_nor_link() -> None:
    placeholder = f'<br><br><a href="https://bsky.app/profile/did:plc:abc/post/{TID_2024}?ref_src=embed">[image or embed]</a>'
    post = only_post(bluesky(text=f'look <a href="https://ex.org/a">ex.org/a</a>{placeholder}'))
    assert post.text == "look ex.org/a"
    assert post.links == ("https://ex.org/a",)
    assert post.lang is None


def test_bluesky_rendered_iframe_keeps_the_post_id_and_the_tid_hint() -> None:
    html = f'<div><iframe data-bluesky-id="4817" src="https://embed.bsky.app/embed/did:plc:abc/app.bsky.feed.post/{TID_2024}?id=4817&amp;ref_url=x" frameborder="0"></iframe></div>'
    post = only_post(html)
    assert (post.post_id, post.url) == (TID_2024, f"https://bsky.app/profile/did:plc:abc/post/{TID_2024}")
    assert post.posted_at == bluesky_time(TID_2024) and post.text is None


# --- Mastodon -------------------------------------------------------------------------------


def test_mastodon_handle_uses_the_account_domain_shown_in_the_embed() -> None:
    html = (
        '<blockquote class="mastodon-embed" data-embed-url="https://social.example.com/@alice/113805114250504687/embed">'
        '<a href="https://social.example.com/@alice/113805114250504687"><div>Post by @alice@example.com</div>'
        "<div>View on Mastodon</div></a></blockquote>"
    )
    post = only_post(html)
    assert post.handle == "alice@example.com"
    assert post.url == "https://social.example.com/@alice/113805114250504687"
    assert post.posted_at == mastodon_time("113805114250504687")
    assert post.posted_at is not None and post.date is None
    assert day_and_source(post) == (post.posted_at.date(), "id")
    assert post.text is None and post.author_name is None


def test_mastodon_iframe_of_a_remote_account_keeps_its_home_domain() -> None:
    html = '<iframe class="mastodon-embed" src="https://mastodon.social/@bob@other.social/108307448501709873/embed"></iframe>'
    assert only_post(html).handle == "bob@other.social"


def test_mastodon_iframe_that_is_not_a_status_is_not_a_post() -> None:
    assert (
        extract_posts('<iframe class="mastodon-embed" src="https://mastodon.social/@bob/embed"></iframe>')
        == []
    )


# --- Threads --------------------------------------------------------------------------------


def test_threads_permalink_falls_back_to_the_link() -> None:
    html = '<blockquote class="text-post-media"><a href="https://www.threads.net/@zoe/post/C4hT0pLrZ9k?xmt=1">View on Threads</a></blockquote>'
    post = only_post(html)
    assert (post.post_id, post.handle) == ("C4hT0pLrZ9k", "zoe")
    assert post.url == "https://www.threads.net/@zoe/post/C4hT0pLrZ9k"
    assert post.date is None


def test_threads_blockquote_without_a_permalink_is_not_a_post() -> None:
    assert (
        extract_posts(
            '<blockquote class="text-post-media"><a href="https://www.threads.net/">Threads</a></blockquote>'
        )
        == []
    )


# --- Instagram ------------------------------------------------------------------------------

INSTAGRAM_OLD = (
    '<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-version="7">'
    '<p><a href="https://www.instagram.com/p/BalQ2SWFty8/">{caption}</a></p>'
    '<p>{attribution} <time datetime="2017-10-23T07:31:37+00:00">23. Okt 2017</time></p></blockquote>'
)


@pytest.mark.parametrize(
    ("attribution", "name"),
    [
        ("Ein Beitrag geteilt von SKEP (@skep.association) am", "SKEP"),
        ("A photo posted by SKEP Team (@skep.association) on", "SKEP Team"),
        ("Una publicación compartida de SKEP (@skep.association) el", "SKEP"),
        ("SKEP(@skep.association)がシェアした投稿 -", "SKEP"),
        ("A post shared by (@skep.association) on", None),
        (
            'A post shared by <a href="https://www.instagram.com/skep.association/"> SKEP (Berlin)</a> (@skep.association) on',
            "SKEP (Berlin)",
        ),
    ],
)
def test_instagram_attribution_in_any_ui_language(attribution: str, name: str | None) -> None:
    post = only_post(INSTAGRAM_OLD.format(caption="hi", attribution=attribution))
    assert (post.author_name, post.handle) == (name, "skep.association")
    assert post.date == dt.date(2017, 10, 23)
    assert post.posted_at == dt.datetime(2017, 10, 23, 7, 31, 37, tzinfo=dt.UTC)


def test_instagram_caption_links_exclude_the_permalink_around_it() -> None:
    caption = (
        '<a href="https://www.instagram.com/p/BalQ2SWFty8/">Morning</a> with '
        '<a href="https://www.instagram.com/explore/tags/ikigai/">#ikigai</a>'
    )
    html = INSTAGRAM_OLD.format(caption="", attribution="A post shared by S (@s) on").replace(
        '<a href="https://www.instagram.com/p/BalQ2SWFty8/"></a>', caption
    )
    post = only_post(html)
    assert post.text == "Morning with #ikigai"
    assert post.links == ("https://www.instagram.com/explore/tags/ikigai/",)


def test_instagram_v14_has_no_date_but_the_shortcode_clock_gives_posted_at() -> None:
    html = (
        '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/reel/Ci22crtrcRL/?utm_source=ig_embed" data-instgrm-version="14">'
        '<div>View this post on Instagram</div><p><a href="https://www.instagram.com/reel/Ci22crtrcRL/">'
        "A post shared by Chateau (@chateau)</a></p></blockquote>"
    )
    post = only_post(html)
    assert post.url == "https://www.instagram.com/p/Ci22crtrcRL/"
    assert post.date is None and post.date_text is None and post.text is None
    assert post.posted_at == instagram_time("Ci22crtrcRL")


def test_instagram_placeholder_link_is_not_text() -> None:
    html = '<blockquote class="instagram-media" data-instgrm-version="3"><p><a href="https://instagram.com/p/BIIivW-DEWO/"> View on Instagram</a></p></blockquote>'
    post = only_post(html)
    assert (post.post_id, post.text, post.author_name) == ("BIIivW-DEWO", None, None)


def test_instagram_profile_iframe_is_not_a_post() -> None:
    assert extract_posts('<iframe src="https://www.instagram.com/some.user/embed"></iframe>') == []


def test_instagram_lazy_iframe_is_a_post() -> None:
    post = only_post('<iframe data-src="https://www.instagram.com/p/CgTq9RZL1mW/embed/captioned/"></iframe>')
    assert post.post_id == "CgTq9RZL1mW"


# --- Facebook -------------------------------------------------------------------------------

FB_URL = "https://www.facebook.com/Museum/posts/1183425081704512"
FB_VIDEO = "https://www.facebook.com/Museum/videos/10153231379946729/"


def test_facebook_rendered_wrapper_with_fallback_and_iframe_is_one_post() -> None:
    html = (
        f'<div class="fb-post fb_iframe_widget" data-href="{FB_URL}"><blockquote cite="{FB_URL}" class="fb-xfbml-parse-ignore">'
        '<p>Open today</p>Posted by <a href="https://www.facebook.com/Museum/">Museum</a> on '
        f'<a href="{FB_URL}">Monday, January 9, 2017</a></blockquote>'
        '<span><iframe src="https://www.facebook.com/v2.8/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2FMuseum%2Fposts%2F1183425081704512"></iframe></span></div>'
    )
    post = only_post(html)
    assert (post.post_id, post.author_name, post.handle) == ("1183425081704512", "Museum", "Museum")
    assert (post.date_text, post.date, post.text) == (
        "Monday, January 9, 2017",
        dt.date(2017, 1, 9),
        "Open today",
    )


def test_facebook_fallback_without_its_wrapper_is_still_a_post() -> None:
    html = (
        f'<blockquote cite="{FB_URL}" class="fb-xfbml-parse-ignore"><p>Open today</p>'
        '<p>Posted by <a href="https://www.facebook.com/Museum/">Museum</a></p></blockquote>'
    )
    post = only_post(html)
    assert (post.url, post.text, post.date) == (FB_URL, "Open today", None)


def test_facebook_page_link_in_the_text_is_not_the_author() -> None:
    html = (
        f'<div class="fb-post" data-href="{FB_URL}"><blockquote cite="{FB_URL}" class="fb-xfbml-parse-ignore">'
        '<p>Thanks <a href="https://www.facebook.com/CityCouncil/">City Council</a>!</p>'
        'Posted by <a href="https://www.facebook.com/Museum/">Museum</a> on '
        f'<a href="{FB_URL}">Monday, January 9, 2017</a></blockquote></div>'
    )
    post = only_post(html)
    assert post.author_name == "Museum"
    assert post.text == "Thanks City Council!"
    assert post.links == ("https://www.facebook.com/CityCouncil/",)


def test_facebook_embed_code_of_2014_gives_the_author_without_text() -> None:
    html = (
        f'<div class="fb-post" data-href="{FB_URL}"><div class="fb-xfbml-parse-ignore">'
        f'<a href="{FB_URL}">Post</a> by <a href="https://www.facebook.com/Museum">City Museum</a>.</div></div>'
    )
    post = only_post(html)
    assert (post.author_name, post.handle, post.text, post.date) == ("City Museum", "Museum", None, None)


def test_facebook_post_link_stand_in_is_not_text() -> None:
    html = (
        f'<div class="fb-post" data-href="{FB_URL}"><blockquote cite="{FB_URL}" class="fb-xfbml-parse-ignore">'
        f'<a href="{FB_URL}">Post</a> by <a href="https://www.facebook.com/Museum/">City Museum</a>.</blockquote></div>'
    )
    post = only_post(html)
    assert (post.author_name, post.text, post.links) == ("City Museum", None, ())


def test_facebook_fallback_wrapped_in_a_parse_ignore_div_is_read() -> None:
    html = (
        f'<div class="fb-video" data-href="{FB_VIDEO}"><div class="fb-xfbml-parse-ignore"><blockquote cite="{FB_VIDEO}">'
        f'<a href="{FB_VIDEO}">Tour</a><p>Two minutes.</p>Posted by <a href="https://www.facebook.com/Museum/">Museum</a>'
        " on Friday, December 5, 2014</blockquote></div></div>"
    )
    post = only_post(html)
    assert (post.text, post.date) == ("Tour\n\nTwo minutes.", dt.date(2014, 12, 5))


@pytest.mark.parametrize(
    ("url", "post_id", "handle"),
    [
        (
            "https://www.facebook.com/permalink.php?story_fbid=1875562982750712&id=100064521374432",
            "1875562982750712",
            None,
        ),
        ("https://www.facebook.com/Museum/posts/pfbid02Xk9Lq7Ab", "pfbid02Xk9Lq7Ab", "Museum"),
        ("https://www.facebook.com/Museum/posts/1920722881385983:0", "1920722881385983", "Museum"),
        ("https://www.facebook.com/watch/?v=415826093421785", "415826093421785", None),
    ],
)
def test_facebook_ids_from_every_url_form(url: str, post_id: str, handle: str | None) -> None:
    post = only_post(f'<div class="fb-post" data-href="{url.replace("&", "&amp;")}"></div>')
    assert (post.post_id, post.handle, post.url) == (post_id, handle, url)


@pytest.mark.parametrize(
    "html",
    [
        '<div class="fb-page" data-href="https://www.facebook.com/Museum/"><blockquote cite="https://www.facebook.com/Museum/" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/Museum/">Museum</a></blockquote></div>',
        '<iframe src="https://www.facebook.com/plugins/like.php?href=https%3A%2F%2Fnews.example%2F"></iframe>',
        '<iframe src="https://www.facebook.com/plugins/post.php?width=500"></iframe>',
        '<iframe src="https://evil.example/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2FM%2Fposts%2F1"></iframe>',
    ],
    ids=["page-plugin", "like-button", "no-href", "not-facebook"],
)
def test_facebook_non_posts(html: str) -> None:
    assert extract_posts(html) == []


# --- TikTok ---------------------------------------------------------------------------------


def test_tiktok_caption_in_a_paragraph_form() -> None:
    html = (
        '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@cook/video/7001234567890123456" data-video-id="7001234567890123456">'
        '<section><a title="@cook" href="https://www.tiktok.com/@cook?refer=embed">@cook</a>'
        '<p>Five-minute pasta <a href="https://www.tiktok.com/tag/food?refer=embed">#food</a></p>'
        '<a href="https://www.tiktok.com/music/x-1?refer=embed">♬ original sound - cook</a></section></blockquote>'
    )
    post = only_post(html)
    assert post.text == "Five-minute pasta #food"
    assert post.links == ("https://www.tiktok.com/tag/food?refer=embed",)
    assert post.posted_at is not None and post.date is None
    assert day_and_source(post) == (post.posted_at.date(), "id")


@pytest.mark.parametrize(
    "html",
    [
        '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@cook" data-unique-id="cook" data-embed-type="creator"><section></section></blockquote>',
        '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@cook"><section>@cook</section></blockquote>',
        '<script type="text/template"><blockquote class="tiktok-embed" data-video-id="7001234567890123456"></blockquote></script>',
    ],
    ids=["creator", "no-video-id", "template-script"],
)
def test_tiktok_non_posts(html: str) -> None:
    assert extract_posts(html) == []


# --- Reddit ---------------------------------------------------------------------------------


def test_reddit_embed_creation_time_is_never_the_post_date() -> None:
    html = (
        '<blockquote class="reddit-card" data-card-created="1565684298" data-embed-created="2024-05-14T09:12:44Z">'
        '<a href="https://www.reddit.com/r/a/comments/cpu0hx/title/?ref=share">Title</a> from '
        '<a href="http://www.reddit.com/r/a">r/a</a></blockquote>'
    )
    post = only_post(html)
    assert (post.post_id, post.text, post.url) == (
        "cpu0hx",
        "Title",
        "https://www.reddit.com/r/a/comments/cpu0hx/title/",
    )
    assert post.date is None and post.posted_at is None and post.date_text is None


def test_reddit_old_comment_permalink_names_the_comment() -> None:
    html = '<blockquote class="reddit-card"><a href="https://www.reddit.com/r/a/comments/cpu0hx/title/ewrt5k1/">Comment</a></blockquote>'
    post = only_post(html)
    assert (post.post_id, post.text) == ("ewrt5k1", None)


def test_reddit_blockquote_without_a_comments_link_is_not_a_post() -> None:
    assert (
        extract_posts(
            '<blockquote class="reddit-embed-bq"><a href="https://www.reddit.com/r/a/">r/a</a></blockquote>'
        )
        == []
    )


# --- LinkedIn and YouTube -------------------------------------------------------------------


def test_linkedin_lazy_iframe_is_a_post() -> None:
    post = only_post(
        '<iframe data-src="https://www.linkedin.com/embed/feed/update/urn:li:ugcPost:7190012345678901248?compact=1"></iframe>'
    )
    assert post.url == "https://www.linkedin.com/feed/update/urn:li:ugcPost:7190012345678901248/"
    assert post.posted_at is not None and post.date is None
    assert day_and_source(post) == (post.posted_at.date(), "id")


def test_youtube_video_and_an_empty_fb_video_are_not_posts() -> None:
    html = '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe><div class="fb-video"></div>'
    assert extract_posts(html) == []


# --- WordPress embed blocks -----------------------------------------------------------------

WP_BLOCK = (
    '<figure class="wp-block-embed is-type-rich is-provider-{p} wp-block-embed-{p}">'
    '<div class="wp-block-embed__wrapper">\n{inner}\n</div><figcaption>Photo: agency</figcaption></figure>'
)


@pytest.mark.parametrize(
    ("provider", "url", "platform", "post_id"),
    [
        ("instagram", "https://www.instagram.com/p/CgTq9RZL1mW/", "instagram", "CgTq9RZL1mW"),
        ("facebook", FB_URL, "facebook", "1183425081704512"),
        ("tiktok", "https://www.tiktok.com/@cook/video/7001234567890123456", "tiktok", "7001234567890123456"),
        ("reddit", "https://www.reddit.com/r/a/comments/cpu0hx/title/", "reddit", "cpu0hx"),
    ],
)
def test_wordpress_block_left_with_the_bare_url_is_a_post(
    provider: str, url: str, platform: str, post_id: str
) -> None:
    post = only_post(WP_BLOCK.format(p=provider, inner=url))
    assert (post.platform, post.post_id, post.text) == (platform, post_id, None)


def test_wordpress_block_holding_the_embed_is_counted_once() -> None:
    blockquote = '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/CgTq9RZL1mW/"></blockquote>'
    assert len(extract_posts(WP_BLOCK.format(p="instagram", inner=blockquote))) == 1


def test_wordpress_block_with_prose_is_not_a_post() -> None:
    html = WP_BLOCK.format(p="instagram", inner="See https://www.instagram.com/p/CgTq9RZL1mW/ for more")
    assert extract_posts(html) == []
