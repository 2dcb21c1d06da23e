"""CLI conventions, one test each, mostly by running `reviewbot` as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.engine import Engine
from tests.conftest import MODEL_DIR, REVIEWS, ROOT

KEANU = "What did critics say about Keanu's cameo?"
TINY_REVIEW = """---
id: tiny
film: Ballerina
critic: Tiny Critic
---
The action in Ballerina is relentless and the choreography is inventive from start to finish.
"""


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWBOT_", "OPENAI_"))}
    env.pop("TIKTOKEN_CACHE_DIR", None)
    env.update({"REVIEWBOT_MODEL_DIR": str(MODEL_DIR), "PYTHONPATH": str(ROOT), **extra})
    return env


def reviewbot(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        capture_output=True, text=True, env=env or cli_env(), cwd=ROOT, check=False, timeout=300,
    )  # fmt: skip


def test_version() -> None:
    """`reviewbot --version` prints the package version on stdout and exits 0."""
    from importlib.metadata import version

    proc = reviewbot("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"reviewbot {version('reviewbot')}"


def test_bare_command_prints_help_to_stderr_and_exits_2() -> None:
    """No command is a usage error: the help goes to stderr, nothing to stdout, exit 2."""
    proc = reviewbot()
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("usage: reviewbot") and "COMMAND" in proc.stderr


@pytest.mark.parametrize(
    ("argv", "env", "needle"),
    [
        (["ask", "x", "-k", "0"], {}, "argument -k: must be at least 1, got 0"),
        (["ask", "x", "-k", "-3"], {}, "argument -k: must be at least 1, got -3"),
        (["ask", "x", "-k", "many"], {}, "argument -k: 'many' is not a whole number"),
        (["ask", "x"], {"REVIEWBOT_K": "0"}, "REVIEWBOT_K='0'"),
        (["critics"], {"REVIEWBOT_K": "abc"}, "REVIEWBOT_K='abc'"),
        (["feedback", "--since", "soon"], {}, "argument --since: 'soon' is not a duration"),
        (["nonsense"], {}, "invalid choice: 'nonsense'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], env: dict[str, str], needle: str
) -> None:
    """Bad option values and bad environment values: exit 2, exactly one line on stderr."""
    proc = reviewbot(*argv, env=cli_env(**env))
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr
    if "REVIEWBOT_K" in env:
        assert "-k" not in proc.stderr  # the variable is named, not the flag


def test_global_options_before_or_after_the_command(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--json --data --index` work before the command and after it, with the same result."""
    where = ["--data", str(REVIEWS), "--index", str(engine.index_dir)]
    assert main(["--json", *where, "critics"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["critics", "--json", *where]) == 0
    after = json.loads(capsys.readouterr().out)
    assert main(["--json", "critics", *where]) == 0
    mixed = json.loads(capsys.readouterr().out)
    assert before == after == mixed and len(before) == 5


def test_closed_stdout_is_a_quiet_exit(engine: Engine) -> None:
    """`reviewbot ask … --json | head -c 20`: no traceback, exit 0 or 141 (and 141 if closed)."""
    env = cli_env(REVIEWBOT_DATA_DIR=str(REVIEWS), REVIEWBOT_INDEX_DIR=str(engine.index_dir))
    shell = subprocess.run(
        ["bash", "-c", 'set -o pipefail; "$0" -m bot.cli ask "$1" --json | head -c 20',
         sys.executable, KEANU],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=300,
    )  # fmt: skip
    assert shell.returncode in (0, 141), shell.stderr
    assert len(shell.stdout) == 20 and shell.stderr == ""
    # The reader gone before the first byte is written: always a broken pipe.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", KEANU, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert err == ""


def test_rejected_file_is_reported_once(tmp_path: Path) -> None:
    """A rejected review file is named once on stderr (no second log line), exit 3."""
    data = tmp_path / "reviews"
    data.mkdir()
    (data / "tiny.md").write_text(TINY_REVIEW)
    (data / "broken.md").write_text("---\ncritic: Nobody\n---\nNo film field.\n")
    proc = reviewbot("index", "--data", str(data), "--index", str(tmp_path / "index"))
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("broken.md") == 1 and "rejected" in proc.stderr


def test_llm_fallback_reason_once_and_tiktoken_warning_at_most_once(engine: Engine) -> None:
    """LLM unreachable: the reason is printed once (stdout), tiktoken warns ≤ once, one line."""
    env = cli_env(
        REVIEWBOT_DATA_DIR=str(REVIEWS), REVIEWBOT_INDEX_DIR=str(engine.index_dir),
        OPENAI_BASE_URL="http://127.0.0.1:9/v1", REVIEWBOT_LLM_MAX_RETRIES="0",
        REVIEWBOT_LLM_TIMEOUT="3",
    )  # fmt: skip
    proc = reviewbot("ask", KEANU, env=env)
    assert proc.returncode == 0, proc.stderr
    both = proc.stdout + proc.stderr
    assert proc.stdout.count("LLM unavailable") == 1
    assert both.count("could not reach") == 1
    tiktoken_lines = [line for line in proc.stderr.splitlines() if "tiktoken" in line]
    assert len(tiktoken_lines) <= 1 and "Traceback" not in proc.stderr


def test_a_failed_run_creates_no_index_folder(tmp_path: Path) -> None:
    """A mistyped --data fails with one line and leaves no empty index folder behind."""
    index = tmp_path / "state" / "index"
    proc = reviewbot("index", "--data", str(tmp_path / "nowhere"), "--index", str(index))
    assert proc.returncode == 1 and "nowhere does not exist" in proc.stderr
    assert not (tmp_path / "state").exists()


def test_max_review_bytes_setting_is_the_indexers_limit_too(tmp_path: Path) -> None:
    """REVIEWBOT_MAX_REVIEW_BYTES caps what `reviewbot index` reads, as it caps `add`: a file
    over it is rejected with the limit named, the others are indexed."""
    data = tmp_path / "reviews"
    data.mkdir()
    (data / "tiny.md").write_text(TINY_REVIEW)
    long = TINY_REVIEW.replace("id: tiny", "id: long") + "More words. " * 40
    (data / "long.md").write_text(long)
    env = cli_env(REVIEWBOT_MAX_REVIEW_BYTES="400")
    proc = reviewbot("index", "--data", str(data), "--index", str(tmp_path / "index"), env=env)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("long.md") == 1 and "the limit is 400" in proc.stderr
    assert "tiny.md" not in proc.stderr
