"""👍/👎 votes on answers, kept in a small SQLite database next to the index.

Two tables, so a vote can be traced to what was shown even after a restart:

- `answers`: one row per answer sent (its id, the question id, mode, the passages and reviews it
  used), written by whoever sends the answer (`record_answer`);
- `votes`: one row per user per answer (`record_vote`), keyed by the answer id the button
  carries; a user's second click replaces their first (the newest click is their vote).

The database is in WAL mode with a busy timeout, so the bot and a `reviewbot feedback` process can
use it at the same time; every write is its own short transaction. User ids are never stored:
only `user_hash(id)`, a salted SHA-256 whose salt is created once per database.

Answer ids: `answer_id(snowflake)` — the Discord interaction (or message) id in base 36, short
enough for an embed footer and derivable from the button's custom id after a restart.

Wired in the Discord adapter (`bot/discord/feedback.py`, `reply.answer_to`), every call through
`asyncio.to_thread`: when an answer is sent, `answer {aid}` ends its embed footer and
`record_answer_sent(aid, answer, question_id=…, guild_id=…)` stores it; a 👍/👎 click (its custom
id carries the question id) calls `record_vote(answer_id(question_id), …)`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import string
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (
    answer_id   TEXT PRIMARY KEY,
    question_id TEXT,
    guild_id    INTEGER,
    mode        TEXT,
    passage_ids TEXT NOT NULL DEFAULT '[]',
    review_ids  TEXT NOT NULL DEFAULT '[]',
    created     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    id        INTEGER PRIMARY KEY,
    answer_id TEXT NOT NULL,
    vote      INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    user_hash TEXT NOT NULL,
    guild_id  INTEGER,
    quote_n   INTEGER,
    created   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS votes_created ON votes (created);
"""

# The buttons' custom ids say "up"/"down".
VOTES = {"up": 1, "down": -1}
_DIGITS = string.digits + string.ascii_lowercase
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def answer_id(snowflake: int) -> str:
    """The per-answer id: the interaction/message snowflake in base 36 (e.g. `2yw3kq5x1c0w`)."""
    if snowflake < 0:
        raise ValueError("a snowflake is never negative")
    out = ""
    while True:
        snowflake, rest = divmod(snowflake, 36)
        out = _DIGITS[rest] + out
        if not snowflake:
            return out


def parse_duration(text: str) -> float:
    """`90s`, `30m`, `12h`, `7d`, `2w` → seconds; ValueError with a readable message otherwise."""
    text = text.strip().lower()
    unit = _DURATION_UNITS.get(text[-1:]) if text else None
    number = text[:-1]
    if unit is None or not number.isdigit() or int(number) <= 0:
        raise ValueError(f"{text!r} is not a duration like 30m, 12h, 7d or 2w")
    return int(number) * unit


@dataclass(frozen=True)
class Vote:
    """One click, with what the answer used (empty when the answer was never recorded)."""

    answer_id: str
    vote: int
    user_hash: str
    guild_id: int | None
    quote_n: int | None
    time: str  # ISO 8601, UTC
    question_id: str | None
    mode: str | None
    passage_ids: list[str]
    review_ids: list[str]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Recorded:
    """What `record_vote` did: the user's earlier vote it replaced (None: a first vote), and
    whether the answer voted on is in the database."""

    previous: int | None
    answer_known: bool


