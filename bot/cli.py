"""`reviewbot`: index reviews and ask about them from a terminal (the same core as the bot).

Conventions (each pinned by a test in tests/bot/test_cli_conventions.py):

- Exit status: 0 ok; 1 error (one line on stderr); 2 bad usage — one line on stderr, for a bad
  option value (`-k 0`), a bad environment value (naming the variable, e.g. `REVIEWBOT_K`) or no
  command at all (then the help goes to stderr); 3 indexed, but some review files were rejected
  (each is named on stderr); 141 stdout was closed early (`reviewbot ask … | head`), quietly.
- The global options `--data --index --json -v` go before or after the command.
- Each message is printed once: what the CLI reports itself (rejected files, the LLM fallback
  reason) is not repeated by a log line.
- `--version` prints the installed package's version.

Adding a command: a parser block in `_parser()` and a handler in `HANDLERS`; handlers get the
parsed arguments and the settings and return the exit status.

Long because every command's parser and handler live here, each one short and local.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings, SettingsError, load_settings, warn_insecure_base_url
from bot.sanitize import for_terminal

if TYPE_CHECKING:
    from retrieval import Answer, Engine, IndexReport

log = logging.getLogger(__name__)

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_SIGPIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head`

# Log lines whose content the CLI prints itself (see _ShownByCli).
_SHOWN_BY_CLI = ("LLM failed (", "rejected review file ")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: `reviewbot ask: error: … (see --help)`, exit 2."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _duration(text: str) -> float:
    from bot.feedback import parse_duration

    try:
        return parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _version() -> str:
    try:
        return metadata.version("reviewbot")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    # Global options, accepted before and after the command. SUPPRESS keeps a subcommand's parser
    # from overwriting a value given before the command with its own default.
    common = _Parser(add_help=False)
    common.add_argument(
        "--data", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="review files folder (default data/reviews, env REVIEWBOT_DATA_DIR)",
    )  # fmt: skip
    common.add_argument(
        "--index", type=Path, metavar="DIR", default=argparse.SUPPRESS,
        help="index folder (default .reviewbot/index, env REVIEWBOT_INDEX_DIR)",
    )  # fmt: skip
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS,
        help="print one JSON document on stdout",
    )  # fmt: skip
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
        help="log progress and details (level INFO)",
    )  # fmt: skip

    parser = _Parser(
        prog="reviewbot", parents=[common],
        description="Answers questions about film reviews with verbatim, cited, verified quotes.",
        epilog="Exit status: 0 ok, 1 error, 2 bad usage, 3 some review files rejected.",
    )  # fmt: skip
    parser.add_argument("--version", action="version", version=f"reviewbot {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    index = sub.add_parser("index", parents=[common], help="build, update or repair the index")
    index.add_argument(
        "--verify", action="store_true",
        help="check the index and print one line per problem; change nothing (exit 1: damaged)",
    )  # fmt: skip

    ask = sub.add_parser("ask", parents=[common], help="ask a question about the reviews")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--critic", metavar="NAME", help="only this critic's review (id or name)")
    ask.add_argument("--film", metavar="TITLE", help="only reviews of this film")
    ask.add_argument(
        "-k",
        type=_positive_int,
        metavar="N",
        help="passages to retrieve (default 8, env REVIEWBOT_K)",
    )
    ask.add_argument("--no-llm", action="store_true", help="answer extractively even with an LLM")

    sub.add_parser("critics", parents=[common], help="list every review and its critic")
    sub.add_parser("films", parents=[common], help="list the indexed films and their reviews")

    summary = sub.add_parser("summary", parents=[common], help="summarise one critic's review")
    summary.add_argument("critic", help="review id or display name (case-insensitive)")
    summary.add_argument("--no-llm", action="store_true", help="summarise extractively")

    ev = sub.add_parser("eval", parents=[common], help="score answers on a labelled JSONL file")
    ev.add_argument("questions", type=Path, metavar="QUESTIONS.jsonl")
    ev.add_argument("-k", type=_positive_int, metavar="N", help="passages to retrieve (default 8)")
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

    doc = sub.add_parser(
        "doctor", parents=[common], help="check this host is ready to run the bot (one line each)"
    )
    doc.add_argument(
        "--skip-llm", action="store_true", help="do not contact the LLM server (health checks)"
    )

    fb = sub.add_parser("feedback", parents=[common], help="list the 👍/👎 votes on answers")
    fb.add_argument(
        "--since", type=_duration, metavar="AGE", default=None,
        help="only votes newer than this: 30m, 12h, 7d, 2w (default: all)",
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
        film = f" on {c.film}" if c.film else ""  # set only when the index has several films
        link = f" <{c.url}>" if c.url else ""
        lines.append(f"{marks} {c.name}{where}{film}{link}")
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


def _engine(settings: Settings, args: argparse.Namespace, *, ensure: bool = True) -> Engine:
    from bot.wiring import build_engine

    engine = build_engine(settings)
    if ensure:
        _ensure_index(engine, args)
    return engine


def _index(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings, args, ensure=False)
    if args.verify:  # `index --verify`: the index's problems, one per line; exit 1 if any
        problems = engine.verify()
        if args.json:
            doc = {"index": str(engine.index_dir), "healthy": not problems, "problems": problems}
            print(json.dumps(doc))
        else:
            print("\n".join(problems) or f"index at {engine.index_dir}: healthy")
        return EXIT_ERROR if problems else 0
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


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings, args)
    on_delta, seen = _streamer(args)
    answer = engine.ask(
        args.question, critic=args.critic, film=args.film, k=args.k,
        use_llm=not args.no_llm, on_delta=on_delta,
    )  # fmt: skip
    _show(answer, args, seen[0])
    return 0


def _summary(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings, args)
    on_delta, seen = _streamer(args)
    answer = engine.summary(args.critic, use_llm=not args.no_llm, on_delta=on_delta)
    _show(answer, args, seen[0])
    return 0


def _critics(args: argparse.Namespace, settings: Settings) -> int:
    rows = [r.info() for r in _engine(settings, args).critics()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            rating = f" — {row['rating']}" if row["rating"] else ""
            url = f" <{row['url']}>" if row["url"] else ""
            print(for_terminal(f"{row['name']} [{row['review_id']}]{rating}{url}"))
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval import format_metrics, load_questions, run_eval

    engine = _engine(settings, args)
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


def _add(args: argparse.Namespace, settings: Settings) -> int:
    """`reviewbot add`: write the review file(s), then bring the index up to date."""
    from retrieval import add_reviews

    results = add_reviews(
        args.sources, data_dir=settings.data_dir, film=args.film, critic=args.critic,
        outlet=args.outlet, rating=args.rating, review_id=args.review_id,
        allow_private=settings.allow_private_urls, dry_run=args.dry_run,
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
    report = _engine(settings, args, ensure=False).index()
    _print_rejected(report)
    if args.json:
        docs = [{**r.to_json(), "index": report.to_json()} for r in results]
        print(json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=2))
    else:
        print(report.summary_line())
    return EXIT_REJECTED if report.rejected else 0


def _discord(args: argparse.Namespace, settings: Settings) -> int:
    from bot.discord.run import run

    return run(settings, sync_global=args.sync_global)


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.doctor import report, run_checks

    text, status = report(run_checks(settings, llm=not args.skip_llm), as_json=args.json)
    print(text)
    return status


def _feedback(args: argparse.Namespace, settings: Settings) -> int:
    from bot.feedback import FeedbackStore

    votes = FeedbackStore(settings.feedback_path).votes(args.since)
    if args.json:
        print(json.dumps([v.to_json() for v in votes], ensure_ascii=False, indent=2))
        return 0
    for v in votes:
        quote = f" quote [{v.quote_n}]" if v.quote_n is not None else ""
        mode = f" {v.mode}" if v.mode else ""
        reviews = f" reviews: {', '.join(v.review_ids)}" if v.review_ids else ""
        print(
            f"{v.time} {'👍' if v.vote > 0 else '👎'} answer {v.answer_id}{quote}{mode} "
            f"guild {v.guild_id or 'DM'} user {v.user_hash}{reviews}"
        )
    up = sum(v.vote > 0 for v in votes)
    print(f"{len(votes)} vote(s): {up} 👍, {len(votes) - up} 👎 ({settings.feedback_path})")
    return 0


def _films(args: argparse.Namespace, settings: Settings) -> int:
    snap = _engine(settings, args).snapshot()
    catalogue = snap.films if snap else []
    if args.json:
        print(json.dumps([f.info() for f in catalogue], ensure_ascii=False, indent=2))
    for f in [] if args.json else catalogue:
        year = f" ({f.year})" if f.year else ""
        aka = f" — also: {', '.join(f.aliases)}" if f.aliases else ""
        n = f"{f.reviews} review{'s' if f.reviews != 1 else ''}"
        print(for_terminal(f"{f.title}{year}: {n}{aka}"))
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "index": _index,
    "ask": _ask,
    "summary": _summary,
    "critics": _critics,
    "films": _films,
    "eval": _eval,
    "add": _add,
    "discord": _discord,
    "doctor": _doctor,
    "feedback": _feedback,
}


class _ShownByCli(logging.Filter):
    """Drops log lines repeating what the CLI prints itself (rejected files, LLM fallback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not str(record.msg).startswith(_SHOWN_BY_CLI)


def _stdout_closed() -> int:
    """The reader went away (`| head`): stop quietly, as the Python docs advise for SIGPIPE."""
    try:  # later flushes (at exit) go nowhere instead of raising again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_SIGPIPE


def _first_missing(path: Path) -> Path | None:
    """The outermost folder of `path` that does not exist yet; None when `path` exists."""
    path = path.absolute()
    if path.exists():
        return None
    while not path.parent.exists():
        path = path.parent
    return path


def _remove_empty(top: Path | None) -> None:
    """Remove the folders under `top` (and `top`) a failed run created and left empty."""
    if top is None or not top.is_dir():
        return
    for folder, _, files in os.walk(top, topdown=False):
        if not files:
            with contextlib.suppress(OSError):  # rmdir only ever removes an empty folder
                os.rmdir(folder)


def _feedback_salt(settings: Settings) -> str:
    """The salt for user hashes in logs: the feedback database's, so logs and votes agree."""
    import secrets
    import sqlite3

    from bot.feedback import FeedbackStore

    try:
        return FeedbackStore(settings.feedback_path).salt()
    except (OSError, sqlite3.Error) as err:
        log.warning(
            "votes database %s is unusable (%s); user hashes in the log change at each start",
            settings.feedback_path, err,
        )  # fmt: skip
        return secrets.token_hex(16)  # still salted, just not stable across restarts


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.json = getattr(args, "json", False)
    args.verbose = getattr(args, "verbose", False)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        settings = _settings(args)
    except SettingsError as err:
        print(f"reviewbot: error: {err}", file=sys.stderr)
        return EXIT_USAGE

    from bot import logs

    handler = logs.configure(settings, command=args.command, verbose=args.verbose)
    if args.command == "discord" and settings.discord_token:
        salt = _feedback_salt(settings)  # logs and the votes database hash users alike
        handler = logs.configure(settings, command=args.command, verbose=args.verbose, salt=salt)
    else:
        handler.addFilter(_ShownByCli())
    warn_insecure_base_url(settings)

    from retrieval import ReviewbotError

    # A failed run must not leave an empty index folder behind (e.g. a mistyped --data).
    fresh_index = _first_missing(settings.index_dir)
    status = EXIT_ERROR
    try:
        status = HANDLERS[args.command](args, settings)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except SettingsError as err:
        print(f"reviewbot: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ReviewbotError as err:
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
    finally:
        if status not in (0, EXIT_REJECTED):
            _remove_empty(fresh_index)


if __name__ == "__main__":
    sys.exit(main())
