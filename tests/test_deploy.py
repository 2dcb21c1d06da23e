"""The deployment files, parsed: `docker build` cannot run here, so their promises are read.

deploy/check-dockerfile-steps.sh replays the Dockerfile's RUN steps in a throwaway venv (minutes;
not part of `make test`).
"""

from __future__ import annotations

import configparser
import json
import re
import shlex

import yaml

from tests.conftest import ROOT


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def env() -> dict[str, str]:
    found: dict[str, str] = {}
    for word, rest in instructions():
        if word == "ENV":
            found.update(pair.split("=", 1) for pair in shlex.split(rest))  # type: ignore[misc]
    return found


def test_base_image_and_torch_pin_before_the_project() -> None:
    """python:3.11-slim; CPU torch==2.13.0 installed in a RUN before the project's install."""
    steps = instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [rest for word, rest in steps if word == "RUN"]
    torch = next(i for i, r in enumerate(runs) if "torch==2.13.0" in r)
    project = next(i for i, r in enumerate(runs) if re.search(r"pip install (-e )?/app\b", r))
    assert torch < project
    assert "TORCH_INDEX_URL" in runs[torch]
    args = [rest for word, rest in steps if word == "ARG"]
    assert "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in args


def test_model_exported_at_build_time_into_the_model_dir() -> None:
    """A RUN step exports the ONNX model into REVIEWBOT_MODEL_DIR after the project install."""
    runs = [rest for word, rest in instructions() if word == "RUN"]
    export = next(i for i, r in enumerate(runs) if "export_onnx" in r)
    assert env()["REVIEWBOT_MODEL_DIR"] in runs[export]
    assert export > next(i for i, r in enumerate(runs) if "pip install -e /app" in r)


def test_runs_as_a_non_root_user_with_data_and_index_on_volumes() -> None:
    """USER is set, not root, before CMD; the reviews and the index/votes folders are volumes."""
    steps = instructions()
    users = [(i, rest) for i, (word, rest) in enumerate(steps) if word == "USER"]
    assert users and users[-1][1] not in ("root", "0")
    cmd_at = next(i for i, (word, _) in enumerate(steps) if word == "CMD")
    assert users[-1][0] < cmd_at
    volumes = [v for word, rest in steps if word == "VOLUME" for v in json.loads(rest)]
    settings = env()
    for key in ("REVIEWBOT_DATA_DIR", "REVIEWBOT_INDEX_DIR", "REVIEWBOT_FEEDBACK_DB"):
        assert any(settings[key] == v or settings[key].startswith(v + "/") for v in volumes), key


def test_command_and_health_check() -> None:
    """CMD runs the bot; HEALTHCHECK runs `reviewbot doctor` without calling the LLM."""
    steps = dict(instructions())
    assert json.loads(steps["CMD"]) == ["reviewbot", "discord"]
    assert '"reviewbot", "doctor", "--skip-llm"' in steps["HEALTHCHECK"]


def test_secrets_stay_out_of_the_image() -> None:
    """.dockerignore keeps .env, the local venv and index out of the build context."""
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv/", ".reviewbot/"} <= set(ignored)


def test_compose_and_systemd_unit() -> None:
    """Compose: .env, both volumes, a restart policy; the unit: dir, venv, env file, restart."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["reviewbot"]
    assert service["env_file"] == ".env" and service["restart"] == "unless-stopped"
    targets = {v.split(":")[1] for v in service["volumes"]}
    assert {"/data/reviews", "/var/lib/reviewbot"} <= targets
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "reviewbot.service")
    svc = unit["Service"]
    assert svc["ExecStart"].endswith(".venv/bin/reviewbot discord")
    assert svc["WorkingDirectory"] and svc["EnvironmentFile"] and svc["User"] != "root"
    assert svc["Restart"] == "on-failure"
