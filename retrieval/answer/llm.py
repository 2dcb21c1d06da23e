"""LLM answers through any OpenAI-compatible chat API, every quote verified before it is shown.

    OpenAIAnswerer.answer(question, passages, reviews, on_delta=None, summary_of=None) -> Answer

1. Number the retrieved passages that fit the token budget (best first) and render the prompts
   (`prompts/system.txt`, `answer.txt` or `summary.txt`, one `passage.txt` block per passage).
2. Stream the reply (`stream_options.include_usage`), handing raw text to `on_delta` as it
   arrives; one deadline (`timeout`) covers the whole answer, retries and streaming included.
3. Verify every quote (`quotes.verify_answer`) and return `Answer(mode="llm")`.

Any failure — 401, 404 (unknown model), 429 after retries, 5xx, timeout, empty or malformed
output — raises `LLMError` with a one-line reason that never contains the key; the engine then
answers extractively. Retries (429, 408, 409, 5xx, connection errors) are done here rather than
by the SDK so that they stay inside the deadline; the backoff honours `Retry-After`.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import openai

from .. import prompts
from ..budget import Budget, load_encoding
from ..errors import LLMError
from ..models import Answer, Passage, Review, ScoredPassage
from .quotes import verify_answer

if TYPE_CHECKING:
    import tiktoken

log = logging.getLogger(__name__)

# The model starts its reply with this when the passages do not answer (prompts/system.txt).
NOT_FOUND = "NOT_FOUND:"
# Lenient: models add markdown or drop the colon.
_NOT_FOUND_RE = re.compile(r"^[\s*_>]*NOT[ _]FOUND\b[\s:*.\-\u2013\u2014]*")
NO_PASSAGES_TEXT = "None of the indexed reviews covers that."
# Sent as the key to servers that need none (Ollama, llama.cpp, vLLM...): the SDK wants one.
PLACEHOLDER_KEY = "not-needed"
ANSWER_WORDS = 200
SUMMARY_WORDS = 120
_RETRY_STATUSES = {408, 409, 429}
_BACKOFF_START = 0.5
_BACKOFF_MAX = 4.0
# Models that only accept the default temperature and `max_completion_tokens`.
_REASONING = re.compile(r"^(o\d|gpt-5)")


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


class OpenAIAnswerer:
    """Answers from retrieved passages with an OpenAI-compatible chat model (see module doc)."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        model: str,
        timeout: float,
        max_retries: int,
        context_tokens: int,
        answer_tokens: int,
        encoding: tiktoken.Encoding | None = None,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self._key = api_key
        self._where = _where(base_url)
        self._budget = Budget(encoding or load_encoding(model), context_tokens, answer_tokens)
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

    # -- prompt -------------------------------------------------------------------------------

    def build_messages(
        self,
        question: str,
        passages: Sequence[ScoredPassage],
        reviews: Mapping[str, Review],
        summary_of: Review | None = None,
    ) -> tuple[list[dict[str, str]], list[Passage]]:
        """The chat messages and the passages they number (1-based), best first, within budget."""
        words = SUMMARY_WORDS if summary_of else ANSWER_WORDS
        system = prompts.render("system", not_found=NOT_FOUND, max_words=words)

        def user(block: str) -> str:
            if summary_of is not None:
                return prompts.render(
                    "summary", passages=block, question=question,
                    name=summary_of.display_name, max_words=words,
                )  # fmt: skip
            return prompts.render("answer", passages=block, question=question)

        candidates = [sp.passage for sp in passages if sp.passage.review_id in reviews]
        blocks = [self._block(n, p, reviews[p.review_id]) for n, p in enumerate(candidates, 1)]
        fixed = self._budget.count_messages(
            [{"role": "system", "content": system}, {"role": "user", "content": user("")}]
        )
        # Number digits can only shrink when renumbering, so the estimate stays an upper bound.
        kept = self._budget.fit(fixed, [b + "\n" for b in blocks])
        numbered = [candidates[i] for i in kept]
        block = "\n".join(
            self._block(n, p, reviews[p.review_id]) for n, p in enumerate(numbered, 1)
        )
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": user(block)},
        ]
        return messages, numbered

    @staticmethod
    def _block(n: int, passage: Passage, review: Review) -> str:
        def attr(value: str | None) -> str:
            return (value or "").replace('"', "'").replace("<", "(").replace(">", ")")

        # A review cannot close its own tag and smuggle text out of the data section.
        text = re.sub(r"<(/?)(passage)", r"(\1\2", passage.text, flags=re.IGNORECASE)
        return prompts.render(
            "passage", n=n, name=attr(review.display_name), outlet=attr(review.outlet),
            film=attr(review.film), text=text,
        ).rstrip("\n")  # fmt: skip

    # -- call ---------------------------------------------------------------------------------

    def answer(
        self,
        question: str,
        passages: list[ScoredPassage],
        reviews: Mapping[str, Review],
        *,
        on_delta: Callable[[str], None] | None = None,
        summary_of: Review | None = None,
    ) -> Answer:
        """A verified LLM answer; raises `LLMError` (reason safe to show) when none can be had."""
        started = time.monotonic()
        if summary_of is not None:
            passages = [sp for sp in passages if sp.passage.review_id == summary_of.id]
        messages, numbered = self.build_messages(question, passages, reviews, summary_of)
        if not numbered:
            if passages:
                raise LLMError("no passage fits the LLM context budget")
            return Answer(
                question, NO_PASSAGES_TEXT, False, "llm",
                tokens={"prompt": 0, "completion": 0, "estimated": False},
                quotes={"verified": 0, "recited": 0, "dropped": 0},
            )  # fmt: skip
        try:
            raw, usage = self._complete(messages, started + self.timeout, on_delta)
        except LLMError as err:
            if self._key and self._key in err.reason:  # belt and braces: never echo the key
                raise LLMError(err.reason.replace(self._key, "***")) from None
            raise
        generated = time.monotonic()

        text, found = strip_not_found(raw)
        if not found:
            text = text or NO_PASSAGES_TEXT
        checked = verify_answer(
            text, numbered, reviews, only_reviews={summary_of.id} if summary_of else None
        )
        if not checked.text:
            raise LLMError("the LLM answer held no quote that could be verified")
        tokens = self._tokens(messages, raw, usage)
        timings = {
            "llm_ms": (generated - started) * 1000,
            "verify_ms": (time.monotonic() - generated) * 1000,
        }
        log.info(
            "llm answer model=%s passages=%d tokens=%s quotes=%s found=%s %.0fms",
            self.model, len(numbered), tokens, checked.counts, found, timings["llm_ms"],
        )  # fmt: skip
        used = {p.id for p in numbered}
        return Answer(
            question=question,
            text=checked.text,
            found=found,
            mode="llm",
            citations=checked.citations,
            passages=tuple(sp for sp in passages if sp.passage.id in used),
            timings_ms=timings,
            tokens=tokens,
            quotes=checked.counts,
        )

    def _tokens(
        self, messages: list[dict[str, str]], raw: str, usage: Any | None
    ) -> dict[str, Any]:
        prompt = getattr(usage, "prompt_tokens", None)
        completion = getattr(usage, "completion_tokens", None)
        if isinstance(prompt, int) and isinstance(completion, int):
            return {"prompt": prompt, "completion": completion, "estimated": False}
        return {
            "prompt": self._budget.count_messages(messages),
            "completion": self._budget.count(raw),
            "estimated": True,
        }

    def _complete(
        self,
        messages: list[dict[str, str]],
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

    def _request(self, messages: list[dict[str, str]], remaining: float) -> Any:
        limit = "max_completion_tokens" if self._official else "max_tokens"
        extra: dict[str, Any] = {limit: self._budget.answer_tokens}
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
        messages: list[dict[str, str]],
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
        messages: list[dict[str, str]],
        deadline: float,
        on_delta: Callable[[str], None] | None,
    ) -> tuple[str, Any | None]:
        timed_out = LLMError(f"no complete answer within {self.timeout:g}s")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out
        parts: list[str] = []
        usage = None
        display = _Display(on_delta)
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
            display.flush()
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


