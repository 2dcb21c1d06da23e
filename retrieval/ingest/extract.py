"""A review's words and metadata from what `reviewbot add` was given: a web page or plain text.

    decode(raw, declared=None, where=...) -> str         # charset: BOM, declared, <meta>, UTF-8,
                                                           # then charset_normalizer's detection
    extract_html(html, url=None) -> Extracted             # trafilatura + schema.org Review data
    extract_text(text) -> Extracted                       # plain text: the words, nothing else

Metadata comes from what the page states, best source first: the schema.org `Review` in JSON-LD
or microdata (`author.name`, `publisher.name`, `itemReviewed.name`, `reviewRating`,
`datePublished`) — what review sites publish for search engines — then `<meta>` tags and
trafilatura's findings. Nothing is guessed: the film is never taken from a headline, and
trafilatura's `sitename` is not used as the outlet because it falls back to the page title or the
domain when the page does not state one.

Long because the schema.org readers (JSON-LD in its several shapes, and microdata) and the
charset chain belong together: each is small, and splitting them would scatter one decision —
which source of metadata wins — across files.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..errors import IngestError

log = logging.getLogger(__name__)

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# WHATWG: browsers decode these labels as windows-1252 (curly quotes live in 0x80-0x9f).
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}


@dataclass(frozen=True)
class Extracted:
    """What a source says about its review; None where it says nothing."""

    text: str
    film: str | None = None
    critic: str | None = None
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    rating: str | None = None
    published: str | None = None
    year: int | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode(raw: bytes, declared: str | None = None, *, where: str = "the input") -> str:
    """Text from bytes: a BOM, then the declared or <meta> charset, then UTF-8, then detection."""
    for bom, bom_codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(bom_codec, errors="replace").removeprefix("\ufeff")
    meta = _META_CHARSET.search(raw[:4096])
    labels: list[str | None] = [declared, meta.group(1).decode("ascii") if meta else None, "utf-8"]
    for label in labels:
        codec = _codec(label)
        if codec is None:
            continue
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding:
        log.info("%s: detected charset %s", where, best.encoding)
        return str(best)
    raise IngestError(f"{where} is not UTF-8 and its character encoding could not be detected")


# -- schema.org ----------------------------------------------------------------------------------
# JSON-LD is JSON in <script> tags and microdata is a handful of attributes; extruct reads both
# (and RDFa, microformats…) but pulls rdflib, pyrdfa3 and mf2py for it, so the two are read here.


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type") or node.get("type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _walk(node: Any, parent: dict[str, Any] | None = None) -> Iterator[tuple[dict, dict | None]]:
    """Every object in a JSON-LD document, with the object holding it."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, parent)
    elif isinstance(node, dict):
        yield node, parent
        for key, value in node.items():
            if key != "@context":
                yield from _walk(value, node)


