"""The Discord wire harness: captured HTTP, real gateway payloads, a settled bot.

Nothing talks to Discord. `create_bot(settings, engine)` builds the real bot, its real setup
hook registers the real cogs, and payloads go through `ConnectionState.parse_*` exactly as the
gateway would deliver them. Every request discord.py then makes passes through
`AsyncWebhookAdapter.request` (interaction responses, follow-ups) or `HTTPClient.request`
(channel messages, typing, command sync); both are replaced by `Wire`, which records the JSON
and answers with the JSON Discord would return.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

from bot.discord import ReviewBot

REPO = Path(__file__).resolve().parents[3]
REVIEWS = REPO / "data" / "reviews"


APP_ID = 1100000000000000001
BOT_ID = APP_ID
GUILD_ID = 1200000000000000001
CHANNEL_ID = 1300000000000000001
ADMIN_ROLE_ID = 1400000000000000001
OTHER_ROLE_ID = 1400000000000000002
USER_ID = 1500000000000000001
MANAGE_GUILD = 1 << 5
BASIC_PERMS = (1 << 10) | (1 << 11) | (1 << 31)  # view channel, send messages, use app commands

_snowflakes = itertools.count(1600000000000000001)


def snowflake() -> int:
    return next(_snowflakes)


# --------------------------------------------------------------------------- the wire


@dataclass
class Request:
    """One captured request: which adapter, method, path (no base URL) and its JSON body."""

    adapter: str  # "webhook" | "http"
    method: str
    path: str
    json: Any

    @property
    def is_message(self) -> bool:
        """A request that creates or edits a message (or an interaction response with one)."""
        if self.method == "POST" and self.path.endswith("/callback"):
            return self.json.get("type") in (4, 7)
        return (
            isinstance(self.json, dict)
            and self.method in ("POST", "PATCH")
            and ("content" in self.json or "embeds" in self.json)
        )

    @property
    def message_json(self) -> dict[str, Any]:
        """The message part: `data` of an interaction callback, else the body itself."""
        if self.path.endswith("/callback"):
            return self.json.get("data") or {}
        return self.json


def _body(payload: Any = None, multipart: Any = None, form: Any = None) -> Any:
    if payload is not None:
        return payload
    for part in multipart or form or ():
        if part.get("name") == "payload_json":
            return json.loads(part["value"])
    return None


class _Status:
    """What discord.HTTPException reads from an aiohttp response."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Internal Server Error"


