"""`reviewbot ask` on a terminal: escape sequences from an LLM or a review never reach it.

The LLM is the local OpenAI-compatible server (real openai SDK, streamed); the review is a file
whose front matter and text carry ANSI/OSC sequences. The CLI's plain-text output (answer, names,
quotes, sources, streamed deltas) must carry none of them, and still say what was meant.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.conftest import MODEL_DIR, REVIEWS
from tests.llm_server import FakeLLM, Reply

REAL = "Keanu Reeves shows up as John Wick, but this isn’t his movie, and the film knows it."
# Clear screen, a hidden OSC 8 hyperlink, a window title, a clipboard write, an 8-bit CSI.
HOSTILE = (
    "\x1b[2J\x1b]8;;https://evil.example\x07Click here\x1b]8;;\x07 "
    "\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x9b31mRed\u202eevil"
)
TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: Any) -> Iterator[FakeLLM]:
    """A local OpenAI-compatible server, and the CLI configured to use it on the session index."""
    with FakeLLM() as fake:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("REVIEWBOT_LLM_TIMEOUT", "5")
        monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
        monkeypatch.setenv("REVIEWBOT_DATA_DIR", str(REVIEWS))
        monkeypatch.setenv("REVIEWBOT_INDEX_DIR", str(engine.index_dir))
        yield fake


class Tty(io.StringIO):
    """stdout that says it is a terminal, so the CLI streams the LLM's deltas into it."""

    def isatty(self) -> bool:
        return True


def test_llm_escape_sequences_never_reach_the_terminal(
    server: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    """An LLM reply full of ANSI/OSC sequences prints its words and quote, but no sequence."""
    server.default = Reply(
        f'{HOSTILE} One critic says "{REAL}" [1]. {HOSTILE} "\x1b[5mfake\x1b[0m words" [2].'
    )
    assert main(["ask", "What did critics say about Keanu's cameo?"]) == 0
    out = capsys.readouterr().out
    assert not TERMINAL_CONTROL.search(out), repr(out)
    assert f"“{REAL}” [1]" in out and "Click here" in out and "Sources:" in out


def test_streamed_deltas_are_sanitised_too(
    server: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the reply streams chunk by chunk: no chunk carries a sequence either."""
    server.default = Reply(f'{HOSTILE} One critic says "{REAL}" [1]. {HOSTILE}', words_per_chunk=1)
    tty = Tty()
    monkeypatch.setattr(sys, "stdout", tty)
    assert main(["ask", "What did critics say about Keanu's cameo?"]) == 0
    out = tty.getvalue()
    assert "— verified answer —" in out, "the reply was streamed"
    assert not TERMINAL_CONTROL.search(out), repr(out)


def test_review_with_escape_sequences_prints_clean_names_and_quotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A review file whose critic, outlet and text carry sequences: `critics` and `ask` print
    the names and quotes without them."""
    data = tmp_path / "reviews"
    data.mkdir()
    (data / "hostile.md").write_text(
        '---\nid: hostile\nfilm: "Ballerina"\ncritic: "Eve\\e]0;pwned\\aPolastri"\n'
        'outlet: "\\e[31mRed Reviews\\e[0m"\nurl: "https://example.com/\\e[2Jreview"\n---\n\n'
        "The theatre fight is \x1b[1mthe\x1b[0m best sequence in the film. "
        "Ana de Armas carries every scene\x1b]0;owned\x07 with total conviction.\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    where = ["--data", str(data), "--index", str(tmp_path / "index")]
    main(["index", *where])
    capsys.readouterr()
    assert main(["critics", *where]) == 0
    assert main(["ask", "How is the theatre fight?", "--no-llm", *where]) == 0
    out = capsys.readouterr().out
    assert not TERMINAL_CONTROL.search(out), repr(out)
    assert "Polastri" in out and "best sequence in the film" in out
