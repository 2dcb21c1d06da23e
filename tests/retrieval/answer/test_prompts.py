"""Prompt templates load from prompts/ and refuse to render with a placeholder unfilled."""

from __future__ import annotations

import pytest

from retrieval import prompts
from retrieval.prompts import MissingPromptValue


def test_missing_variable_fails_loudly_naming_it():
    """Rendering without a placeholder's value raises MissingPromptValue naming it."""
    with pytest.raises(MissingPromptValue, match=r"\$question"):
        prompts.render("answer", passages="<passage>...</passage>")


def test_values_are_inserted_verbatim_even_with_dollars():
    """A '$' in inserted review text is not treated as a placeholder."""
    text = prompts.render("answer", passages="it cost $50 and ${more}", question="Q?")
    assert "it cost $50 and ${more}" in text and "Question: Q?" in text


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("system", {"not_found": "NOT_FOUND:", "max_words": 200}),
        ("answer", {"passages": "P", "question": "Q"}),
        ("summary", {"passages": "P", "question": "Q", "name": "N", "max_words": 120}),
        ("passage", {"n": 1, "name": "N", "outlet": "O", "film": "F", "text": "T"}),
    ],
)
def test_every_shipped_template_renders_with_its_documented_values(name, values):
    """Each template in prompts/ renders with exactly the values llm.py passes."""
    assert "$" not in prompts.render(name, **values)


def test_a_template_in_another_folder_can_be_loaded(tmp_path):
    """The loader reads any folder's <name>.txt (used to try prompt variants)."""
    (tmp_path / "hello.txt").write_text("Hi $who", encoding="utf-8")
    assert prompts.render("hello", tmp_path, who="there") == "Hi there"
