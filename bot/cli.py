"""`reviewbot`: index reviews and ask about them from a terminal (the same core as the bot).

Exit status: 0 ok; 1 error (one line on stderr); 2 bad usage; 3 indexed, but some review files
were rejected (each is named on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings, SettingsError, load_settings
from bot.sanitize import for_terminal

if TYPE_CHECKING:
    from retrieval import Answer, Engine, IndexReport

log = logging.getLogger(__name__)

EXIT_ERROR = 1
EXIT_REJECTED = 3


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="review files folder (default data/reviews, env REVIEWBOT_DATA_DIR)",
    )  # fmt: skip
    common.add_argument(
        "--index", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="index folder (default .reviewbot/index, env REVIEWBOT_INDEX_DIR)",
    )  # fmt: skip
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress and details")

    parser = argparse.ArgumentParser(
        prog="reviewbot",
        description="Answers questions about film reviews with verbatim, cited, verified quotes.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("index", parents=[common], help="build or update the index")

    ask = sub.add_parser("ask", parents=[common], help="ask a question about the reviews")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--critic", metavar="NAME", help="only this critic's review (id or name)")
    ask.add_argument("--film", metavar="TITLE", help="only reviews of this film")
    ask.add_argument("-k", type=int, metavar="N", help="passages to retrieve (default 8)")
    ask.add_argument("--no-llm", action="store_true", help="answer extractively even with an LLM")

    sub.add_parser("critics", parents=[common], help="list every review and its critic")

    summary = sub.add_parser("summary", parents=[common], help="summarise one critic's review")
    summary.add_argument("critic", help="review id or display name (case-insensitive)")
    summary.add_argument("--no-llm", action="store_true", help="summarise extractively")

    ev = sub.add_parser("eval", parents=[common], help="score answers on a labelled JSONL file")
    ev.add_argument("questions", type=Path, metavar="QUESTIONS.jsonl")
    ev.add_argument("-k", type=int, metavar="N", help="passages to retrieve (default 8)")
    ev.add_argument("--no-llm", action="store_true", help="evaluate extractive answers")

    add = sub.add_parser(
        "add", parents=[common], help="add reviews from URLs, files or stdin, then index them",
        description="Add reviews: each SOURCE is an http(s) URL, a .html/.htm/.md/.txt file, or - "
        "for stdin. Critic, outlet, rating and film come from the page's schema.org Review data "
        "and meta tags; the options override them. Loopback and private addresses are refused "
        "unless REVIEWBOT_ALLOW_PRIVATE_URLS=1.",
    )  # fmt: skip
    add.add_argument("sources", nargs="+", metavar="SOURCE", help="URL, file or - (stdin)")
    add.add_argument("--film", metavar="TITLE", help="the film reviewed (needed when not stated)")
    add.add_argument("--critic", metavar="NAME", help="who wrote the review")
    add.add_argument("--outlet", metavar="NAME", help="where it was published")
    add.add_argument("--rating", metavar="TEXT", help='the rating as given, e.g. "4/5"')
    add.add_argument("--id", dest="review_id", metavar="ID", help="the review's id (one SOURCE)")
    add.add_argument("--dry-run", action="store_true", help="print the file; write nothing")

    dc = sub.add_parser("discord", parents=[common], help="run the Discord bot (DISCORD_TOKEN)")
    dc.add_argument(
        "--sync-global", action="store_true",
        help="sync slash commands globally (slow to appear); default: DISCORD_GUILD_ID only",
    )  # fmt: skip
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    changes: dict[str, Any] = {}
    if "data" in args:
        changes["data_dir"] = args.data
    if "index" in args:
        changes["index_dir"] = args.index
    if getattr(args, "no_llm", False):
        changes["no_llm"] = True
    return settings.with_(**changes) if changes else settings


def _progress(enabled: bool) -> tuple[Callable[[str, int, int], None] | None, Callable[[], None]]:
    """A rich progress bar on a terminal (stderr); nothing otherwise."""
    if not enabled:
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), transient=True, console=None,
    )  # fmt: skip
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            bar.start()
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return update, bar.stop


def _print_rejected(report: IndexReport) -> None:
    for r in report.rejected:
        print(f"reviewbot: rejected {r.path}: {r.problem}", file=sys.stderr)


def _ensure_index(engine: Engine, args: argparse.Namespace) -> None:
    if engine.has_index():
        return
    print(
        f"reviewbot: no index at {engine.index_dir} yet — building it now (first use)…",
        file=sys.stderr,
    )
    update, stop = _progress(sys.stderr.isatty() and not args.json)
    try:
        report = engine.ensure_index(on_progress=update)
    finally:
        stop()
    if report is not None:
        _print_rejected(report)
        print(f"reviewbot: indexed: {report.summary_line()}", file=sys.stderr)


def _sources(answer: Answer) -> str:
    lines = []
    groups: dict[str, list[int]] = {}
    for c in answer.citations:
        groups.setdefault(c.review_id, []).append(c.n)
    for c in answer.sources():
        marks = ", ".join(f"[{n}]" for n in groups[c.review_id])
        where = f" — {c.outlet}" if c.outlet and c.outlet not in c.name else ""
        link = f" <{c.url}>" if c.url else ""
        lines.append(f"{marks} {c.name}{where}{link}")
    return for_terminal("Sources:\n" + "\n".join(lines)) if lines else ""


def _show(answer: Answer, args: argparse.Namespace, streamed: bool) -> None:
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    if streamed:
        print("\n\n— verified answer —")
    # Review and LLM text: no escape sequence reaches the terminal (the JSON is escaped anyway).
    if answer.fallback_reason:
        reason = for_terminal(answer.fallback_reason)
        print(f"(LLM unavailable: {reason}; answering from the reviews directly)")
    print(for_terminal(answer.text))
    sources = _sources(answer)
    if sources:
        print("\n" + sources)
    dropped = answer.quotes.get("dropped", 0)
    if dropped:
        print(f"\n({dropped} quote(s) the critics did not write were removed.)")


def _streamer(args: argparse.Namespace) -> tuple[Callable[[str], None] | None, list[bool]]:
    """Print LLM text as it arrives (terminal, not --json)."""
    seen = [False]
    if args.json or not sys.stdout.isatty():
        return None, seen

    def on_delta(chunk: str) -> None:
        seen[0] = True
        sys.stdout.write(for_terminal(chunk))
        sys.stdout.flush()

    return on_delta, seen


def _add(args: argparse.Namespace, settings: Settings) -> int:
    """`reviewbot add`: write the review file(s), then bring the index up to date."""
    from bot.wiring import build_engine
    from retrieval import add_reviews

    results = add_reviews(
        args.sources, data_dir=settings.data_dir, film=args.film, critic=args.critic,
        outlet=args.outlet, rating=args.rating, review_id=args.review_id,
        allow_private=os.environ.get("REVIEWBOT_ALLOW_PRIVATE_URLS", "").strip() == "1",
        dry_run=args.dry_run,
    )  # fmt: skip
    if args.dry_run:
        if args.json:
            docs = [{**r.to_json(), "content": r.content, "index": None} for r in results]
            print(json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=2))
        else:
            for r in results:
                print(f"# would write {r.path}\n{r.content}")
        return 0
    for r in results:
        who = r.critic or r.outlet or "no critic or outlet named"
        print(f"reviewbot: added {r.path} ({who}; {r.film}; {r.words} words)", file=sys.stderr)
    engine = build_engine(settings)
    report = engine.index()
    _print_rejected(report)
    if args.json:
        docs = [{**r.to_json(), "index": report.to_json()} for r in results]
        print(json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=2))
    else:
        print(report.summary_line())
    return EXIT_REJECTED if report.rejected else 0


def _run(args: argparse.Namespace) -> int:
    from bot.wiring import build_engine

    settings = _settings(args)
    if args.command == "discord":
        from bot.discord.run import run

        return run(settings, sync_global=args.sync_global)
    if args.command == "add":
        return _add(args, settings)

    engine = build_engine(settings)
    if args.command == "index":
        update, stop = _progress(sys.stderr.isatty() and not args.json)
        try:
            report = engine.index(on_progress=update)
        finally:
            stop()
        _print_rejected(report)
        if args.json:
            print(json.dumps(report.to_json(), indent=2))
        else:
            print(report.summary_line())
        return EXIT_REJECTED if report.rejected else 0

    _ensure_index(engine, args)
    if args.command == "ask":
        on_delta, seen = _streamer(args)
        answer = engine.ask(
            args.question, critic=args.critic, film=args.film, k=args.k,
            use_llm=not args.no_llm, on_delta=on_delta,
        )  # fmt: skip
        _show(answer, args, seen[0])
    elif args.command == "summary":
        on_delta, seen = _streamer(args)
        answer = engine.summary(args.critic, use_llm=not args.no_llm, on_delta=on_delta)
        _show(answer, args, seen[0])
    elif args.command == "critics":
        rows = [r.info() for r in engine.critics()]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for row in rows:
                rating = f" — {row['rating']}" if row["rating"] else ""
                url = f" <{row['url']}>" if row["url"] else ""
                print(for_terminal(f"{row['name']} [{row['review_id']}]{rating}{url}"))
    elif args.command == "eval":
        from retrieval import format_metrics, load_questions, run_eval

        questions = load_questions(args.questions)
        snap = engine.snapshot()
        reviews = snap.reviews if snap else {}
        result = run_eval(
            questions, lambda q: engine.ask(q, k=args.k, use_llm=not args.no_llm), reviews
        )
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print("\n".join(format_metrics(result["metrics"])))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("bm25s", "httpx", "chromadb", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    from retrieval import ReviewbotError

    try:
        return _run(args)
    except (ReviewbotError, SettingsError) as err:
        print(f"reviewbot: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("reviewbot: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: one line, and the traceback with -v
        log.debug("unexpected error", exc_info=True)
        print(f"reviewbot: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        if args.verbose:
            raise
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