class Wire:
    """Replaces discord.py's two HTTP adapters; records requests and returns Discord-shaped JSON."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.observers: list[Callable[[Request], None]] = []
        self._failures: list[tuple[str, str, int]] = []
        self.user = {
            "id": str(BOT_ID), "username": "reviewbot", "discriminator": "0",
            "global_name": None, "avatar": None, "bot": True,
        }  # fmt: skip

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        wire = self

        async def webhook_request(
            adapter: AsyncWebhookAdapter, route: Route, session: Any = None, *,
            payload: Any = None, multipart: Any = None, **kwargs: Any,
        ) -> Any:  # fmt: skip
            return wire._answer("webhook", route, _body(payload, multipart))

        async def http_request(client: HTTPClient, route: Route, **kwargs: Any) -> Any:
            return wire._answer("http", route, _body(kwargs.get("json"), form=kwargs.get("form")))

        monkeypatch.setattr(AsyncWebhookAdapter, "request", webhook_request)
        monkeypatch.setattr(HTTPClient, "request", http_request)

    def fail_next(self, method: str, path_suffix: str, status: int = 500) -> None:
        """The next `method` request whose path ends with `path_suffix` fails as Discord would."""
        self._failures.append((method, path_suffix, status))

    def message(
        self, body: dict[str, Any], channel_id: int = CHANNEL_ID, **extra: Any
    ) -> dict[str, Any]:
        """The message object Discord returns for a sent or edited message."""
        return {
            "id": str(snowflake()), "channel_id": str(channel_id), "type": 0,
            "author": self.user, "content": body.get("content") or "",
            "embeds": body.get("embeds") or [], "components": body.get("components") or [],
            "attachments": [], "mentions": [], "mention_roles": [], "mention_everyone": False,
            "pinned": False, "tts": False, "timestamp": "2026-11-21T23:00:00+00:00",
            "edited_timestamp": None, "flags": body.get("flags") or 0, **extra,
        }  # fmt: skip

    def _answer(self, adapter: str, route: Route, body: Any) -> Any:
        path = route.url.removeprefix(Route.BASE)
        request = Request(adapter, route.method, path, body)
        self.requests.append(request)
        for observe in self.observers:
            observe(request)
        for failure in self._failures:
            method, suffix, status = failure
            if route.method == method and path.endswith(suffix):
                self._failures.remove(failure)
                response: Any = _Status(status)
                raise discord.HTTPException(
                    response, {"message": "Internal Server Error", "code": 0}
                )
        if path.endswith("/callback"):
            kind = body["type"]
            flags = (body.get("data") or {}).get("flags") or 0
            out: dict[str, Any] = {"interaction": {
                "id": path.split("/")[2], "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            }}  # fmt: skip
            if kind in (4, 7):
                out["resource"] = {"type": kind, "message": self.message(body.get("data") or {})}
            return out
        if route.method == "DELETE" or path.endswith("/typing"):
            return None
        if "/commands" in path:
            return []
        if route.method in ("POST", "PATCH", "GET") and isinstance(body, dict | type(None)):
            if adapter == "webhook":
                return self.message(body or {}, webhook_id=str(APP_ID))
            return self.message(body or {})
        return None

    # -- queries -----------------------------------------------------------------------------
    def messages(self) -> list[Request]:
        return [r for r in self.requests if r.is_message]

    def embeds(self) -> list[dict[str, Any]]:
        return [e for r in self.messages() for e in r.message_json.get("embeds") or []]

    def text(self) -> str:
        """All visible text of all messages: content, titles, descriptions, fields, footers."""
        parts = []
        for r in self.messages():
            m = r.message_json
            parts.append(m.get("content") or "")
            for e in m.get("embeds") or []:
                parts += [e.get("title", ""), e.get("description", "")]
                for f in e.get("fields", []):
                    parts += [f["name"], f["value"]]
                parts.append((e.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    def clear(self) -> None:
        self.requests.clear()


# --------------------------------------------------------------------------- payloads


def user(user_id: int = USER_ID, name: str = "moviefan") -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
    }


def member(
    user_id: int = USER_ID, *, permissions: int = BASIC_PERMS, roles: tuple[int, ...] = ()
) -> dict[str, Any]:
    return {
        "user": user(user_id), "roles": [str(r) for r in roles], "joined_at":
        "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
        "permissions": str(permissions), "nick": None, "avatar": None, "pending": False,
    }  # fmt: skip


def channel() -> dict[str, Any]:
    return {
        "id": str(CHANNEL_ID),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": "films",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }


def role(role_id: int, name: str, permissions: int = 0) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": 1,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        "icon": None,
        "unicode_emoji": None,
    }


def guild_create() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID), "name": "Film Club", "owner_id": str(snowflake()), "icon": None,
        "roles": [role(GUILD_ID, "@everyone", BASIC_PERMS), role(ADMIN_ROLE_ID, "Curators"),
                  role(OTHER_ROLE_ID, "Members")],
        "channels": [channel()], "members": [], "threads": [], "emojis": [], "stickers": [],
        "features": [], "member_count": 3, "large": False, "unavailable": False,
        "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
        "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0,
        "afk_timeout": 300, "system_channel_flags": 0, "voice_states": [], "presences": [],
    }  # fmt: skip


def _interaction(
    kind: int,
    data: dict[str, Any],
    *,
    user_id: int,
    permissions: int,
    roles: tuple[int, ...],
    in_guild: bool = True,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(snowflake()), "application_id": str(APP_ID), "type": kind,
        "token": f"interaction-token-{snowflake()}", "version": 1, "data": data,
        "app_permissions": str(BASIC_PERMS), "locale": "en-US", "entitlements": [],
        "attachment_size_limit": 10485760, "authorizing_integration_owners": {"0": str(GUILD_ID)},
    }  # fmt: skip
    if in_guild:
        payload |= {
            "guild_id": str(GUILD_ID),
            "channel_id": str(CHANNEL_ID),
            "channel": channel(),
            "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "context": 0,
            "member": member(user_id, permissions=permissions, roles=roles),
        }
    else:
        payload |= {
            "user": user(user_id),
            "context": 1,
            "channel": {"id": str(CHANNEL_ID), "type": 1, "recipients": [user(user_id)]},
            "channel_id": str(CHANNEL_ID),
        }
    if message is not None:
        payload["message"] = message
    return payload


def _options(options: dict[str, Any], focused: str | None = None) -> list[dict[str, Any]]:
    out = []
    for name, value in options.items():
        opt: dict[str, Any] = {"type": 3, "name": name, "value": value}
        if name == focused:
            opt["focused"] = True
        out.append(opt)
    return out


def command(
    name: str,
    /,
    *,
    user_id: int = USER_ID,
    permissions: int = BASIC_PERMS,
    roles: tuple[int, ...] = (),
    in_guild: bool = True,
    **options: Any,
) -> dict[str, Any]:
    """An INTERACTION_CREATE for a slash command (type 2) with string options."""
    data = {"id": str(snowflake()), "name": name, "type": 1, "options": _options(options)}
    return _interaction(
        2, data, user_id=user_id, permissions=permissions, roles=roles, in_guild=in_guild
    )


def autocomplete(name: str, focused: str, /, **options: Any) -> dict[str, Any]:
    """An INTERACTION_CREATE for autocomplete (type 4) with `focused` being typed."""
    data = {
        "id": str(snowflake()),
        "name": name,
        "type": 1,
        "options": _options(options, focused=focused),
    }
    return _interaction(4, data, user_id=USER_ID, permissions=BASIC_PERMS, roles=())


def button_click(custom_id: str, message: dict[str, Any], *, user_id: int = USER_ID) -> dict:
    """An INTERACTION_CREATE for a button press (type 3) on `message`."""
    data = {"custom_id": custom_id, "component_type": 2}
    return _interaction(
        3, data, user_id=user_id, permissions=BASIC_PERMS, roles=(), message=message
    )


def mention(
    content: str,
    *,
    mentions: list[dict[str, Any]] | None = None,
    author_id: int = USER_ID,
    **extra: Any,
) -> dict[str, Any]:
    """A MESSAGE_CREATE in the guild channel."""
    return {
        "id": str(snowflake()), "channel_id": str(CHANNEL_ID), "guild_id": str(GUILD_ID),
        "type": 0, "author": user(author_id), "member": {k: v for k, v in member(author_id).items()
                                                          if k not in ("user", "permissions")},
        "content": content, "mentions": mentions if mentions is not None else [], "embeds": [],
        "mention_roles": [], "mention_everyone": False, "attachments": [], "pinned": False,
        "tts": False, "timestamp": "2026-11-21T23:00:00+00:00", "edited_timestamp": None,
        "flags": 0, "components": [], **extra,
    }  # fmt: skip


# --------------------------------------------------------------------------- the harness


class Harness:
    """A set-up bot plus its wire; `send_*` feed payloads and wait until the bot is done."""

    def __init__(self, bot: ReviewBot, wire: Wire) -> None:
        self.bot = bot
        self.wire = wire
        self._baseline: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        await self.bot._async_setup_hook()  # what login() does first: loop, ready event
        await self.bot.setup_hook()  # then the real setup hook: index, cogs, dynamic items
        state = self.bot._connection
        state.user = discord.ClientUser(state=state, data=self.wire.user)  # type: ignore[arg-type]
        state.parse_guild_create(guild_create())
        await self.settle()
        self._baseline = set(asyncio.all_tasks())
        self.wire.clear()

    async def settle(self) -> None:
        """Wait for every task the bot started (command invokers, listeners, streaming edits)."""
        me = asyncio.current_task()
        for _ in range(1000):
            pending = [
                t
                for t in asyncio.all_tasks()
                if t is not me and not t.done() and t not in self._baseline
            ]
            if not pending:
                return
            await asyncio.wait(pending, timeout=120)
        raise AssertionError("the bot kept starting tasks")

    async def interact(self, payload: dict[str, Any]) -> list[Request]:
        """Deliver an INTERACTION_CREATE; the requests it caused."""
        start = len(self.wire.requests)
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await self.settle()
        return self.wire.requests[start:]

    async def message(self, payload: dict[str, Any]) -> list[Request]:
        """Deliver a MESSAGE_CREATE; the requests it caused."""
        start = len(self.wire.requests)
        self.bot._connection.parse_message_create(payload)  # type: ignore[arg-type]
        await self.settle()
        return self.wire.requests[start:]


MakeHarness = Callable[..., Awaitable[Harness]]


# --------------------------------------------------------------------------- assertions


def assert_no_pings(requests: list[Request]) -> None:
    """Every message-bearing request says allowed_mentions = {"parse": []}."""
    messages = [r for r in requests if r.is_message]
    assert messages, "no message was sent"
    for r in messages:
        assert r.message_json.get("allowed_mentions", {}).get("parse") == [], r


def assert_embed_limits(requests: list[Request]) -> None:
    """Discord's limits hold for every message sent."""
    for r in requests:
        if not r.is_message:
            continue
        m = r.message_json
        assert len(m.get("content") or "") <= 2000
        embeds = m.get("embeds") or []
        assert len(embeds) <= 10
        total = 0
        for e in embeds:
            assert len(e.get("title", "")) <= 256
            assert len(e.get("description", "")) <= 4096
            fields = e.get("fields", [])
            assert len(fields) <= 25
            for f in fields:
                assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
            footer = (e.get("footer") or {}).get("text", "")
            assert len(footer) <= 2048
            total += len(e.get("title", "")) + len(e.get("description", "")) + len(footer)
            total += sum(len(f["name"]) + len(f["value"]) for f in fields)
        assert total <= 6000


def is_ephemeral(r: Request) -> bool:
    return bool((r.message_json.get("flags") or 0) & 64)


# --------------------------------------------------------------------------- LLM prompts

_BLOCK = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)
_SENTENCE = re.compile(r".+?[.!?](?=\s|$)", re.S)


def passages_in(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(n, text) of every passage the answerer put in its prompt."""
    return _BLOCK.findall(body["messages"][-1]["content"])


def first_sentence(text: str) -> str:
    m = _SENTENCE.match(text.strip())
    return (m.group(0) if m else text).strip()
