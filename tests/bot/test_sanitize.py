"""bot/sanitize.py: untrusted text (reviews, LLM output) made safe for Discord and terminals."""

from __future__ import annotations

import re

from bot.sanitize import for_discord, for_terminal


def unescaped(char: str, text: str) -> bool:
    return re.search(rf"(?<!\\){re.escape(char)}", text) is not None


def test_masked_link_shows_its_target():
    """[click](https://…) becomes the label with the URL visible in <…>, never a hidden link."""
    out = for_discord("Read [the review](https://evil.example/x_y?a=1) now.")
    assert out == "Read the review (<https://evil.example/x_y?a=1>) now."
    assert for_discord('[x](<https://e.example> "title")') == "x (<https://e.example>)"
    assert for_discord("[https://a.example](https://b.example)") == (
        "https://a.example (<https://b.example>)"
    )


def test_nested_masked_links_do_not_reform():
    """A link inside a label is undone, and so is the link that undoing it would form."""
    out = for_discord("[[inner](https://a.example)](https://b.example)")
    assert "](" not in out.replace("\\]", "")
    assert "https://a.example" in out and "https://b.example" in out


def test_code_fences_cannot_open():
    """An unclosed fence, a closed one and inline code are all escaped: no backtick is live."""
    for text in ("```py\nprint(1)", "```\ncode\n``` after", "use `this`"):
        out = for_discord(text)
        assert not unescaped("`", out), out


def test_markdown_is_escaped_and_plain_urls_stay_clickable():
    """Bold, italics, strike, spoilers, headings, quotes and lists are escaped; a URL is not."""
    out = for_discord(
        "**bold** _it_ ~~s~~ ||spoiler||\n# head\n> quote\n- item https://x.example/a_b"
    )
    for char in "*_~|":
        assert not unescaped(char, out.replace("https://x.example/a_b", "")), char
    assert "\\# head" in out and "\\> quote" in out and "\\- item" in out
    assert out.endswith("https://x.example/a_b")


def test_mentions_are_broken():
    """@everyone, @here, user, nickname, role and channel mention syntax cannot ping or link."""
    out = for_discord(
        "@everyone @here <@123456789012345678> <@!123456789012345678> <@&123456789012345678> "
        "<@42> <#99>"
    )
    assert "@everyone" not in out and "@here" not in out
    assert not re.search(r"<@[!&]?\d", out) and not re.search(r"<#\d", out)


def test_terminal_escape_sequences_are_stripped():
    """CSI colours, OSC title/clipboard/hyperlinks and 8-bit forms go; the words stay."""
    assert for_terminal("\x1b[31;1mred\x1b[0m text") == "red text"
    assert for_terminal("\x1b]0;pwned\x07ok") == "ok"
    assert for_terminal("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\") == "click"
    assert for_terminal("\x9b2J\x9d0;title\x9cclear") == "clear"
    assert for_terminal("\x1b]52;c;ZXZpbA==\nnext line") == "\nnext line"
    assert for_terminal("\x1bPq#0;2;0;0;0\x1b\\after") == "after"
    assert for_terminal("\x1bcreset") == "reset"


def test_terminal_controls_are_stripped_but_newline_and_tab_kept():
    """C0/C1 controls, DEL, carriage returns and bidi overrides go; newline and tab stay."""
    assert for_terminal("a\x00b\x07c\x08d\re\x7ff\x85g") == "abcdefg"
    assert for_terminal("line one\n\tline two") == "line one\n\tline two"
    assert for_terminal("abc\u202edcb\u2066x\u2069") == "abcdcbx"


def test_discord_text_is_also_stripped_of_controls():
    """Escape sequences and bidi overrides do not reach Discord either."""
    assert for_discord("\x1b[31mred\x1b[0m \u202eevil") == "red evil"
