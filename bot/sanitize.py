"""Make text from reviews or an LLM safe to show: pure functions, no I/O.

    for_discord(text)  -> markdown-escaped text: no masked link hides its target, no code fence
                          or other markup opens, no @everyone/@here/role/user mention syntax
    for_terminal(text) -> text without ANSI/OSC escape sequences or control characters

Both also drop Unicode bidirectional overrides, which can make text read differently from what it
is ("Trojan Source"). Apply them to the untrusted pieces only, before adding markup of our own.
"""

from __future__ import annotations

import re

# Escape sequences a terminal would act on (ECMA-48): CSI (colours, cursor moves, erase),
# OSC (window title, clipboard, hyperlinks) and the other string commands (DCS, SOS, PM, APC),
# 7-bit (ESC x) and 8-bit (C1) forms. An unterminated string runs to the end of its line.
_TERMINAL_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|(?=\n)|$)"
    r"|\x1b[ -/]*[0-~]",
    re.DOTALL,
)
# C0 and C1 controls and DEL, except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")

# [label](target), target optionally in <…> and with a "title".
_MASKED_LINK = re.compile(r"\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_MENTION_LIKE = re.compile(r"<(@[!&]?|#)(\d+)>")


def for_terminal(text: str) -> str:
    """`text` without escape sequences and control characters (newline and tab are kept)."""
    return _BIDI.sub("", _CONTROL.sub("", _TERMINAL_ESCAPE.sub("", text)))


def _unmask(m: re.Match[str]) -> str:
    label, target = m.group(1).strip(), m.group(2)
    if not target:
        return label
    # The target in plain sight, in <…> so Discord neither previews it nor hides it.
    return f"{label} (<{target}>)" if label and label != target else f"<{target}>"


def for_discord(text: str) -> str:
    """`text` for a Discord message or embed: masked links shown as `label (<url>)`, every
    markdown character escaped (so no fence, heading, quote, spoiler or bold can open), and
    mention syntax broken. Belt and braces beside `AllowedMentions.none()`."""
    # discord.py's escapers know Discord's markdown; imported here so that the CLI, which
    # uses only `for_terminal`, does not load discord.py.
    from discord.utils import escape_markdown, escape_mentions

    text = for_terminal(text)
    for _ in range(8):  # a link inside a label ([[x](y)](z)) forms an outer one when undone
        text, found = _MASKED_LINK.subn(_unmask, text)
        if not found:
            break
    text = escape_markdown(text, ignore_links=True)
    text = escape_mentions(text)
    # <@id>, <@!id>, <@&id>, <#id> of any length (escape_mentions wants 17–20 digits).
    return _MENTION_LIKE.sub(lambda m: f"<{m.group(1)}\u200b{m.group(2)}>", text)
