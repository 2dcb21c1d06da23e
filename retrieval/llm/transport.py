"""The LLM transport: one chat completion from any OpenAI-compatible server.

    Completion.complete(messages, *, deadline, on_delta=None) -> (text, Usage | None)
    OpenAICompletion(api_key=..., base_url=..., model=..., timeout=..., max_retries=...,
                     answer_tokens=...)

The reply streams (`stream_options.include_usage`), raw text going to `on_delta` as it arrives;
`deadline` (a `time.monotonic()` instant) covers the whole call, retries and streaming included.
Any failure — 401, 404 (unknown model), 429 after retries, 5xx, timeout, empty or malformed
output — raises `LLMError` with a one-line reason that never contains the key. Retries (429, 408,
409, 5xx, connection errors) are done here rather than by the SDK so that they stay inside the
deadline; the backoff honours `Retry-After`.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from ..errors import LLMError

if TYPE_CHECKING:  # imported where used: a CLI answering offline never pays openai's import
    import openai

log = logging.getLogger(__name__)

# Sent as the key to servers that need none (Ollama, llama.cpp, vLLM...): the SDK wants one.
PLACEHOLDER_KEY = "not-needed"
_RETRY_STATUSES = {408, 409, 429}
_BACKOFF_START = 0.5
_BACKOFF_MAX = 4.0
# Models that only accept the default temperature and `max_completion_tokens`.
_REASONING = re.compile(r"^(o\d|gpt-5)")

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class Usage:
    """Token use as the server reported it."""

    prompt_tokens: int
    completion_tokens: int


class Completion(Protocol):
    """The LLM seam: messages in, the reply text (and the server's token count) out."""

    model: str
    timeout: float

    def complete(
        self,
        messages: Messages,
        *,
        deadline: float,
        on_delta: Callable[[str], None] | None = None,
    ) -> tuple[str, Usage | None]: ...


class _Retryable(Exception):
    def __init__(self, reason: str, delay: float | None, *, counts: bool = True) -> None:
        self.reason = reason
        self.delay = delay
        self.counts = counts  # False: a free retry (request adjusted), not a failure


def _status_reason(err: openai.APIStatusError, model: str) -> str:
    status = err.status_code
    if status == 401:
        return "the LLM server rejected the API key (HTTP 401)"
    if status == 403:
        return "the LLM server refused access (HTTP 403)"
    if status == 404:
        return f"unknown model {model!r} or wrong OPENAI_BASE_URL (HTTP 404)"
    if status == 429:
        return "the LLM server is rate-limiting us (HTTP 429)"
    if status >= 500:
        return f"the LLM server failed (HTTP {status})"
    return f"the LLM server refused the request (HTTP {status})"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for header, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            value = float(headers.get(header, ""))
        except ValueError:
            continue
        if value >= 0:
            return value / scale
    return None


def _where(base_url: str | None) -> str:
    """scheme://host:port of the server — never a path or credentials."""
    if not base_url:
        return "api.openai.com"
    parts = urlsplit(base_url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}:{parts.port}" if parts.port else f"{parts.scheme}://{host}"


class OpenAICompletion:
    """A streamed chat completion with retries inside one deadline (see the module doc)."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        model: str,
        timeout: float,
        max_retries: int,
        answer_tokens: int,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.answer_tokens = answer_tokens
        self._key = api_key
        self._where = _where(base_url)
        import openai

        self._client = openai.OpenAI(
            api_key=api_key or PLACEHOLDER_KEY,
            base_url=base_url,
            max_retries=0,  # ours, inside the deadline
            timeout=timeout,
        )
        # OpenAI's own API wants max_completion_tokens (reasoning models refuse max_tokens);
        # local servers (Ollama, llama.cpp, vLLM) know max_tokens.
        self._official = base_url is None or "api.openai.com" in base_url
        # Cleared for good if the server refuses `stream_options` (tokens are then estimated).
        self._usage_in_stream = True

    def complete(
        self,
        messages: Messages,
        *,
        deadline: float,
        on_delta: Callable[[str], None] | None = None,
    ) -> tuple[str, Usage | None]:
        """Raw reply text and usage; raises LLMError (never holding the key)."""
        try:
            text, usage = self._complete(messages, deadline, on_delta)
        except LLMError as err:
            if self._key and self._key in err.reason:  # belt and braces: never echo the key
                raise LLMError(err.reason.replace(self._key, "***")) from None
            raise
        prompt = getattr(usage, "prompt_tokens", None)
        completion = getattr(usage, "completion_tokens", None)
        if isinstance(prompt, int) and isinstance(completion, int):
            return text, Usage(prompt, completion)
        return text, None

    def _complete(
        self,
        messages: Messages,
        deadline: float,
        on_delta: Callable[[str], None] | None,
    ) -> tuple[str, Any | None]:
        """Raw reply text and usage, with retries and backoff, all before `deadline`."""
        attempt = 0
        while True:
            try:
                return self._stream(messages, deadline, on_delta)
            except _Retryable as err:
                if not err.counts:
                    continue
                if attempt >= self.max_retries:
                    if attempt:
                        err.reason += f" after {attempt} retr{'y' if attempt == 1 else 'ies'}"
                    raise LLMError(err.reason) from None
                delay = err.delay
                if delay is None:
                    delay = min(_BACKOFF_START * 2**attempt, _BACKOFF_MAX)
                    delay *= 1 - 0.25 * random.random()
                if time.monotonic() + delay >= deadline:
                    raise LLMError(f"{err.reason}; no time left to retry") from None
                attempt += 1
                log.info("LLM: %s; retry %d in %.2fs", err.reason, attempt, delay)
                time.sleep(delay)

    def _request(self, messages: Messages, remaining: float) -> Any:
        limit = "max_completion_tokens" if self._official else "max_tokens"
        extra: dict[str, Any] = {limit: self.answer_tokens}
        if not _REASONING.match(self.model):
            extra["temperature"] = 0.2
        if self._usage_in_stream:
            extra["stream_options"] = {"include_usage": True}
        return self._client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            stream=True,
            timeout=remaining,
            **extra,
        )

    def _chunks(
        self,
        messages: Messages,
        remaining: float,
        deadline: float,
        timed_out: LLMError,
    ) -> Iterator[Any]:
        """The stream's chunks, read by a helper thread so that the deadline holds even while a
        read blocks (closing an httpx response does not wake a blocked read). The helper's
        errors are re-raised here; at the deadline it is abandoned and ends on its own read
        timeout (at most `remaining`)."""
        items: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        stop = threading.Event()

        def pump() -> None:
            try:
                with self._request(messages, remaining) as stream:
                    for chunk in stream:
                        items.put((True, chunk))
                        if stop.is_set():
                            return
                items.put((False, None))
            except Exception as err:
                items.put((False, err))

        threading.Thread(target=pump, name="reviewbot-llm-stream", daemon=True).start()
        try:
            while True:
                try:
                    is_chunk, item = items.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise timed_out from None
                if is_chunk:
                    yield item
                elif item is None:
                    return
                else:
                    raise item
        finally:
            stop.set()

    def _stream(
        self,
        messages: Messages,
        deadline: float,
        on_delta: Callable[[str], None] | None,
    ) -> tuple[str, Any | None]:
        import openai

        timed_out = LLMError(f"no complete answer within {self.timeout:g}s")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out
        parts: list[str] = []
        usage = None
        display = on_delta or (lambda _: None)
        try:
            for chunk in self._chunks(messages, remaining, deadline, timed_out):
                if getattr(chunk, "usage", None) is not None:
                    usage = chunk.usage
                for choice in getattr(chunk, "choices", None) or ():
                    delta = getattr(choice, "delta", None)
                    content = getattr(delta, "content", None)
                    if content is None:
                        continue
                    if not isinstance(content, str):
                        raise LLMError("malformed reply from the LLM server")
                    parts.append(content)
                    display(content)
        except openai.APITimeoutError:
            raise timed_out from None
        except openai.BadRequestError as err:
            if self._usage_in_stream and "stream_options" in str(err.message) and not parts:
                log.info("LLM server refuses stream_options; estimating tokens from now on")
                self._usage_in_stream = False
                raise _Retryable("stream_options refused", 0.0, counts=False) from None
            raise LLMError(_status_reason(err, self.model)) from None
        except openai.APIStatusError as err:
            reason = _status_reason(err, self.model)
            if (err.status_code in _RETRY_STATUSES or err.status_code >= 500) and not parts:
                raise _Retryable(reason, _retry_after(err.response.headers)) from None
            raise LLMError(reason) from None
        except openai.APIConnectionError:
            reason = f"could not reach the LLM server at {self._where}"
            if not parts:
                raise _Retryable(reason, None) from None
            raise LLMError(reason) from None
        except openai.APIError as err:  # an error event inside the stream
            log.warning("LLM stream error: %s", type(err).__name__)
            raise LLMError("the LLM server reported an error mid-answer") from None
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, AttributeError):
            raise LLMError("malformed reply from the LLM server") from None
        text = "".join(parts)
        if not text.strip():
            raise LLMError("the LLM returned an empty answer")
        return text, usage
