"""/review add and /review remove at the wire: pages and attachments served on 127.0.0.1.

The review pages are the ingest tests' own (tests/retrieval/ingest/pages), served by their
site. A URL is fetched by retrieval's safe fetcher (private addresses allowed by the setting);
an attachment is downloaded by discord.py's own HTTP client (`Attachment.read()` →
`HTTPClient.get_from_cdn`) from a URL pointing at the same site.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from discord_harness import (
    ADMIN_ROLE_ID,
    BASIC_PERMS,
    MANAGE_GUILD,
    OTHER_ROLE_ID,
    USER_ID,
    Harness,
    MakeHarness,
    Request,
    _interaction,
    assert_embed_limits,
    assert_no_pings,
    command,
    is_ephemeral,
    snowflake,
)

from bot.config import Settings
from bot.discord.cogs.reviews import review_file, with_size_cap
from retrieval import IngestError, Review, UnknownCritic, Upload, UserError
from retrieval.engine import Engine
from tests.retrieval.ingest.review_site import PLAIN_REVIEW, Site, serve

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADMIN = BASIC_PERMS | MANAGE_GUILD
LANTERN = "the-lighthouse-keepers-daughter-maya-ortiz"
QUESTION = "How is Rosa Delacroix in The Lighthouse Keeper's Daughter?"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The ingest tests' review site on 127.0.0.1, for this module."""
    with serve() as s:
        yield s


