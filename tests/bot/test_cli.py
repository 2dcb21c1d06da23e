"""The `reviewbot` command, run for real on temporary indexes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from retrieval import Engine
from tests.conftest import DEV_SET, MODEL_DIR, REVIEWS, ROOT

KEANU = "What did critics say about Keanu's cameo?"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LLM, the shared model cache, and an index folder of this test's own."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEWBOT_MODEL_DIR", str(MODEL_DIR))
    monkeypatch.setenv("REVIEWBOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return tmp_path / "index"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def built_index(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session index over data/reviews (the CLI reads it like its own)."""
    index = tmp_path_factory.mktemp("cli") / "index"
    shutil.copytree(engine.index_dir, index)
    return index


def test_ask_json_has_the_contract_fields(
    env: Path, built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ask --json` prints one document with the documented fields, passages best first."""
    code, out, _ = run(
        capsys, "ask", KEANU, "--json", "--data", str(REVIEWS), "--index", str(built_index)
    )
    assert code == 0
    doc = json.loads(out)
    assert {"question", "answer", "found", "mode", "citations", "passages", "timings_ms"} <= set(
        doc
    )
    assert doc["mode"] == "extractive" and doc["found"] is True
    cite = doc["citations"][0]
    assert set(cite) >= {"n", "review_id", "critic", "outlet", "url", "quote", "verified"}
    scores = [p["score"] for p in doc["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert {"review_id", "text", "score"} <= set(doc["passages"][0])


def test_ask_prints_answer_with_sources(
    env: Path, built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Plain `ask` prints the quoted answer then a Sources list with links."""
    code, out, _ = run(capsys, "ask", "Is Ana de Armas convincing as an action star?",
                       "--data", str(REVIEWS), "--index", str(built_index))  # fmt: skip
    assert code == 0
    assert "“" in out and "[1]" in out
    assert "Sources:" in out and "<https://filmstories.co.uk/" in out


def test_first_use_builds_the_index_and_says_so(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`critics` with no index builds one, says so on stderr, and lists every review."""
    two = tmp_path / "two"  # two short reviews: a full build, but a cheap one
    two.mkdir()
    for name in ("slows-down-four-stars.md", "seat-at-the-high-table.md"):
        shutil.copy(REVIEWS / name, two / name)
    code, out, err = run(capsys, "critics", "--json", "--data", str(two))
    assert code == 0
    assert "building it now (first use)" in err
    rows = json.loads(out)
    assert len(rows) == 2
    assert set(rows[0]) == {
        "review_id", "name", "critic", "outlet", "rating", "url", "film",
        "title", "published", "attributed", "known",
    }  # fmt: skip


def test_summary_matches_name_case_insensitively(
    env: Path, built_index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`summary "film stories" --json` summarises the Film Stories review."""
    code, out, _ = run(capsys, "summary", "film stories", "--json", "--index", str(built_index),
                       "--data", str(REVIEWS))  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert {c["review_id"] for c in doc["citations"]} == {"filmstories-en-pointe-or-tutu-much"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", ""], "question is empty"),
        (["ask", "   "], "question is empty"),
        (["ask", "x" * 1001], "limit is 1000"),
        (["summary", "Flim Storys"], "Did you mean: Film Stories"),
        (["ask", "Story?", "--critic", "nobody at all"], "No review by a critic matching"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(
    env: Path, built_index: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Each bad input: exit 1 and one clear line on stderr, no traceback."""
    code, _, err = run(capsys, *argv, "--data", str(REVIEWS), "--index", str(built_index))
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_data_dir(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing reviews folder is named in a one-line error."""
    code, _, err = run(capsys, "index", "--data", str(tmp_path / "nowhere"))
    assert code == 1 and "nowhere does not exist" in err


def test_bad_review_file_is_reported_and_the_rest_indexed(
    env: Path, built_index: Path, reviews_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken review is named on stderr, the others are indexed, and the exit status is 3."""
    shutil.copytree(built_index, env)  # start from the five reviews already indexed
    (reviews_dir / "broken.md").write_text("---\ncritic: Nobody\n---\nNo film field.\n")
    code, out, err = run(capsys, "index", "--json", "--data", str(reviews_dir))
    assert code == 3
    assert (
        f"rejected {reviews_dir / 'broken.md'}: missing required front matter field 'film'" in err
    )
    report = json.loads(out)
    assert len(report["unchanged"]) == 5 and len(report["rejected"]) == 1


def test_unwritable_index_dir(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index folder that cannot be created is a one-line error naming it."""
    (tmp_path / "afile").write_text("x")
    code, _, err = run(
        capsys, "index", "--data", str(REVIEWS), "--index", str(tmp_path / "afile" / "idx")
    )
    assert code == 1 and "is not writable" in err


def test_index_from_another_model_says_to_reindex(
    env: Path, built_index: Path, reviews_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index built by another embedding model is refused with 'run reviewbot index'."""
    shutil.copytree(built_index, env)
    assert run(capsys, "index", "--data", str(reviews_dir))[0] == 0
    head = json.loads((env / "CURRENT").read_text())
    (env / "CURRENT").write_text(json.dumps({**head, "model": "other/model", "dim": 768}))
    code, _, err = run(capsys, "ask", KEANU, "--data", str(reviews_dir))
    assert code == 1 and "other/model" in err and "reviewbot index" in err


def test_eval_on_the_dev_set_meets_the_quality_bar(built_index: Path) -> None:
    """`reviewbot eval dev.jsonl -k 8` (a real process): the thresholds the issue sets."""
    env = {**os.environ, "REVIEWBOT_MODEL_DIR": str(MODEL_DIR)}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", str(DEV_SET), "-k", "8", "--json",
         "--data", str(REVIEWS), "--index", str(built_index)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    m = doc["metrics"]
    assert m["evidence_recall"] >= 0.85
    assert m["review_recall"] >= 0.95
    assert m["answer_coverage"] >= 0.75
    assert m["verbatim_rate"] == 1.0
    assert m["refusal_accuracy"] == 1.0
    assert m["answerable_refused"] == 0
    assert len(doc["results"]) == 9 and all("output" in r for r in doc["results"])


def test_shipped_dev_set_matches_the_shared_one() -> None:
    """data/eval/dev.jsonl is the shared dev set, byte for byte (when ../shared is beside us)."""
    shipped = ROOT / "data" / "eval" / "dev.jsonl"
    shared = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if not shared.is_file():
        pytest.skip("no ../shared beside this clone; the shipped copy is used as is")
    assert shipped.read_bytes() == shared.read_bytes()


def test_eval_text_report_has_a_legend_and_a_type_table(
    env: Path, built_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`reviewbot eval` without --json explains each metric on its line and breaks down by type."""
    from retrieval.evaluation import LEGEND

    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "question": KEANU, "type": "named",
         "relevant": {"total-banger": ["For me his inclusion was a thrill"]}},
        {"id": "b", "question": "Did anyone mention Donnie Yen?", "type": "unanswerable",
         "answerable": False, "relevant": {}},
    ]  # fmt: skip
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    where = ["--data", str(REVIEWS), "--index", str(built_index)]
    code, out, _ = run(capsys, "eval", str(questions), "--no-llm", *where)
    assert code == 0
    lines = out.splitlines()
    for key, meaning in LEGEND.items():
        assert any(line.startswith(key) and line.endswith(meaning) for line in lines), key
    assert "by type:" in lines
    assert any(line.split()[:1] == ["unanswerable"] for line in lines)
