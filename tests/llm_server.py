"""A small OpenAI-compatible chat server for tests: the real `openai` SDK talks to it.

    with FakeLLM() as llm:                       # 127.0.0.1, a free port, its own thread
        llm.script(Reply("Hello [1]"), Reply.error(429, retry_after_ms=10), ...)
        OpenAI(base_url=llm.base_url, api_key="k") ...
        llm.requests                             # every request: path, headers, JSON body

Replies are served in order; when the script runs out, `responder(body)` (if set) or `default`
is served. `POST
/v1/chat/completions` answers as JSON, or as SSE when the request says `"stream": true` (text in
word chunks, a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`).
Set `known_models` to answer 404 `model_not_found` for others, `api_key` to answer 401 to a
wrong bearer key, `refuse_stream_options` to answer 400 to requests that carry it.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted response."""

    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds before the response starts / between streamed chunks.
    delay: float = 0.0
    chunk_delay: float = 0.0
    words_per_chunk: int = 3
    usage: bool = True
    # Sent as-is instead of a normal body (for malformed output); `content_type` goes with it.
    raw: bytes | None = None
    content_type: str = "application/json"
    error: dict[str, Any] | None = None

    @classmethod
    def error_reply(
        cls, status: int, message: str = "error", *, retry_after_ms: int | None = None,
        code: str | None = None,
    ) -> Reply:  # fmt: skip
        headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
        return cls(
            status=status, headers=headers,
            error={"message": message, "type": "error", "code": code, "param": None},
        )  # fmt: skip

    @classmethod
    def sse(cls, *frames: str, delay: float = 0.0) -> Reply:
        """Raw SSE frames (each the text after `data: `)."""
        body = "".join(f"data: {f}\n\n" for f in frames).encode()
        return cls(raw=body, content_type="text/event-stream", delay=delay)


class FakeLLM:
    def __init__(
        self,
        *,
        known_models: set[str] | None = None,
        api_key: str | None = None,
        refuse_stream_options: bool = False,
    ) -> None:
        self.known_models = known_models
        self.api_key = api_key
        # Like servers that predate `stream_options`: 400 when a request carries it.
        self.refuse_stream_options = refuse_stream_options
        self.default = Reply("I have nothing scripted.")
        # When set, called with each request's JSON body once the script is empty.
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.requests: list[dict[str, Any]] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a slow reply must not hold up shutdown
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host  # typeshed allows bytes
        return f"http://{host}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        return self.responder(body) if self.responder else self.default

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "json": body,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                        }
                    )
                # The client may give up (deadline) mid-reply: fine.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(body)

            def _answer(self, body: dict[str, Any]) -> None:
                auth = self.headers.get("authorization")
                if fake.api_key is not None and auth != f"Bearer {fake.api_key}":
                    return self._send_error(Reply.error_reply(
                        401, "Incorrect API key provided.", code="invalid_api_key"
                    ))  # fmt: skip
                model = body.get("model")
                if fake.known_models is not None and model not in fake.known_models:
                    return self._send_error(Reply.error_reply(
                        404, f"The model `{model}` does not exist", code="model_not_found"
                    ))  # fmt: skip
                if fake.refuse_stream_options and "stream_options" in body:
                    return self._send_error(Reply.error_reply(
                        400, "Unrecognized request argument supplied: stream_options"
                    ))  # fmt: skip
                reply = fake._next(body)
                time.sleep(reply.delay)
                if reply.status != 200:
                    return self._send_error(reply)
                if reply.raw is not None:
                    return self._send(200, reply.content_type, reply.raw, reply.headers)
                if body.get("stream"):
                    return self._stream(body, reply)
                message = {"role": "assistant", "content": reply.text}
                doc: dict[str, Any] = {
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }  # fmt: skip
                if reply.usage:
                    doc["usage"] = _usage(body, reply.text)
                self._send(200, "application/json", json.dumps(doc).encode(), reply.headers)

            def _send_error(self, reply: Reply) -> None:
                doc = {"error": reply.error or {"message": "error", "type": "error"}}
                self._send(reply.status, "application/json", json.dumps(doc).encode(),
                           reply.headers)  # fmt: skip

            def _send(self, status: int, ctype: str, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.close_connection = True

                def frame(doc: Any) -> None:
                    payload = doc if isinstance(doc, str) else json.dumps(doc)
                    self.wfile.write(f"data: {payload}\n\n".encode())
                    self.wfile.flush()

                base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                        "model": body.get("model")}  # fmt: skip
                frame(base | {"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
                for chunk in _chunks(reply.text, reply.words_per_chunk):
                    time.sleep(reply.chunk_delay)
                    frame(base | {"choices": [{"index": 0, "delta": {"content": chunk}}]})
                frame(base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if reply.usage and (body.get("stream_options") or {}).get("include_usage"):
                    frame(base | {"choices": [], "usage": _usage(body, reply.text)})
                frame("[DONE]")

        return Handler


def _chunks(text: str, words: int) -> list[str]:
    tokens = text.split(" ")
    return [
        " ".join(tokens[i : i + words]) + (" " if i + words < len(tokens) else "")
        for i in range(0, len(tokens), words)
    ]


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    """Fake but deterministic counts: ~4 characters a token."""
    prompt = sum(len(m.get("content") or "") for m in body.get("messages", [])) // 4
    completion = len(text) // 4
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}  # fmt: skip


_PASSAGE = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)


def quoting_reply(body: dict[str, Any], passages: int = 2) -> Reply:
    """A reply like a model's that follows the prompt: the first sentence of each of the first
    `passages` passages, quoted verbatim and cited (what `bench.run` times the LLM path with)."""
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    lines = []
    for n, text in _PASSAGE.findall(prompt)[:passages]:
        first = re.split(r"(?<=[.!?])\s+", " ".join(text.split()), maxsplit=1)[0]
        lines.append(f'One critic writes "{first}" [{n}].')
    return Reply(" ".join(lines) or "NOT_FOUND")