@pytest_asyncio.fixture(loop_scope="session")
async def admin(
    make_harness: MakeHarness, private_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """A bot over a writable copy of the reviews, private URLs allowed, with the HTTP session
    `login()` would open (attachments are downloaded through it; Discord's API stays captured)."""
    monkeypatch.setenv("REVIEWBOT_ALLOW_PRIVATE_URLS", "1")
    harness = await make_harness(private_engine)
    async with aiohttp.ClientSession() as session:
        harness.bot.http._HTTPClient__session = session  # type: ignore[attr-defined]
        yield harness


def attachment(site: Site, path: str, filename: str, size: int = 2000) -> dict[str, Any]:
    """An attachment object as Discord sends it in `resolved.attachments`."""
    return {
        "id": str(snowflake()), "filename": filename, "size": size, "url": site.url(path),
        "proxy_url": site.url(path), "content_type": "text/plain; charset=utf-8",
        "ephemeral": True,
    }  # fmt: skip


def review(
    sub: str,
    *,
    permissions: int = ADMIN,
    roles: tuple[int, ...] = (),
    file: dict[str, Any] | None = None,
    **options: str,
) -> dict[str, Any]:
    """An INTERACTION_CREATE for `/review <sub>` with string options and maybe an attachment."""
    opts: list[dict[str, Any]] = [{"type": 3, "name": k, "value": v} for k, v in options.items()]
    data: dict[str, Any] = {"id": str(snowflake()), "name": "review", "type": 1}
    if file is not None:
        opts.append({"type": 11, "name": "file", "value": file["id"]})
        data["resolved"] = {"attachments": {file["id"]: file}}
    data["options"] = [{"type": 1, "name": sub, "options": opts}]
    return _interaction(2, data, user_id=USER_ID, permissions=permissions, roles=roles)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


def assert_deferred_first(requests: list[Request]) -> None:
    """The first request is the ephemeral "thinking…" defer."""
    first = requests[0]
    assert first.path.endswith("/callback") and first.json["type"] == 5
    assert first.json["data"]["flags"] & 64


def one_line(requests: list[Request]) -> str:
    """The single ephemeral message the user was shown."""
    [reply] = [r for r in requests if r.is_message]
    assert is_ephemeral(reply)
    content = reply.message_json["content"]
    assert "\n" not in content and not reply.message_json.get("embeds")
    return str(content)


async def test_add_url_shows_what_was_extracted_and_indexes_it(
    admin: Harness, site: Site, reviews_dir: Path, private_engine: Engine
) -> None:
    """/review add url: defers, writes the page's review, reports it, and /ask quotes it."""
    requests = await admin.interact(review("add", url=site.url("/news.html")))
    assert_deferred_first(requests)
    assert (reviews_dir / f"{LANTERN}.md").is_file()
    report = requests[-1]
    assert is_ephemeral(report) and len(requests) == 2
    added, index = report.json["embeds"]
    assert added["title"] == "Review added: The Lighthouse Keeper's Daughter"
    assert added["url"] == site.url("/news.html")
    assert fields(added) == {
        "Film": "The Lighthouse Keeper's Daughter", "Critic": "Maya Ortiz",
        "Outlet": "The Daily Lantern", "Rating": "4/5", "Words": "250",
        "Review id": f"`{LANTERN}`",
    }  # fmt: skip
    assert added["description"].startswith("> There is a moment, about forty minutes into")
    assert added["footer"]["text"] == f"Saved as {LANTERN}.md"
    assert str(reviews_dir) not in admin.wire.text(), "no host folders are shown"
    assert index["title"] == "Reindex finished"
    assert fields(index)["Added (1)"] == f"`{LANTERN}`"
    assert_no_pings(requests)
    assert_embed_limits(requests)

    assert private_engine.find_review("Maya Ortiz").id == LANTERN
    admin.wire.clear()
    await admin.interact(command("ask", question=QUESTION))
    assert "Maya Ortiz (The Daily Lantern)" in admin.wire.text()


@pytest.mark.parametrize(
    ("path", "filename", "options", "expected"),
    [
        (
            "/paper-moons.txt", "paper moons.txt", {"film": "Paper Moons", "critic": "Jo Bright"},
            {"Film": "Paper Moons", "Critic": "Jo Bright", "Outlet": "*not given*",
             "Rating": "*not given*", "Review id": "`paper-moons-jo-bright`"},
        ),
        (
            "/amp.html", "glass-orchard.html", {},
            {"Film": "Glass Orchard", "Critic": "Lena Fischer", "Outlet": "Kino Weekly",
             "Review id": "`glass-orchard-lena-fischer`"},
        ),
    ],
    ids=["txt-with-film-and-critic", "saved-html-page"],
)  # fmt: skip
async def test_add_file_downloads_the_attachment_and_adds_it(
    admin: Harness, site: Site, reviews_dir: Path, private_engine: Engine,
    path: str, filename: str, options: dict[str, Any], expected: dict[str, str],
) -> None:  # fmt: skip
    """/review add file: downloads through discord.py, reads it by its suffix, indexes it."""
    hits = len(site.hits)
    upload = attachment(site, path, filename)
    requests = await admin.interact(review("add", file=upload, **options))
    assert_deferred_first(requests)
    assert site.hits[hits:] == [path], "downloaded once, from the attachment's URL"
    added, index = requests[-1].json["embeds"]
    assert expected.items() <= fields(added).items()
    rid = expected["Review id"].strip("`")
    assert (reviews_dir / f"{rid}.md").is_file()
    assert fields(index)["Added (1)"] == f"`{rid}`"
    assert private_engine.find_review(rid).film == expected["Film"]
    assert_embed_limits(requests)


async def test_duplicate_is_refused_naming_the_review_that_holds_it(
    admin: Harness, site: Site, reviews_dir: Path
) -> None:
    """The same URL, or the same text as an attachment, is refused with the holder's id."""
    await admin.interact(review("add", url=site.url("/news.html")))
    before = files(reviews_dir)

    requests = await admin.interact(review("add", url=site.url("/news.html")))
    assert_deferred_first(requests)
    assert one_line(requests) == (
        f"Already added: review '{LANTERN}' ({LANTERN}.md) has the URL {site.url('/news.html')}"
    )
    upload = attachment(site, "/news.html", "saved.html")
    requests = await admin.interact(review("add", file=upload))
    assert (
        one_line(requests) == f"Already added: review '{LANTERN}' ({LANTERN}.md) has the same text"
    )
    assert files(reviews_dir) == before


@pytest.mark.parametrize(
    ("permissions", "roles"),
    [(BASIC_PERMS, ()), (BASIC_PERMS, (OTHER_ROLE_ID,))],
    ids=["plain-member", "other-role"],
)
@pytest.mark.parametrize("sub", ["add-url", "add-file", "remove"])
async def test_non_admin_is_refused_before_any_work(
    admin: Harness, site: Site, reviews_dir: Path,
    permissions: int, roles: tuple[int, ...], sub: str,
) -> None:  # fmt: skip
    """Without Manage Server or the admin role: one ephemeral refusal, no defer, nothing read."""
    before, hits = files(reviews_dir), len(site.hits)
    payload = {
        "add-url": lambda: review("add", url=site.url("/news.html"), permissions=permissions,
                                  roles=roles),
        "add-file": lambda: review("add", file=attachment(site, "/amp.html", "a.html"),
                                   permissions=permissions, roles=roles),
        "remove": lambda: review("remove", critic="seat-at-the-high-table",
                                 permissions=permissions, roles=roles),
    }[sub]()  # fmt: skip
    requests = await admin.interact(payload)
    [reply] = requests
    assert reply.json["type"] == 4 and is_ephemeral(reply)
    assert "Manage Server" in reply.message_json["content"]
    assert files(reviews_dir) == before and len(site.hits) == hits


async def test_admin_role_may_add(admin: Harness, site: Site) -> None:
    """The configured admin role is enough without Manage Server."""
    requests = await admin.interact(
        review("add", url=site.url("/amp.html"), permissions=BASIC_PERMS, roles=(ADMIN_ROLE_ID,))
    )
    assert_deferred_first(requests)
    assert requests[-1].json["embeds"][0]["title"] == "Review added: Glass Orchard"


@pytest.mark.parametrize(
    ("options", "message", "fetched"),
    [
        ({"url": "/blog.html"}, "{url} does not say which film it reviews (no schema.org "
         "itemReviewed); give the film: option", True),
        ({"url": "/missing"}, "{url} returned HTTP 404 Not Found", True),
        ({"url": "/login.html"}, "Only 22 words of review text in {url}; at least 150 are "
         "needed (a login wall, a teaser, or not a review?)", True),
        ({"url": "file:///etc/passwd"}, "Only http and https URLs can be added here, not "
         "'file:///etc/passwd'", False),
        ({}, "Give url: (the review's web page) or file: (an attached review file).", False),
        ({"url": "/news.html", "file": "/amp.html"}, "Give url: or file:, not both: one review "
         "at a time.", False),
        ({"file": "/review.pdf"}, "review.pdf is not a review file I can read: attach a .md, "
         ".txt, .html or .htm file.", False),
        ({"file": "/missing"}, "Could not download missing.md from Discord (HTTP 404); try "
         "again.", True),
    ],
    ids=["no-film", "404", "login-wall", "file-url", "no-source", "both", "pdf", "attachment-gone"],
)  # fmt: skip
async def test_bad_input_is_one_ephemeral_line_and_changes_nothing(
    admin: Harness, site: Site, reviews_dir: Path,
    options: dict[str, str], message: str, fetched: bool,
) -> None:  # fmt: skip
    """Each refusal is one ephemeral line; the data folder is untouched."""
    before, hits = files(reviews_dir), len(site.hits)
    kwargs: dict[str, Any] = {}
    url = site.url(options.get("url", "")) if options.get("url", "").startswith("/") else None
    if "url" in options:
        kwargs["url"] = url or options["url"]
    if "file" in options:
        name = Path(options["file"]).name
        kwargs["file"] = attachment(site, options["file"], name if "." in name else name + ".md")
    requests = await admin.interact(review("add", **kwargs))
    assert one_line(requests) == message.format(url=url)
    assert files(reviews_dir) == before
    assert (len(site.hits) > hits) == fetched


async def test_private_address_refused_without_the_setting(
    admin: Harness, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without REVIEWBOT_ALLOW_PRIVATE_URLS=1 a loopback URL is refused and never requested."""
    monkeypatch.delenv("REVIEWBOT_ALLOW_PRIVATE_URLS")
    hits = len(site.hits)
    requests = await admin.interact(review("add", url=site.url("/news.html")))
    assert_deferred_first(requests)
    assert one_line(requests).startswith("Refused to fetch from 127.0.0.1: a loopback address")
    assert len(site.hits) == hits


async def test_remove_deletes_the_file_and_reindexes(
    admin: Harness, reviews_dir: Path, private_engine: Engine
) -> None:
    """/review remove critic: deletes that review's file, reports it, and it is gone from search."""
    target = private_engine.find_review("seat-at-the-high-table")
    requests = await admin.interact(review("remove", critic=target.id))
    assert_deferred_first(requests)
    assert not (reviews_dir / "seat-at-the-high-table.md").exists()
    assert Path(target.path).exists(), "the index recorded the shipped copy: never touched"
    removed, index = requests[-1].json["embeds"]
    assert is_ephemeral(requests[-1])
    assert removed["title"] == f"Review removed: {target.display_name}"
    assert removed["description"] == (
        f"{target.film} ({target.year}) — `{target.id}`, file seat-at-the-high-table.md deleted"
    )
    assert fields(index)["Removed (1)"] == f"`{target.id}`"
    with pytest.raises(UnknownCritic):
        private_engine.find_review(target.id)
    assert_no_pings(requests)
    assert_embed_limits(requests)


async def test_remove_an_unknown_review_is_one_line(admin: Harness, reviews_dir: Path) -> None:
    """An unknown name is refused with suggestions; nothing is deleted."""
    before = files(reviews_dir)
    requests = await admin.interact(review("remove", critic="Nobody At All"))
    assert one_line(requests).startswith("No review by a critic matching 'Nobody At All'.")
    assert files(reviews_dir) == before


async def test_remove_offers_reviews_as_you_type(admin: Harness, private_engine: Engine) -> None:
    """Autocomplete on critic: lists matching reviews, valued by id."""
    opts = [{"type": 3, "name": "critic", "value": "seat", "focused": True}]
    data = {"id": str(snowflake()), "name": "review", "type": 1,
            "options": [{"type": 1, "name": "remove", "options": opts}]}  # fmt: skip
    payload = _interaction(4, data, user_id=USER_ID, permissions=ADMIN, roles=())
    [reply] = await admin.interact(payload)
    assert reply.json["type"] == 8
    values = [c["value"] for c in reply.json["data"]["choices"]]
    assert "seat-at-the-high-table" in values and len(values) <= 25


async def test_remove_only_deletes_the_indexed_file_inside_the_reviews_folder(
    tmp_path: Path,
) -> None:
    """The file is found by content hash inside the folder; outside files and links never are."""
    folder = tmp_path / "reviews"
    folder.mkdir()
    raw = b"---\nfilm: F\n---\nWords.\n"
    outside = tmp_path / "elsewhere" / "r.md"
    outside.parent.mkdir()
    outside.write_bytes(raw)

    def indexed_from(path: Path) -> Review:
        digest = hashlib.sha256(raw).hexdigest()
        return Review(id="r", film="F", body="Words.", path=str(path), content_hash=digest)

    for recorded in (outside, folder / ".." / "elsewhere" / "r.md", tmp_path / "r.txt"):
        with pytest.raises(UserError, match="No file in the reviews folder holds"):
            review_file(indexed_from(recorded), folder)
    (folder / "link.md").symlink_to(outside)
    with pytest.raises(UserError):
        review_file(indexed_from(outside), folder)
    (folder / "sub").mkdir()
    (folder / "sub" / "other.md").write_bytes(b"---\nfilm: G\n---\nOther.\n")
    (folder / "sub" / "r.md").write_bytes(raw)
    assert review_file(indexed_from(outside), folder) == folder / "sub" / "r.md"
    assert outside.exists()


async def test_add_during_another_reindex_writes_and_says_the_index_is_not_updated(
    admin: Harness, site: Site, reviews_dir: Path, private_engine: Engine
) -> None:
    """While a reindex runs, /review add still writes the file and says to /reindex later."""
    inside, release = threading.Event(), threading.Event()

    def progress(stage: str, done: int, total: int) -> None:
        inside.set()
        release.wait(60)

    (reviews_dir / "new-take.md").write_text(  # something for the reindex to embed
        "---\nfilm: Ballerina\ncritic: Nova Critic\n---\n\nA flamethrower of a movie.\n",
        encoding="utf-8",
    )
    running = threading.Thread(target=private_engine.index, kwargs={"on_progress": progress})
    running.start()
    try:
        assert await asyncio.to_thread(inside.wait, 60), "the reindex never reported progress"
        requests = await admin.interact(review("add", url=site.url("/amp.html")))
        assert_deferred_first(requests)
        added, busy = requests[-1].json["embeds"]
        assert added["title"] == "Review added: Glass Orchard"
        assert busy["title"] == "Index not updated yet" and "/reindex" in busy["description"]
        assert (reviews_dir / "glass-orchard-lena-fischer.md").is_file()
    finally:
        release.set()
        await asyncio.to_thread(running.join, 60)


async def test_add_keeps_the_index_size_cap_when_settings_have_one(reviews_dir: Path) -> None:
    """A review the index would reject for its size is refused before anything is written."""
    before = files(reviews_dir)
    add = with_size_cap(Settings(max_review_bytes=300))
    with pytest.raises(IngestError, match="review files are limited to 300"):
        add([Upload("moons.txt", PLAIN_REVIEW.encode())], data_dir=reviews_dir, film="Moons")
    assert files(reviews_dir) == before
    assert with_size_cap(Settings()).keywords == {"max_review_bytes": 1_000_000}
