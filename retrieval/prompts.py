"""Prompt templates: files in `prompts/` with `$var` placeholders.

`render(name, **values)` fills `prompts/<name>.txt` with `string.Template.substitute`, so a
placeholder without a value fails loudly (`MissingPromptValue`) instead of reaching the model as
a literal `$var`. Values are inserted as-is and never re-scanned, so a `$` in review text is safe.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from string import Template

log = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


class MissingPromptValue(KeyError):
    """A template names a placeholder the caller did not supply (a bug, not a user error)."""

    def __init__(self, template: str, name: str) -> None:
        self.template = template
        self.name = name
        super().__init__(f"prompt {template!r} needs a value for ${name}")

    def __str__(self) -> str:
        return str(self.args[0])


@functools.cache
def load(name: str, directory: Path = PROMPTS_DIR) -> Template:
    """The template `<directory>/<name>.txt` (read once)."""
    return Template((directory / f"{name}.txt").read_text(encoding="utf-8"))


def render(name: str, directory: Path = PROMPTS_DIR, /, **values: object) -> str:
    """Fill template `name`; raises `MissingPromptValue` naming the first missing placeholder."""
    try:
        return load(name, directory).substitute(values)
    except KeyError as err:
        raise MissingPromptValue(name, str(err.args[0])) from None
