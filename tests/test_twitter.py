"""Twitter/X embed forms, each as a small inline page (fixtures/ holds the full golden pages)."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.extract import extract_posts
from collector.extract.platforms.twitter import status_parts

CLASSIC = (
    '<blockquote class="twitter-tweet" data-lang="de"><p lang="en" dir="ltr">just setting up my '
    '<a href="https://twitter.com/hashtag/twttr?src=hash&amp;ref_src=twsrc%5Etfw">#twttr</a> &amp; '
    "&quot;more&quot;<br>second line</p>&mdash; Jack (@jack) "
    '<a href="https://twitter.com/jack/status/20?ref_src=twsrc%5Etfw">March 21, 2006</a></blockquote>'
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
)


def test_classic_blockquote_gives_every_field() -> None:
    (post,) = extract_posts(CLASSIC)
    assert post.platform == "twitter"
    assert post.post_id == "20"
    assert post.url == "https://twitter.com/jack/status/20"
    assert (post.author_name, post.handle) == ("Jack", "jack")
    assert (post.date_text, post.date) == ("March 21, 2006", dt.date(2006, 3, 21))
    assert post.text == 'just setting up my #twttr & "more"\nsecond line'
    assert post.links == ("https://twitter.com/hashtag/twttr?src=hash&ref_src=twsrc%5Etfw",)
    assert post.lang == "en"  # the text's language, not the widget's data-lang
    assert post.posted_at is None  # id 20 predates snowflake ids


def test_snowflake_id_gives_the_exact_utc_time() -> None:
    html = CLASSIC.replace("jack/status/20", "McFaul/status/1479527339458142209")
    (post,) = extract_posts(html)
    assert post.posted_at == dt.datetime(2022, 1, 7, 18, 56, 20, 672000, tzinfo=dt.UTC)


def test_wordpress_byline_paragraph_and_multi_paragraph_text() -> None:
    html = (
        '<blockquote class="twitter-tweet" data-lang="de"><p dir="ltr" lang="de">Erster Absatz.</p>\n'
        "<p>Zweiter Absatz.</p>\n<p>— Peter Wittkamp🐬 (@diktator) "
        '<a href="https://twitter.com/diktator/status/1044502590266978309?ref_src=twsrc%5Etfw">'
        "25. September 2018</a></p></blockquote>"
    )
    (post,) = extract_posts(html)
    assert post.text == "Erster Absatz.\n\nZweiter Absatz."
    assert (post.author_name, post.handle, post.date) == (
        "Peter Wittkamp🐬",
        "diktator",
        dt.date(2018, 9, 25),
    )


def test_old_embed_code_with_statuses_path_and_no_lang() -> None:
    html = (
        '<blockquote class="twitter-tweet tw-align-center"><p>Drinking game:\n <br>(1) "&lt;noun&gt;.js"</p>'
        '— Shay Friedman (@ironshay) <a href="https://twitter.com/ironshay/statuses/370525864523743232">'
        "August 22, 2013</a></blockquote>"
    )
    (post,) = extract_posts(html)
    assert post.url == "https://twitter.com/ironshay/status/370525864523743232"
    assert post.text == 'Drinking game:\n(1) "<noun>.js"'
    assert post.lang is None


@pytest.mark.parametrize(
    "inner",
    [
        "",
        "https://twitter.com/TomNamako/status/808782171829891072",
        ' Tweet may have been deleted <span class="sr-only">(opens in a new tab)</span> ',
        "X で投稿を見る",
    ],
)
def test_link_only_blockquote_takes_id_and_handle_from_the_url(inner: str) -> None:
    html = (
        '<blockquote class="twitter-tweet"><a href="https://twitter.com/TomNamako/status/'
        f'808782171829891072">{inner}</a></blockquote>'
    )
    (post,) = extract_posts(html)
    assert (post.post_id, post.handle) == ("808782171829891072", "TomNamako")
    assert post.text is None and post.date_text is None and post.author_name is None


def test_media_only_tweet_and_twitter_video_class() -> None:
    html = (
        '<blockquote class="twitter-video" data-lang="ja"><p lang="und" dir="ltr">'
        '<a href="https://t.co/weXV0f3x9A">pic.twitter.com/weXV0f3x9A</a></p>&mdash; くるっぱ '
        '(@kuruppa0616) <a href="https://twitter.com/kuruppa0616/status/802153332634570752">2016年11月25日</a>'
        "</blockquote>"
    )
    (post,) = extract_posts(html)
    assert (post.lang, post.text) == ("und", "pic.twitter.com/weXV0f3x9A")
    assert post.links == ("https://t.co/weXV0f3x9A",)
    assert post.date == dt.date(2016, 11, 25)


def test_byline_with_empty_name_and_name_with_parentheses() -> None:
    empty = CLASSIC.replace("Jack (@jack)", "(@thegrugq)")
    assert extract_posts(empty)[0].author_name is None
    assert extract_posts(empty)[0].handle == "thegrugq"
    named = CLASSIC.replace("Jack (@jack)", "JRebel, XRebel (Perforce) (@JRebel_Java)")
    assert extract_posts(named)[0].author_name == "JRebel, XRebel (Perforce)"
    assert extract_posts(named)[0].handle == "JRebel_Java"


def test_user_in_url_is_kept_as_written_while_handle_comes_from_byline() -> None:
    html = CLASSIC.replace("jack/status/20", "BuzzFeed/status/781874683289411588")
    (post,) = extract_posts(html)
    assert post.url == "https://twitter.com/BuzzFeed/status/781874683289411588"
    assert post.handle == "jack"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://x.com/jack/status/20?s=20", ("https://x.com/jack/status/20", "20", "jack")),
        ("https://mobile.twitter.com/jack/status/20", ("https://twitter.com/jack/status/20", "20", "jack")),
        ("http://www.twitter.com/Jack/statuses/20#x", ("https://twitter.com/Jack/status/20", "20", "Jack")),
        ("https://twitter.com/#!/jack/status/20", ("https://twitter.com/jack/status/20", "20", "jack")),
        ("//twitter.com/jack/status/20", ("https://twitter.com/jack/status/20", "20", "jack")),
        ("https://twitter.com/i/web/status/20", ("https://twitter.com/i/web/status/20", "20", None)),
        ("https://twitter.com/jack", None),
        ("https://example.com/jack/status/20", None),
    ],
)
def test_status_urls_in_every_form(href: str, expected: tuple[str, str, str | None] | None) -> None:
    assert status_parts(href) == expected


def test_i_web_status_link_has_no_handle_from_the_url() -> None:
    html = '<blockquote class="twitter-tweet"><a href="https://twitter.com/i/web/status/1529811248258371590"></a></blockquote>'
    (post,) = extract_posts(html)
    assert (post.post_id, post.handle) == ("1529811248258371590", None)


def test_two_tweets_pasted_into_one_blockquote_are_two_posts() -> None:
    inner = CLASSIC.replace("jack/status/20", "jack/status/21").replace("just setting", "inner text")
    html = CLASSIC.replace("</blockquote>", inner.split("<script")[0] + "</blockquote>", 1)
    outer_post, inner_post = extract_posts(html)
    assert (outer_post.post_id, inner_post.post_id) == ("20", "21")
    assert outer_post.text is not None and "inner text" not in outer_post.text
    assert inner_post.text is not None and inner_post.text.startswith("inner text")
    assert outer_post.links == ("https://twitter.com/hashtag/twttr?src=hash&ref_src=twsrc%5Etfw",)


RENDERED_IFRAME = (
    '<div class="twitter-tweet twitter-tweet-rendered" style="display: flex;"><iframe id="twitter-widget-0" '
    'title="X Post" src="https://platform.twitter.com/embed/Tweet.html?dnt=true&amp;embedId=twitter-widget-0'
    '&amp;id=1511642234562752512&amp;lang=de"></iframe></div>'
)


@pytest.mark.parametrize(
    "html",
    [
        RENDERED_IFRAME,
        '<iframe id="twitter-widget-3" data-tweet-id="1511642234562752512" '
        'src="./page_files/Tweet.html"></iframe>',
        '<twitter-widget class="twitter-tweet twitter-tweet-rendered" data-tweet-id="1511642234562752512">'
        "</twitter-widget>",
        '<amp-twitter width="375" height="472" layout="responsive" '
        'data-tweetid="1511642234562752512"></amp-twitter>',
        '<bento-twitter data-tweetid="1511642234562752512"></bento-twitter>',
    ],
)
def test_rendered_widgets_and_amp_give_the_id_only(html: str) -> None:
    (post,) = extract_posts(html)
    assert post.post_id == "1511642234562752512"
    assert post.url is None and post.text is None and post.handle is None
    assert post.lang is None  # the iframe's lang= is the widget's UI language
    assert post.posted_at is not None


def test_rendered_widget_beside_its_original_blockquote_is_one_post() -> None:
    blockquote = CLASSIC.replace("jack/status/20", "jack/status/1511642234562752512")
    html = f'<div class="wp-block-embed__wrapper">{RENDERED_IFRAME}{blockquote}</div>'
    (post,) = extract_posts(html)
    assert post.text is not None and post.handle == "jack"


def test_amp_placeholder_blockquote_is_one_post() -> None:
    blockquote = CLASSIC.replace("twitter-tweet", "twitter-tweet", 1).replace(
        "<blockquote ", "<blockquote placeholder "
    )
    html = f'<amp-twitter data-tweetid="20" layout="responsive">{blockquote}</amp-twitter>'
    (post,) = extract_posts(html)
    assert post.handle == "jack" and post.text is not None


def test_same_tweet_embedded_twice_is_listed_twice() -> None:
    assert len(extract_posts(CLASSIC + "<p>Again:</p>" + CLASSIC)) == 2


@pytest.mark.parametrize(
    ("figure", "expected_url"),
    [
        (
            '<figure class="wp-block-embed is-type-rich is-provider-twitter wp-block-embed-twitter">'
            '<div class="wp-block-embed__wrapper">\nhttps://x.com/NASA/status/1445079186349625344\n</div></figure>',
            "https://x.com/NASA/status/1445079186349625344",
        ),
        (
            '<figure embedded-service="twitter" data-src="https://x.com/NASA/status/1445079186349625344?s=20">'
            "</figure>",
            "https://x.com/NASA/status/1445079186349625344",
        ),
    ],
)
def test_cms_figures_with_only_the_status_url(figure: str, expected_url: str) -> None:
    (post,) = extract_posts(figure)
    assert (post.url, post.handle, post.text) == (expected_url, "NASA", None)


def test_consent_textarea_holds_the_real_embed() -> None:
    escaped = CLASSIC.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = f'<div class="consent"><form>Accept?</form><textarea hidden="">{escaped}</textarea></div>'
    (post,) = extract_posts(html)
    assert post.text == 'just setting up my #twttr & "more"\nsecond line'


def test_template_and_percent_encoded_data_content_hold_embeds() -> None:
    template = f"<template>{CLASSIC}</template>"
    lazy = f'<div class="load-later" data-url="x" data-content="{quote(CLASSIC)}"></div>'
    assert [p.post_id for p in extract_posts(template)] == ["20"]
    assert [p.post_id for p in extract_posts(lazy)] == ["20"]


def test_wrapper_copy_of_a_live_embed_is_not_a_second_post() -> None:
    html = f"{CLASSIC}<noscript>{CLASSIC}</noscript><template>{CLASSIC}</template>"
    assert [p.post_id for p in extract_posts(html)] == ["20"]


@pytest.mark.parametrize(
    "html",
    [
        '<a class="twitter-timeline" data-tweet-limit="5" '
        'href="https://twitter.com/TwitterDev">Tweets by TwitterDev</a>',
        '<iframe id="twitter-widget-0" class="twitter-share-button twitter-share-button-rendered" '
        'title="Twitter Tweet Button" '
        'src="https://platform.twitter.com/widgets/tweet_button.html#id=twitter-widget-0"></iframe>',
        '<div class="twitter-tweet twitter-tweet-rendered">'
        '<a href="https://example.com/more">Read more</a></div>',
        "<style>.twitter-tweet { margin: auto } .twitter-video {}</style>",
        f"<script>var copy = {CLASSIC!r};</script>",
        '<p>As <a href="https://x.com/OaklandZoo/status/1725609263311421849">the zoo posted</a>, …</p>',
        '<blockquote class="twitter-tweet"><p>A pull quote with no status link.</p></blockquote>',
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
    ],
)
def test_things_that_are_not_posts(html: str) -> None:
    assert extract_posts(html) == []


def test_two_embeds_pasted_one_after_another_in_one_blockquote_are_two_posts() -> None:
    html = (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">first <a href="https://t.co/a">x</a></p>'
        '&mdash; Ann (@ann) <a href="https://twitter.com/ann/status/1129040592930070530">May 16, 2019</a>'
        '<p lang="fr" dir="ltr">deuxième</p>&mdash; Bob (@bob) '
        '<a href="https://twitter.com/bob/status/1130532897142841344">20 mai 2019</a></blockquote>'
    )
    first, second = extract_posts(html)
    assert (first.handle, first.text, first.links, first.lang) == (
        "ann",
        "first x",
        ("https://t.co/a",),
        "en",
    )
    assert (second.handle, second.author_name, second.text, second.links) == ("bob", "Bob", "deuxième", ())
    assert (second.lang, second.date) == ("fr", dt.date(2019, 5, 20))


def test_a_status_link_inside_the_text_does_not_split_the_tweet() -> None:
    html = CLASSIC.replace(
        "second line</p>", 'second line <a href="https://twitter.com/bob/status/99">see this</a></p>'
    )
    (post,) = extract_posts(html)
    assert post.post_id == "20" and post.text is not None and post.text.endswith("see this")
    assert "https://twitter.com/bob/status/99" in post.links


def test_placeholder_paragraph_is_not_post_text() -> None:
    html = (
        '<blockquote class="twitter-tweet"><p>Tweet may have been deleted.</p>'
        '<a href="https://twitter.com/ann/status/1129040592930070530"></a></blockquote>'
    )
    (post,) = extract_posts(html)
    assert (post.text, post.handle) == (None, "ann")


def test_blockquote_keeping_the_status_url_only_in_an_attribute() -> None:
    html = '<blockquote class="twitter-tweet" data-url="https://twitter.com/ann/status/1129040592930070530"></blockquote>'
    (post,) = extract_posts(html)
    assert (post.post_id, post.url, post.handle) == (
        "1129040592930070530",
        "https://twitter.com/ann/status/1129040592930070530",
        "ann",
    )


def test_div_copy_of_the_embed_is_a_post() -> None:
    html = CLASSIC.replace("<blockquote", "<div").replace("</blockquote>", "</div>")
    (post,) = extract_posts(html)
    assert (post.post_id, post.handle, post.lang) == ("20", "jack", "en")


def test_substack_card_saved_before_rendering_is_read_from_its_json() -> None:
    attrs = (
        '{"url":"https://twitter.com/elonmusk/status/968608879914270721?s=20","full_text":"Faster than '
        'the US &amp; more <a class=\\"tweet-url\\" href=\\"http://dlvr.it/S0NzBW\\">dlvr.it/S0NzBW</a> ",'
        '"username":"elonmusk","name":"Elon Musk","date":"Tue Feb 27 22:08:47 +0000 2018",'
        '"quoted_tweet":{"full_text":"Quoted words","username":"JoeXu","name":"Joe Xu"},'
        '"expanded_url":{"url":"https://example.com/story"}}'
    )
    html = (
        f'<div class="twitter-embed" data-component-name="Twitter2ToDOM" data-attrs="{escape(attrs)}"></div>'
    )
    (post,) = extract_posts(html)
    assert (post.post_id, post.url) == (
        "968608879914270721",
        "https://twitter.com/elonmusk/status/968608879914270721",
    )
    assert (post.author_name, post.handle) == ("Elon Musk", "elonmusk")
    assert post.text == "Faster than the US & more dlvr.it/S0NzBW"
    assert post.links == ("http://dlvr.it/S0NzBW", "https://example.com/story")
    assert (post.date, post.date_text) == (dt.date(2018, 2, 27), None)
    assert post.quoted is not None and post.quoted.handle == "JoeXu" and post.quoted.text == "Quoted words"


def test_a_site_wrapper_named_like_a_card_does_not_double_the_embed() -> None:
    link_only = '<blockquote class="twitter-tweet"><a href="https://twitter.com/ann/status/1129040592930070530"></a></blockquote>'
    for wrapper in ("twitter-embed", "tweet"):
        html = f'<div class="{wrapper}">{link_only}</div>'
        assert [p.post_id for p in extract_posts(html)] == ["1129040592930070530"]


def test_a_site_wrapper_with_only_a_status_link_gives_no_text() -> None:
    html = (
        '<div class="twitter-embed">'
        '<a href="https://twitter.com/ann/status/1129040592930070530">View on X</a></div>'
    )
    (post,) = extract_posts(html)
    assert (post.post_id, post.handle, post.text) == ("1129040592930070530", "ann", None)


@pytest.mark.parametrize("dash", ["-", "--", "~"])
def test_byline_written_with_an_ascii_dash(dash: str) -> None:
    html = CLASSIC.replace("&mdash; Jack (@jack)", f"{dash} Jean-Luc Picard (@jack)")
    (post,) = extract_posts(html)
    assert (post.author_name, post.handle) == ("Jean-Luc Picard", "jack")
    assert post.text == 'just setting up my #twttr & "more"\nsecond line'


def test_profile_link_in_the_byline_is_not_a_text_link() -> None:
    html = CLASSIC.replace(
        "&mdash; Jack (@jack)",
        '&mdash; Jack (<a href="https://twitter.com/jack?ref_src=twsrc%5Etfw">@jack</a>)',
    )
    (post,) = extract_posts(html)
    assert (post.author_name, post.handle) == ("Jack", "jack")
    assert post.links == ("https://twitter.com/hashtag/twttr?src=hash&ref_src=twsrc%5Etfw",)


def test_mentions_of_other_accounts_stay_text_links() -> None:
    html = CLASSIC.replace(
        "second line", 'second line <a href="https://twitter.com/biz?ref_src=twsrc%5Etfw">@biz</a>'
    )
    (post,) = extract_posts(html)
    assert post.links[-1] == "https://twitter.com/biz?ref_src=twsrc%5Etfw"


def test_a_sites_extra_link_to_the_same_status_does_not_hide_the_date() -> None:
    html = CLASSIC.replace(
        "March 21, 2006</a>",
        'March 21, 2006</a> <a class="view" href="https://twitter.com/jack/status/20">View on Twitter</a>',
    )
    (post,) = extract_posts(html)
    assert (post.date_text, post.author_name, post.handle) == ("March 21, 2006", "Jack", "jack")
    assert post.text == 'just setting up my #twttr & "more"\nsecond line'


def test_qiita_tweet_frame_keeps_the_url_in_data_content() -> None:
    encoded = quote("https://twitter.com/ann/status/1129040592930070530?s=20", safe="")
    html = (
        '<iframe id="qiita-embed-content__0f1e" '
        'src="https://qiita.com/embed-contents/tweet#qiita-embed-content__0f1e" '
        f'data-content="{encoded}"></iframe>'
    )
    (post,) = extract_posts(html)
    assert (post.post_id, post.url, post.handle) == (
        "1129040592930070530",
        "https://twitter.com/ann/status/1129040592930070530",
        "ann",
    )


def test_feed_items_carry_embeds_entity_encoded_or_in_cdata() -> None:
    first = CLASSIC.replace("jack/status/20", "ann/status/1129040592930070530")
    second = CLASSIC.replace("jack/status/20", "bob/status/1130532897142841344")
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>T</title>'
        f"<description>{escape(first)}</description>"
        f"<content:encoded><![CDATA[{second}]]></content:encoded></item></channel></rss>"
    )
    posts = extract_posts(feed)
    assert [p.post_id for p in posts] == ["1129040592930070530", "1130532897142841344"]
    assert all(p.text == 'just setting up my #twttr & "more"\nsecond line' for p in posts)


def test_blockquote_whose_date_link_lost_its_anchor() -> None:
    html = (
        '<blockquote class="twitter-tweet"><p>Road closed &amp; detour</p>&mdash; City (@city) '
        "https://twitter.com/city/status/1129040592930070530 May 16, 2019</blockquote>"
    )
    (post,) = extract_posts(html)
    assert (post.post_id, post.url) == (
        "1129040592930070530",
        "https://twitter.com/city/status/1129040592930070530",
    )
    assert (post.text, post.author_name, post.handle) == ("Road closed & detour", "City", "city")
    assert (post.date_text, post.date) == ("May 16, 2019", dt.date(2019, 5, 16))
    bare = (
        '<blockquote class="twitter-tweet"><p>https://x.com/city/status/1129040592930070530</p></blockquote>'
    )
    (post,) = extract_posts(bare)
    assert (post.post_id, post.handle, post.text) == ("1129040592930070530", "city", None)


def test_wordpress_figure_with_only_a_link_to_the_status() -> None:
    html = (
        '<figure class="wp-block-embed is-provider-twitter wp-block-embed-twitter">'
        '<div class="wp-block-embed__wrapper"><a href="https://twitter.com/city/status/1129040592930070530">'
        "View on Twitter</a></div></figure>"
    )
    (post,) = extract_posts(html)
    assert (post.post_id, post.handle, post.text) == ("1129040592930070530", "city", None)


def test_a_date_in_a_language_without_known_month_names_is_kept_as_shown() -> None:
    html = CLASSIC.replace("March 21, 2006", "21 มีนาคม 2006")
    (post,) = extract_posts(html)
    assert (post.date_text, post.date) == ("21 มีนาคม 2006", None)


REACT_TWEET = (
    '<div class="react-tweet-theme tweet-container_root__a1"><article class="tweet-container_article__b2">'
    '<div class="tweet-header_header__c3"><a href="https://x.com/ferry/status/1734455667788990011" '
    'class="tweet-header_avatar__d4"><img alt="" src="https://pbs.twimg.com/x.jpg"></a>'
    '<div class="tweet-header_author__e5"><a href="https://x.com/ferry" class="tweet-header_authorLink__f6">'
    '<div class="tweet-header_authorLinkText__g7"><span title="Ferry Line">Ferry Line</span></div></a>'
    '<div class="tweet-header_authorMeta__h8">'
    '<a href="https://x.com/ferry" class="tweet-header_username__i9">'
    '<span title="@ferry">@ferry</span></a></div></div></div>'
    '<p class="tweet-body_root__j0" lang="en" dir="auto"><span>Timetable here: </span>'
    '<a href="https://t.co/abc">example.com/t</a></p>'
    '<div class="quoted-tweet-container_root__k1"><article class="quoted-tweet-container_article__l2">'
    '<div class="quoted-tweet-header_header__m3"><div class="quoted-tweet-header_author__n4">'
    '<div class="quoted-tweet-header_authorText__o5"><span title="Harbour">Harbour</span></div>'
    '<div class="quoted-tweet-header_username__p6"><span title="@harbour">@harbour</span></div></div></div>'
    '<p class="quoted-tweet-body_root__q7" lang="en">Night sailings end in May.</p></article></div>'
    '<div class="tweet-info_info__r8"><a class="tweet-info-created-at_root__s9" '
    'href="https://x.com/ferry/status/1734455667788990011"><time dateTime="2023-12-12T06:10:30.000Z">'
    "6:10 AM · Dec 12, 2023</time></a></div></article></div>"
)


def test_react_tweet_card_gives_every_field_and_its_quoted_tweet() -> None:
    [post] = extract_posts(f"<html><body><p>Before.</p>{REACT_TWEET}</body></html>")
    assert (post.post_id, post.author_name, post.handle) == ("1734455667788990011", "Ferry Line", "ferry")
    assert post.text == "Timetable here: example.com/t"
    assert post.links == ("https://t.co/abc",)
    assert (post.lang, post.date) == ("en", dt.date(2023, 12, 12))
    assert post.quoted is not None
    assert (post.quoted.author_name, post.quoted.handle, post.quoted.text) == (
        "Harbour",
        "harbour",
        "Night sailings end in May.",
    )


def test_react_tweet_not_found_box_alone_is_no_live_post() -> None:
    box = (
        '<div class="react-tweet-theme tweet-container_root__a1"><article>'
        '<div class="tweet-not-found_root__x"><h3>Tweet not found</h3></div></article></div>'
    )
    assert extract_posts(f"<html><body>{box}</body></html>") == []


STATUS_WORDS = ("status", "STATUS", "Status", "ſtatus", "ſtatuſ", "statuses", "StAtUsEs", "stat", "sta tus")


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(("https://", "http://", "//", "HTTPS://", "")),
    host=st.sampled_from(("twitter.com", "x.com", "TWITTER.COM", "mobile.X.com", "example.com")),
    word=st.sampled_from(STATUS_WORDS),
    tail=st.text(alphabet=st.sampled_from(list("/0123456789?#a")), max_size=25),
)
def test_status_parts_word_test_never_hides_a_status_url(
    scheme: str, host: str, word: str, tail: str
) -> None:
    """The cheap "status" test before the pattern gives the pattern's own answer on any href,
    whatever the case (and the long s, which IGNORECASE matches as "s")."""
    from collector.extract.platforms.twitter.urls import STATUS_URL

    href = f"{scheme}{host}/someone/{word}/{tail}"
    assert (status_parts(href) is None) == (STATUS_URL.search(href) is None), href
