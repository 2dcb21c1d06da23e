"""schema.org shapes seen on review sites, read from a page's JSON-LD; nothing is guessed."""

from __future__ import annotations

import pytest

from retrieval.ingest.extract import decode, extract_html

BODY = "<article><h1>Some film review</h1><p>" + "Words of the review. " * 60 + "</p></article>"


def page(json_ld: str) -> str:
    head = f"<script type='application/ld+json'>{json_ld}</script>" if json_ld else ""
    return f"<html><head><title>Some film review</title>{head}</head><body>{BODY}</body></html>"


@pytest.mark.parametrize(
    ("json_ld", "film", "critic", "outlet", "rating"),
    [
        ('{"@type":"Review","author":"Jane Roe","itemReviewed":"Film X"}',
         "Film X", "Jane Roe", None, None),
        ('{"@type":"Review","author":{"@type":"Organization","name":"Org"},'
         '"itemReviewed":{"@type":"Movie","name":"F"}}', "F", None, "Org", None),
        ('[{"@type":"Review","author":[{"name":"A"},{"name":"B"}],"itemReviewed":{"name":"F"},'
         '"reviewRating":{"ratingValue":"3.0"}}]', "F", "A, B", None, "3"),
        ('{"@type":"ReviewNewsArticle","author":{"name":"C"},"itemReviewed":{"name":"G"},'
         '"reviewRating":{"ratingValue":8,"bestRating":10}}', "G", "C", None, "8/10"),
        ('{"@type":"NewsArticle","author":{"name":"Z"},"publisher":{"name":"P"},'
         '"about":{"@type":"Movie","name":"Not taken"}}', None, "Z", "P", None),
        ("{not json", None, None, None, None),
        ("", None, None, None, None),
    ],
)  # fmt: skip
def test_json_ld_shapes(json_ld: str, film, critic, outlet, rating) -> None:
    """Review, CriticReview-like and plain article JSON-LD; the film only from itemReviewed."""
    found = extract_html(page(json_ld))
    assert (found.film, found.critic, found.outlet, found.rating) == (film, critic, outlet, rating)
    assert found.text == ("Words of the review. " * 60).strip()


def test_headline_is_not_part_of_the_text() -> None:
    """The <h1> inside <article> is the outlet's headline, not the critic's words."""
    assert not extract_html(page("")).text.startswith("Some film review")


@pytest.mark.parametrize(
    ("raw", "declared", "text"),
    [
        ("“Curly” café".encode("cp1252"), "iso-8859-1", "“Curly” café"),  # WHATWG: latin1 = 1252
        (b'<meta charset="windows-1252">\x93q\x94', None, '<meta charset="windows-1252">“q”'),
        ("plain ünïcode".encode(), None, "plain ünïcode"),
        (b"\xef\xbb\xbfwith a BOM", "windows-1252", "with a BOM"),
    ],
)  # fmt: skip
def test_decode_order(raw: bytes, declared: str | None, text: str) -> None:
    """BOM, then the declared charset, then <meta charset>, then UTF-8."""
    assert decode(raw, declared) == text