class FeedbackStore:
    """The votes database at `path` (created on first use, with its folder)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._salt: str | None = None

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection per call: cheap, and safe from the bot's worker threads.
        with closing(sqlite3.connect(self.path, timeout=10.0)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.executescript(_SCHEMA)
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn

    def salt(self) -> str:
        """This database's random salt for user hashes (created once, then kept)."""
        if self._salt is None:
            with self._db() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('user_salt', ?)",
                    (secrets.token_hex(16),),
                )
                row = conn.execute("SELECT value FROM meta WHERE key = 'user_salt'").fetchone()
            self._salt = str(row[0])
        return self._salt

    def user_hash(self, user_id: int) -> str:
        """A stable pseudonym for a Discord user: never the raw id."""
        return user_hash(user_id, self.salt())

    def record_answer(
        self,
        answer_id: str,
        *,
        question_id: str | int | None,
        guild_id: int | None,
        mode: str,
        passage_ids: Sequence[str] = (),
        review_ids: Sequence[str] = (),
    ) -> None:
        """Remember what an answer used, so later votes on it can be traced."""
        with self._db() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    answer_id,
                    None if question_id is None else str(question_id),
                    guild_id,
                    mode,
                    json.dumps(list(passage_ids)),
                    json.dumps(list(review_ids)),
                    time.time(),
                ),
            )

    def record_answer_sent(
        self, answer_id: str, answer: Answer, *, question_id: str | int, guild_id: int | None
    ) -> None:
        """`record_answer` for a retrieval Answer: its retrieved passages and cited reviews."""
        cited = [c.review_id for c in answer.citations]
        self.record_answer(
            answer_id,
            question_id=question_id,
            guild_id=guild_id,
            mode=answer.mode,
            passage_ids=[p.passage.id for p in answer.passages],
            review_ids=list(dict.fromkeys(cited)),
        )

    def record_vote(
        self,
        answer_id: str,
        vote: int,
        *,
        user_id: int,
        guild_id: int | None,
        quote_n: int | None = None,
    ) -> Recorded:
        """Store a 👍 (+1) or 👎 (-1) on an answer (optionally on its quote `[quote_n]`).

        One vote per user per answer (per quote): a later click replaces the user's earlier vote
        there, and its time becomes the click's. Says what it replaced and whether the answer
        itself was recorded (a vote on an unknown answer is kept all the same).
        """
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        who = self.user_hash(user_id)
        with self._db() as conn:
            # One write transaction from the first read: two processes cannot both miss the
            # earlier vote and insert a second one.
            conn.execute("BEGIN IMMEDIATE")
            where = "answer_id = ? AND user_hash = ? AND quote_n IS ?"
            row = conn.execute(
                f"SELECT vote FROM votes WHERE {where} ORDER BY created DESC, id DESC LIMIT 1",
                (answer_id, who, quote_n),
            ).fetchone()
            conn.execute(f"DELETE FROM votes WHERE {where}", (answer_id, who, quote_n))
            conn.execute(
                "INSERT INTO votes (answer_id, vote, user_hash, guild_id, quote_n, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (answer_id, vote, who, guild_id, quote_n, time.time()),
            )
            known = conn.execute(
                "SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)
            ).fetchone()
        return Recorded(previous=None if row is None else int(row[0]), answer_known=bool(known))

    def votes(self, since_seconds: float | None = None) -> list[Vote]:
        """Votes, oldest first; only those of the last `since_seconds` when given."""
        if not self.path.exists():
            return []  # reading never creates the database
        cutoff = 0.0 if since_seconds is None else time.time() - since_seconds
        with self._db() as conn:
            rows = conn.execute(
                "SELECT v.answer_id, v.vote, v.user_hash, v.guild_id, v.quote_n, v.created, "
                "a.question_id, a.mode, a.passage_ids, a.review_ids "
                "FROM votes v LEFT JOIN answers a ON a.answer_id = v.answer_id "
                "WHERE v.created >= ? ORDER BY v.created, v.id",
                (cutoff,),
            ).fetchall()
        return [
            Vote(
                answer_id=r[0],
                vote=r[1],
                user_hash=r[2],
                guild_id=r[3],
                quote_n=r[4],
                time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r[5])),
                question_id=r[6],
                mode=r[7],
                passage_ids=json.loads(r[8]) if r[8] else [],
                review_ids=json.loads(r[9]) if r[9] else [],
            )
            for r in rows
        ]


def user_hash(user_id: int, salt: str) -> str:
    """sha256(salt:user id), shortened: stable per deployment, not reversible without the salt."""
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:16]
