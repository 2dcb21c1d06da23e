"""The shape of the code: no import circle, bot/ uses retrieval's public API, files stay short."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import retrieval

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("retrieval", "bot")
LONG = 330  # "about 300 lines": beyond this a file says why at its top
LONG_REASON = "Long because"


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, *, runtime_only: bool) -> list[tuple[str, list[str]]]:
    """(module, imported names) for every import in the file; TYPE_CHECKING blocks are skipped
    when `runtime_only` (they never run)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if runtime_only and isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((a.name, []) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                found.append((base, [a.name for a in child.names]))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for base, names in _imports(name, path, runtime_only=True):
            targets = [f"{base}.{n}" for n in names if f"{base}.{n}" in modules]
            if len(targets) < len(names) and base in modules:
                targets.append(base)
            graph[name].update(t for t in targets if t != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            connect(v)
    return out


def test_no_import_circle_in_retrieval_or_bot() -> None:
    """Following every runtime import (function-level ones too) never leads back to a module."""
    graph = _graph()
    assert graph["bot.discord.cogs.ask"] >= {"bot.discord.client", "bot.discord.reply"}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check above can fail: a two-module loop is reported."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_retrieval_never_imports_discord_or_bot() -> None:
    """The core stays adapter-free."""
    for name, path in _modules().items():
        if name.startswith("retrieval"):
            bases = [b for b, _ in _imports(name, path, runtime_only=False)]
            assert not [b for b in bases if b.split(".")[0] in {"discord", "bot"}], name


def test_bot_imports_only_retrieval_public_names() -> None:
    """bot/ imports `from retrieval import X` with X in `retrieval.__all__`, nothing deeper."""
    public = set(retrieval.__all__)
    for name, path in _modules().items():
        if not name.startswith("bot"):
            continue
        for base, names in _imports(name, path, runtime_only=False):
            if base.split(".")[0] != "retrieval":
                continue
            assert base == "retrieval", f"{name} imports {base}"
            assert set(names) <= public, f"{name} imports {set(names) - public}"


@pytest.mark.parametrize("name", sorted(retrieval.__all__))
def test_every_public_name_resolves(name: str) -> None:
    """Each name in `retrieval.__all__` loads."""
    assert getattr(retrieval, name) is not None


def test_files_stay_short_or_say_why() -> None:
    """No file in retrieval/ or bot/ runs past ~300 lines without a reason at its top."""
    for name, path in _modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > LONG:
            assert any(LONG_REASON in line for line in lines[:30]), f"{name}: {len(lines)} lines"