def strip_not_found(raw: str) -> tuple[str, bool]:
    """(text without a leading not-found marker, found?)."""
    text = raw.strip()
    marker = _NOT_FOUND_RE.match(text)
    return (text[marker.end() :].strip(), False) if marker else (text, True)


class _Display:
    """Feeds streamed text to `on_delta`: holds the first few characters back so a not-found
    marker is never shown, and stops calling a display that raised (the answer goes on)."""

    HOLD = len(NOT_FOUND) + 8

    def __init__(self, on_delta: Callable[[str], None] | None) -> None:
        self._on_delta = on_delta
        self._held: str | None = ""

    def __call__(self, chunk: str) -> None:
        if self._held is not None:
            self._held += chunk
            if len(self._held) < self.HOLD:
                return
            self.flush()
            return
        self._send(chunk)

    def flush(self) -> None:
        if self._held is None:
            return
        held, self._held = self._held, None
        marker = _NOT_FOUND_RE.match(held)
        if marker:
            held = held[marker.end() :]
        if held:
            self._send(held)

    def _send(self, chunk: str) -> None:
        if self._on_delta is None:
            return
        try:
            self._on_delta(chunk)
        except Exception:
            log.exception("on_delta failed; not streaming the rest of this answer")
            self._on_delta = None


def answerer_from_settings(settings: Any) -> OpenAIAnswerer | None:
    """The answerer the settings ask for, or None when LLM mode is off."""
    if not settings.llm_enabled:
        return None
    return OpenAIAnswerer(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        model=settings.llm_model,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        context_tokens=settings.llm_context_tokens,
        answer_tokens=settings.llm_answer_tokens,
    )
