"""Votes in a real SQLite file: traced to answers, kept across restarts, shared by processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.feedback import VOTES, FeedbackStore, answer_id, parse_duration, user_hash
from retrieval.engine import Engine
from tests.conftest import ROOT

WRITER = """
import sys
from pathlib import Path
from bot.feedback import FeedbackStore
store = FeedbackStore(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    store.record_vote("other", -1, user_id=i, guild_id=2)
"""


def test_answer_ids_are_short_base36_snowflakes() -> None:
    """answer_id() is the snowflake in base 36: short, unique, digits and lower-case letters."""
    assert answer_id(0) == "0" and answer_id(35) == "z" and answer_id(36) == "10"
    snowflake = 1_311_000_000_000_000_000
    assert int(answer_id(snowflake), 36) == snowflake and len(answer_id(snowflake)) <= 13


def test_durations() -> None:
    """--since accepts s/m/h/d/w and refuses anything else."""
    assert parse_duration("90s") == 90 and parse_duration("7d") == 7 * 86400
    for bad in ("", "7", "d", "-1d", "0h", "1y"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_a_vote_is_traced_to_its_answer_and_survives_a_new_store(tmp_path: Path) -> None:
    """record_answer + record_vote, read back by a fresh store: passages, quote, hashed user."""
    db = tmp_path / "feedback.sqlite3"
    first = FeedbackStore(db)
    first.record_answer(
        "abc", question_id=123, guild_id=9, mode="llm",
        passage_ids=["p:1", "p:2"], review_ids=["r1"],
    )  # fmt: skip
    first.record_vote("abc", -1, user_id=555, guild_id=9, quote_n=2)
    first.record_vote("never-recorded", 1, user_id=556, guild_id=None)
    votes = FeedbackStore(db).votes()  # a new process would do exactly this
    assert [v.answer_id for v in votes] == ["abc", "never-recorded"]
    v = votes[0]
    assert (v.vote, v.quote_n, v.mode, v.question_id) == (-1, 2, "llm", "123")
    assert v.passage_ids == ["p:1", "p:2"] and v.review_ids == ["r1"]
    # The pseudonym, never the id (a substring test would fail 0.3% of the time: a random
    # 16-hex-digit hash contains "555" by chance).
    assert v.user_hash == user_hash(555, FeedbackStore(db).salt()) != "555"
    assert votes[1].mode is None and votes[1].passage_ids == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = conn.execute("SELECT * FROM votes").fetchall()
    assert rows and not any(value in (555, "555") for row in rows for value in row)
    with pytest.raises(ValueError):
        first.record_vote("abc", 0, user_id=1, guild_id=None)


def test_since_keeps_only_recent_votes(tmp_path: Path) -> None:
    """votes(since) drops older rows; reading a missing database creates nothing."""
    db = tmp_path / "sub" / "feedback.sqlite3"
    assert FeedbackStore(db).votes() == [] and not db.parent.exists()
    store = FeedbackStore(db)
    store.record_vote("old", 1, user_id=1, guild_id=1)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE votes SET created = ?", (time.time() - 3 * 86400,))
    store.record_vote("new", 1, user_id=1, guild_id=1)
    assert [v.answer_id for v in store.votes(parse_duration("1d"))] == ["new"]
    assert len(store.votes()) == 2


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    """A second process writing while this one writes: every vote lands (WAL + busy timeout)."""
    db = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(db)
    store.salt()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "200"], env=env)
    for i in range(200):
        store.record_vote("mine", 1, user_id=i, guild_id=1)
    assert writer.wait(timeout=120) == 0
    votes = store.votes()
    assert sum(v.answer_id == "mine" for v in votes) == 200
    assert sum(v.answer_id == "other" for v in votes) == 200


def test_cli_feedback_lists_votes_as_json_and_text(tmp_path: Path) -> None:
    """`reviewbot feedback --json` (a real process) prints a list of vote objects; text too."""
    db = tmp_path / "votes.sqlite3"
    store = FeedbackStore(db)
    store.record_answer("k3x", question_id=1, guild_id=4, mode="extractive", review_ids=["r"])
    store.record_vote("k3x", -1, user_id=77, guild_id=4)
    env = {**os.environ, "REVIEWBOT_FEEDBACK_DB": str(db)}

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "feedback", *argv],
            capture_output=True, text=True, env=env, cwd=ROOT, check=False,
        )  # fmt: skip

    proc = cli("--json", "--since", "7d")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == 1 and rows[0]["answer_id"] == "k3x" and rows[0]["vote"] == -1
    assert set(rows[0]) >= {"time", "user_hash", "guild_id", "mode", "review_ids", "quote_n"}
    text = cli()
    assert text.returncode == 0 and "👎 answer k3x" in text.stdout and "1 vote(s)" in text.stdout


def test_a_real_answer_is_recorded_as_sent_and_voted_on(engine: Engine, tmp_path: Path) -> None:
    """The Discord wiring's two calls: record_answer_sent(Answer) then a 👎 from a button."""
    answer = engine.ask("Is the action exhausting?", use_llm=False)
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    aid = answer_id(1_311_000_000_000_000_042)
    store.record_answer_sent(aid, answer, question_id=1_311_000_000_000_000_042, guild_id=3)
    store.record_vote(aid, VOTES["down"], user_id=8, guild_id=3)
    (vote,) = FeedbackStore(store.path).votes()
    assert vote.vote == -1 and vote.mode == "extractive"
    assert vote.passage_ids == [p.passage.id for p in answer.passages]
    assert vote.review_ids and set(vote.review_ids) <= {c.review_id for c in answer.citations}


def test_one_vote_per_user_per_answer_the_newest_wins(tmp_path: Path) -> None:
    """A user's second vote on an answer replaces the first; other users and quotes are apart."""
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.record_answer("a1", question_id=1, guild_id=2, mode="extractive")
    first = store.record_vote("a1", -1, user_id=5, guild_id=2)
    same = store.record_vote("a1", -1, user_id=5, guild_id=2)
    changed = store.record_vote("a1", 1, user_id=5, guild_id=2)
    assert (first.previous, same.previous, changed.previous) == (None, -1, -1)
    assert first.answer_known and not store.record_vote("zz", 1, user_id=5, guild_id=2).answer_known
    store.record_vote("a1", -1, user_id=6, guild_id=2)
    store.record_vote("a1", -1, user_id=5, guild_id=2, quote_n=1)
    got = {(v.answer_id, v.vote, v.quote_n, v.user_hash) for v in store.votes()}
    h5, h6 = store.user_hash(5), store.user_hash(6)
    assert got == {
        ("a1", 1, None, h5),
        ("a1", -1, None, h6),
        ("a1", -1, 1, h5),
        ("zz", 1, None, h5),
    }
    assert len(store.votes()) == 4