def _name(value: Any) -> str | None:
    """A person's/organisation's/film's name: a string, {"name": …}, or a list of those."""
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        value = value.get("name")
        if isinstance(value, list):
            value = value[0] if value else None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _number(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text or None
    return str(int(number)) if number.is_integer() else text


def _rating(value: Any) -> str | None:
    if not isinstance(value, dict):
        return _number(value)
    score = _number(value.get("ratingValue"))
    best = _number(value.get("bestRating"))
    if score is None:
        return None
    return f"{score}/{best}" if best else score


def _date(value: Any) -> str | None:
    text = _name(value)
    match = re.match(r"\d{4}-\d{2}-\d{2}", text or "")
    return match.group(0) if match else None


def _year(value: Any) -> int | None:
    text = _name(value) or ""
    match = re.match(r"(\d{4})", text)
    return int(match.group(1)) if match else None


def _from_review(review: dict[str, Any], holder: dict[str, Any] | None) -> dict[str, Any]:
    item = review.get("itemReviewed")
    if item is None and holder is not None and "Review" not in _types(holder):
        item = holder  # {"@type": "Movie", "review": {...}}
    author = review.get("author")
    authors = author if isinstance(author, list) else [author]
    people = [a for a in authors if not (isinstance(a, dict) and "Organization" in _types(a))]
    orgs = [a for a in authors if isinstance(a, dict) and "Organization" in _types(a)]
    item_dict = item if isinstance(item, dict) else {}
    return {
        "film": _name(item),
        "critic": _name(people),
        "outlet": _name(review.get("publisher")) or _name(orgs),
        "title": _name(review.get("headline")) or _name(review.get("name")),
        "rating": _rating(review.get("reviewRating")),
        "published": _date(review.get("datePublished")),
        "year": _year(item_dict.get("dateCreated") or item_dict.get("datePublished")),
        "url": _name(review.get("url")),
    }


_REVIEWS = {"Review", "CriticReview", "ReviewNewsArticle"}
_ARTICLES = {"Article", "NewsArticle", "BlogPosting", "OpinionNewsArticle"}


def _json_ld(tree: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the first Review's fields, else {}; the first article's author/publisher/title, else {})"""
    article: dict[str, Any] | None = None
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        text = (script.text or "").strip()
        text = re.sub(r"^\s*(<!--|<!\[CDATA\[)|(-->|\]\]>)\s*$", "", text)
        try:
            doc = json.loads(text)
        except ValueError:
            log.info("ignoring a JSON-LD block that is not valid JSON")
            continue
        for node, holder in _walk(doc):
            if _types(node) & _REVIEWS:
                return _from_review(node, holder), {}
            if article is None and _types(node) & _ARTICLES:
                article = node
    if article is not None:
        # An article, not a Review: its author and publisher are stated; its subject is not.
        found = _from_review(article, None)
        return {}, {**found, "film": None, "rating": None, "year": None}
    return {}, {}


def _microdata_value(el: Any) -> Any:
    if el.get("itemscope") is not None:
        return _microdata_item(el)
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    for attr, tags in (("content", None), ("href", ("a", "link", "area")),
                       ("src", ("img", "audio", "video", "source")),
                       ("datetime", ("time",)), ("value", ("data", "meter")),):  # fmt: skip
        if el.get(attr) is not None and (tags is None or tag in tags):
            return el.get(attr)
    return " ".join(el.text_content().split())


def _microdata_item(scope: Any) -> dict[str, Any]:
    """One itemscope's properties (nested items are values, not merged)."""
    item: dict[str, Any] = {"@type": scope.get("itemtype", "").split()}

    def visit(el: Any) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            prop = child.get("itemprop")
            if prop:
                for name in prop.split():
                    item.setdefault(name, _microdata_value(child))
            if child.get("itemscope") is None:
                visit(child)

    visit(scope)
    return item


def _microdata(tree: Any) -> dict[str, Any]:
    for scope in tree.xpath("//*[@itemscope][@itemtype]"):
        if _types({"@type": scope.get("itemtype", "").split()}) & _REVIEWS:
            holder = scope.getparent()
            while holder is not None and holder.get("itemscope") is None:
                holder = holder.getparent()
            return _from_review(
                _microdata_item(scope), _microdata_item(holder) if holder is not None else None
            )
    return {}


def _meta(tree: Any, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name"):
            for value in tree.xpath(f'//meta[@{attr}="{name}"]/@content'):
                text = " ".join(str(value).split())
                if text:
                    return text
    return None


def _paragraphs(text: str) -> str:
    """One paragraph per line of trafilatura's output, separated by blank lines."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The main text (no comments) and the metadata a review page states."""
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.document_fromstring(html)
    except Exception:  # lxml raises ParserError or ValueError on empty/odd documents
        raise IngestError("The page is not readable HTML") from None
    # No url: trafilatura would otherwise name the domain as the site.
    found = trafilatura.bare_extraction(
        html, include_comments=False, with_metadata=True, include_tables=False,
        favor_precision=True, date_extraction_params={"extensive_search": False},
    )  # fmt: skip
    doc: dict[str, Any] = {}
    if found is not None:
        doc = found.as_dict() if hasattr(found, "as_dict") else dict(found)
    text = _paragraphs(doc.get("text") or "")
    review, article = _json_ld(tree)
    schema = review or _microdata(tree) or article
    # trafilatura keeps an <h1> inside <article>: the headline is the outlet's, not the review's.
    headings = {" ".join(h.text_content().split()) for h in tree.xpath("//h1")}
    headings |= {t for t in (schema.get("title"), doc.get("title")) if t}
    first, _, rest = text.partition("\n\n")
    if first in headings:
        text = rest
    page_author = doc.get("author")
    critic = schema.get("critic") or _meta(tree, "author", "article:author") or page_author
    if critic and critic.startswith(("http://", "https://")):
        critic = None  # article:author is often a profile URL, not a name
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    return Extracted(
        text=text,
        film=schema.get("film"),
        critic=critic,
        outlet=schema.get("outlet") or _meta(tree, "og:site_name", "application-name"),
        title=schema.get("title") or _meta(tree, "og:title") or doc.get("title"),
        url=url or schema.get("url") or (str(canonical[0]) if canonical else None),
        rating=schema.get("rating"),
        published=schema.get("published")
        or _date(_meta(tree, "article:published_time"))
        or _date(doc.get("date")),
        year=schema.get("year"),
    )


def extract_text(text: str) -> Extracted:
    """Plain text: its paragraphs, and no metadata at all.

    Paragraphs are blank-line separated blocks (hard-wrapped lines are joined); text without a
    blank line has one paragraph per line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n\s*\n", text)
    paragraphs = blocks if len(blocks) > 1 else text.split("\n")
    cleaned = [" ".join(p.split()) for p in paragraphs]
    return Extracted(text="\n\n".join(p for p in cleaned if p))


def with_overrides(
    found: Extracted,
    *,
    film: str | None = None,
    critic: str | None = None,
    outlet: str | None = None,
    rating: str | None = None,
) -> Extracted:
    """`found` with every given (non-blank) override applied."""

    def pick(new: str | None, old: str | None) -> str | None:
        return " ".join(new.split()) if new and new.strip() else old

    return replace(
        found,
        film=pick(film, found.film),
        critic=pick(critic, found.critic),
        outlet=pick(outlet, found.outlet),
        rating=pick(rating, found.rating),
    )
