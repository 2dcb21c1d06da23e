"""Issue 9's quote bypasses, each sent verbatim by a local OpenAI-compatible server to the real
openai SDK and run through `reviewbot ask --json`: none may come out as a cited, quoted claim.

Each reply is delivered two ways: in many small chunks (a quote split across chunks) and whole
in one chunk. Today's client always streams; were it to ask for a plain JSON completion, the
server (tests/llm_server.py) would send the same text that way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.answer.quotes import normalize
from tests.conftest import MODEL_DIR, REVIEWS
from tests.llm_server import FakeLLM, Reply

REAL = "Keanu Reeves shows up as John Wick, but this isn’t his movie, and the film knows it."
FAKE = "Ballerina is a flawless masterpiece of the genre"
OWN = (
    "Ballerina is not a masterpiece of modern action cinema, but it is a lot of fun. "
    "I would never recommend it to anyone. The fights go on and on."
)

# name → (the reply's sentence holding the bypass, the words shown as a quote).
BYPASSES = {
    "negation-dropped": (
        "Seat at the high table says “any of Len Wiseman's action beforehand is bad” [1].",
        "any of Len Wiseman's action beforehand is bad",
    ),
    "not-a-masterpiece": (
        "Pat Tester calls it “a masterpiece of modern action cinema” [1].",
        "a masterpiece of modern action cinema",
    ),
    "ellipsis-splice-isnt": (
        "Film Stories writes “Ballerina isn't … a masterpiece” [1].",
        "Ballerina isn't … a masterpiece",
    ),
    "ellipsis-splice-never": (
        "Pat Tester writes “I would … recommend it to anyone” [1].",
        "I would … recommend it to anyone",
    ),
    "line-break-inside": (
        "One critic wrote “Ballerina is a flawless\nmasterpiece of the genre” [1].",
        FAKE,
    ),
    "guillemets": (f"One critic wrote «{FAKE}» [1].", FAKE),
    "single-curly": (f"One critic wrote ‘{FAKE}’ [1].", FAKE),
    "fullwidth": (f"One critic wrote ＂{FAKE}＂ [1].", FAKE),
    "blockquote": (f"One critic wrote:\n> {FAKE} [1]\n", FAKE),
}
DELIVERY = {"chunked": 2, "one-chunk": 10**6}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(data, index): the shipped reviews plus one of our own with negated sentences, indexed."""
    root = tmp_path_factory.mktemp("bypass")
    data, index = root / "reviews", root / "index"
    shutil.copytree(REVIEWS, data)
    (data / "pat-tester.md").write_text(
        f'---\nid: pat-tester\nfilm: "Ballerina"\ncritic: Pat Tester\n---\n\n{OWN}\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["REVIEWBOT_MODEL_DIR"] = str(MODEL_DIR)
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "index", "--data", str(data), "--index", str(index)],
        check=True, capture_output=True, env=env, cwd=root,
    )  # fmt: skip
    return data, index


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeLLM]:
    """A local OpenAI-compatible server, and the CLI configured to use it."""
    with FakeLLM(api_key="sk-test") as fake:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("REVIEWBOT_LLM_TIMEOUT", "10")
        monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
        yield fake


def ask(corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    data, index = corpus
    question = "What do the critics think of Ballerina?"
    assert main(["ask", question, "--json", "--data", str(data), "--index", str(index)]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def shown_as_quote(answer: str, words: str) -> bool:
    """Are `words` (up to a trailing . or ,) the whole of a quoted span, in any mark style, or a
    blockquote line of the answer?"""
    want = normalize(words).rstrip(".,")
    spans = re.findall(r"[“\"«»＂‘„〝](.+?)[”\"»«＂’“〞]", answer, flags=re.DOTALL)
    spans += [line.lstrip("> ") for line in answer.splitlines() if line.lstrip().startswith(">")]
    return any(normalize(s).rstrip(".,") == want for s in spans)


@pytest.mark.parametrize("delivery", DELIVERY.values(), ids=DELIVERY.keys())
@pytest.mark.parametrize("bypass", BYPASSES.values(), ids=BYPASSES.keys())
def test_bypass_is_not_shown_as_a_cited_quote(
    corpus: tuple[Path, Path],
    server: FakeLLM,
    capsys: pytest.CaptureFixture[str],
    bypass: tuple[str, str],
    delivery: int,
) -> None:
    """The crafted quote is not cited, not in quote marks in the answer, and counted dropped."""
    sentence, words = bypass
    server.default = Reply(f"A critic says “{REAL}” [2].\n{sentence}", words_per_chunk=delivery)
    doc = ask(corpus, capsys)
    assert doc["mode"] == "llm" and doc["fallback_reason"] is None
    assert server.requests and server.requests[0]["json"]["stream"] is True
    cited = [normalize(c["quote"]) for c in doc["citations"]]
    assert normalize(REAL) in cited
    assert normalize(words) not in cited
    assert not shown_as_quote(doc["answer"], words), doc["answer"]
    assert not re.search(r"^\s*>", doc["answer"], flags=re.MULTILINE)
    assert doc["quotes"]["dropped"] == 1
