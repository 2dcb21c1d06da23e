"""`reviewbot add`, run for real: a page served on 127.0.0.1 becomes a review file, is indexed
incrementally, and is quoted under its critic's name; bad input changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import MODEL_DIR, ROOT
from tests.retrieval.ingest.review_site import PLAIN_REVIEW, Site, serve

QUESTION = "How is Rosa Delacroix in The Lighthouse Keeper's Daughter?"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The test review site, for this module."""
    with serve() as s:
        yield s


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LLM, the shared model cache, private URLs allowed (the site is on 127.0.0.1)."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
    monkeypatch.setenv("REVIEWBOT_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return tmp_path / "index"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_add_url_indexes_it_and_ask_quotes_the_critic(
    env: Path, site: Site, reviews_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's worked example: add a served page, then ask quotes it by its critic."""
    where = ("--data", str(reviews_dir), "--index", str(env))
    code, out, err = run(capsys, "add", site.url("/news.html"), *where, "--json")
    assert code == 0, err
    doc = json.loads(out)
    rid = "the-lighthouse-keepers-daughter-maya-ortiz"
    assert {k: v for k, v in doc.items() if k != "index"} == {
        "review_id": rid,
        "path": str(reviews_dir / f"{rid}.md"),
        "film": "The Lighthouse Keeper's Daughter",
        "critic": "Maya Ortiz",
        "outlet": "The Daily Lantern",
        "url": site.url("/news.html"),
        "rating": "4/5",
        "words": 250,
    }
    assert doc["index"]["added"] == sorted([*(p.stem for p in reviews_dir.glob("*.md"))])
    assert doc["index"]["rejected"] == []
    text = (reviews_dir / f"{rid}.md").read_text(encoding="utf-8")
    assert "critic: Maya Ortiz\noutlet: The Daily Lantern\n" in text
    assert "rating: 4/5\n" in text and "film: The Lighthouse Keeper's Daughter\n" in text

    code, out, err = run(capsys, "ask", QUESTION, *where, "--json")
    assert code == 0, err
    answer = json.loads(out)
    cited = [c for c in answer["citations"] if c["review_id"] == rid]
    assert cited and all(c["name"] == "Maya Ortiz (The Daily Lantern)" for c in cited)
    assert all(c["verified"] for c in cited)
    assert "Maya Ortiz (The Daily Lantern)" in answer["answer"]
    assert all(" ".join(c["quote"].split()) in " ".join(text.split()) for c in cited)

    # A second add is incremental: only the new review is embedded.
    code, out, err = run(capsys, "add", site.url("/amp.html"), *where, "--json")
    assert code == 0, err
    index = json.loads(out)["index"]
    assert index["added"] == ["glass-orchard-lena-fischer"] and rid in index["unchanged"]

    code, out, _ = run(capsys, "critics", *where, "--json")
    rows = {r["review_id"]: r for r in json.loads(out)}
    assert rows[rid]["attributed"] is True and rows[rid]["name"] == "Maya Ortiz (The Daily Lantern)"
    assert rows["total-banger"]["name"] == "Unattributed review total-banger"
    assert rows["total-banger"]["known"] == ["year"]


@pytest.mark.parametrize(
    ("path", "extra", "message"),
    [
        ("/login.html", (), "Only 22 words of review text in {url}; at least 150 are needed"),
        ("/blog.html", (), "{url} does not say which film it reviews"),
        ("/missing", (), "{url} returned HTTP 404 Not Found"),
        ("/review.pdf", (), "{url} is application/pdf, not a web page"),
        ("/loop", (), "Too many redirects from {url} (more than 5)"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    env: Path, site: Site, reviews_dir: Path, capsys: pytest.CaptureFixture[str],
    path: str, extra: tuple[str, ...], message: str,
) -> None:  # fmt: skip
    """Exit 1, one line on stderr, the data folder as it was and no index created."""
    before = files(reviews_dir)
    url = site.url(path)
    code, out, err = run(
        capsys, "add", url, *extra, "--data", str(reviews_dir), "--index", str(env)
    )
    assert code == 1 and out == ""
    assert err.startswith("reviewbot: error: " + message.format(url=url))
    assert err.count("\n") == 1
    assert files(reviews_dir) == before
    assert not env.exists()


def test_private_address_refused_without_the_setting(
    env: Path, site: Site, reviews_dir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Without REVIEWBOT_ALLOW_PRIVATE_URLS=1 a loopback URL is refused and never requested."""
    monkeypatch.delenv("REVIEWBOT_ALLOW_PRIVATE_URLS")
    hits = len(site.hits)
    code, _, err = run(capsys, "add", site.url("/news.html"), "--data", str(reviews_dir),
                       "--index", str(env))  # fmt: skip
    assert code == 1
    assert err == (
        "reviewbot: error: Refused to fetch from 127.0.0.1: a loopback address (set "
        "REVIEWBOT_ALLOW_PRIVATE_URLS=1 to allow private and loopback addresses)\n"
    )
    assert len(site.hits) == hits


def test_duplicate_add_names_the_holder(
    env: Path, site: Site, reviews_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Adding the same page twice fails the second time, naming the first review."""
    where = ("--data", str(reviews_dir), "--index", str(env))
    assert run(capsys, "add", site.url("/split.html"), *where, "--dry-run")[0] == 0
    first = reviews_dir / "northbound-priya-raman.md"
    assert not first.exists()
    first.write_text(
        f"---\nfilm: Northbound\nurl: {site.url('/split.html')}\n---\nOther words.\n", "utf-8"
    )
    code, _, err = run(capsys, "add", site.url("/split.html"), *where)
    assert code == 1
    assert err == (
        f"reviewbot: error: Already added: review 'northbound-priya-raman' ({first}) has the "
        f"URL {site.url('/split.html')}\n"
    )


def test_stdin_dry_run_prints_the_file(tmp_path: Path, reviews_dir: Path) -> None:
    """`reviewbot add - --film … --dry-run` reads stdin and prints the file it would write."""
    env = {**os.environ, "REVIEWBOT_MODEL_DIR": str(MODEL_DIR)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "add", "-", "--film", "Paper Moons", "--critic",
         "Jo Bright", "--rating", "3/5", "--dry-run", "--data", str(reviews_dir)],
        input=PLAIN_REVIEW.encode(), capture_output=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    path = reviews_dir / "paper-moons-jo-bright.md"
    assert done.stdout.decode() == (
        f"# would write {path}\n---\nid: paper-moons-jo-bright\nfilm: Paper Moons\n"
        f"critic: Jo Bright\nrating: 3/5\n---\n\n{PLAIN_REVIEW.strip()}\n\n"
    )
    assert not path.exists()
