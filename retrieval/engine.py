"""The one object adapters talk to: index, ask, summary, critics.

    engine = Engine(data_dir, index_dir, embedder=None, llm=None,
                    max_question_chars=1000, default_k=8)
    engine.index(on_progress=None) -> IndexReport    # one at a time (ReindexBusy); readers keep
                                                     # answering from the previous index meanwhile
    engine.ensure_index() -> IndexReport | None      # builds when there is no index yet
    engine.verify() -> list[str]                     # the index's problems, one line each
    engine.ask(question, critic=None, film=None, k=None, use_llm=True,
               on_delta=None) -> Answer              # on_delta(chunk: str) while an LLM streams
    engine.summary(critic, use_llm=True, on_delta=None) -> Answer
    engine.critics() -> list[Review]                 # every indexed review, by display name
    engine.films() -> list[Film]                     # by title: year, aliases, review ids
    engine.find_review(name) -> Review               # id or display name, case-insensitive;
                                                     # raises UnknownCritic with suggestions
    engine.find_loaded_review(name) -> Review | None # the same, in memory; None: no index open
    engine.complete_critics(prefix, limit=25) -> list[Review]   # [] on an empty index
    engine.check_question(question) -> str          # stripped; raises BadQuestion
    engine.warm_up()                                 # open the index and model ahead of use
    engine.prepared(question) -> (Live, Asked)       # for the benchmarks: the question as
    engine.ask_on(live, question, k=None) -> Answer  # search sees it; an offline answer on a
                                                     # Live whose searcher may carry another
                                                     # sentence model (Searcher.with_model)

A thin facade: indexing is `indexing.Indexer`, names are `catalogue.Catalogue`, answering is
`pipeline.Pipeline`. All methods are synchronous and thread-safe; async adapters call them via
asyncio.to_thread. Each answer works on the one snapshot that was live when it started.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from . import mentions
from .catalogue import Catalogue
from .chunking import CHUNKING
from .defaults import MAX_QUESTION_CHARS, MAX_REVIEW_BYTES, MODEL_DIR, K
from .embeddings import Embedder
from .errors import IndexMismatch
from .films import Film, scoping_films
from .indexing import Indexer, Progress
from .llm import LLM
from .models import Answer, IndexReport, Review
from .pipeline import Asked, Live, OnDelta, Pipeline
from .search import Searcher
from .store import IndexStore, Snapshot

log = logging.getLogger(__name__)


def default_embedder(model_dir: Path) -> Embedder:
    """ONNX all-MiniLM-L6-v2 (exported into `model_dir` once); falls back to torch."""
    from .onnx_embedding import default_embedder as onnx_default

    return onnx_default(model_dir)


class Engine:
    def __init__(
        self,
        data_dir: Path,
        index_dir: Path,
        *,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
        model_dir: Path = MODEL_DIR,
        max_question_chars: int = MAX_QUESTION_CHARS,
        default_k: int = K,
        max_review_bytes: int = MAX_REVIEW_BYTES,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.index_dir = Path(index_dir)
        self.model_dir = Path(model_dir)
        self._embedder = embedder
        self._store = IndexStore(self.index_dir)
        self._live: Live | None = None
        self._state = threading.Lock()  # guards _live / _embedder creation
        self._indexer = Indexer(
            self.data_dir,
            self._store,
            lambda: self.embedder,
            on_built=self._built,
            max_review_bytes=max_review_bytes,
        )
        self._pipeline = Pipeline(
            lambda: self.embedder, llm, default_k=default_k, max_question_chars=max_question_chars,
            # vectors kept beside the model are the model's: not with an embedder passed in
            cache_dir=self.model_dir if embedder is None else None,
        )  # fmt: skip

    @property
    def llm(self) -> LLM | None:
        return self._pipeline.llm

    @property
    def default_k(self) -> int:
        return self._pipeline.default_k

    @property
    def max_question_chars(self) -> int:
        return self._pipeline.max_question_chars

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._state:
            if self._embedder is None:
                self._embedder = default_embedder(self.model_dir)
            return self._embedder

    def _live_from(self, snap: Snapshot) -> Live:
        return Live(snap, Searcher(snap, lambda: self._store.collection(snap)), Catalogue(snap))

    def _open(self) -> Live | None:
        """The live generation (None: no index). Checks CURRENT on every call (one stat when
        nothing changed), so a reindex made by another process is picked up by the next
        question; each answer keeps the one Live it started with."""
        from .embeddings import MODEL_DIM, MODEL_NAME

        snap = self._store.current(model=MODEL_NAME, dim=MODEL_DIM)
        if snap is None:
            return None
        live = self._live
        if live is not None and live.snapshot is snap:
            return live
        with self._state:
            if self._live is None or self._live.snapshot is not snap:
                self._live = self._live_from(snap)
            return self._live

    def _built(self, snap: Snapshot) -> None:
        live = self._live_from(snap)
        with self._state:
            self._live = live

    def _require(self) -> Live:
        try:
            live = self._open()
        except IndexMismatch:
            if self._store.older_format() is None:
                raise  # another model's index: not ours to replace
            live = None  # an earlier reviewbot's index: ensure_index rebuilds it
        if live is not None and live.snapshot.chunking != CHUNKING:
            live = None  # passages cut by an earlier reviewbot: ensure_index re-cuts them
        if live is None:
            self.ensure_index()
            live = self._open()
        assert live is not None
        return live

    def warm_up(self) -> None:
        """Open the index and load the model now, so a long-running bot's first answer is fast
        (also the films' names, compiled once: ~0.7 s at 1,000 films; the reviews' words for
        mending typos; the parts-of-speech dictionary, ~0.3 s)."""
        live = self._open()
        if live is not None:
            self.embedder.embed_query("warm up")
            scoping_films("warm up", live.snapshot.films)
            live.searcher.vocabulary()
            mentions.warm()

    def has_index(self) -> bool:
        return self._store.exists()

    def verify(self) -> list[str]:
        """Every problem of the index on disk, one line each ([] = healthy); changes nothing."""
        from .embeddings import MODEL_DIM, MODEL_NAME

        return self._store.verify(model=MODEL_NAME, dim=MODEL_DIM)

    def snapshot(self) -> Snapshot | None:
        live = self._open()
        return live.snapshot if live else None

    # -- indexing ------------------------------------------------------------------------------
    def ensure_index(self, on_progress: Progress | None = None) -> IndexReport | None:
        """Build the index if there is none yet; returns the report when it built one."""
        return self._indexer.ensure_index(on_progress)

    def index(self, on_progress: Progress | None = None) -> IndexReport:
        """Bring the index in line with the review files; incremental and atomic."""
        return self._indexer.index(on_progress)

    # -- reviews and critics -------------------------------------------------------------------
    def critics(self) -> list[Review]:
        return self._require().catalogue.critics()

    def films(self) -> list[Film]:
        live = self._open()
        return list(live.snapshot.films) if live else []

    def find_review(self, name: str) -> Review:
        return self._require().catalogue.find_review(name)

    def find_loaded_review(self, name: str) -> Review | None:
        """`find_review` on the open index only, in memory (safe on an event loop); None when
        no index is open yet. Raises UnknownCritic like `find_review`."""
        live = self._live
        return live.catalogue.find_review(name) if live is not None else None

    def complete_critics(self, prefix: str, limit: int = 25) -> list[Review]:
        live = self._open()
        return live.catalogue.complete(prefix, limit) if live else []

    def prepared(self, question: str) -> tuple[Live, Asked]:
        """The current index and `question` made ready to search, as `ask` makes it (for
        fitting the sentence model: bench/train_ranker.py)."""
        live = self._require()
        return live, self._pipeline.prepare(live, question)

    def ask_on(self, live: Live, question: str, *, k: int | None = None) -> Answer:
        """An offline answer on `live` (from `prepared`, maybe with another sentence model:
        `Searcher.with_model`), as `ask` answers; for bench/train_ranker.py `--cv-answers`."""
        return self._pipeline.ask(live, question, k=k, use_llm=False)

    def check_question(self, question: str) -> str:
        return self._pipeline.check_question(question)

    # -- answering -----------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        critic: str | None = None,
        film: str | None = None,
        k: int | None = None,
        use_llm: bool = True,
        on_delta: OnDelta | None = None,
    ) -> Answer:
        self.check_question(question)  # before any index is opened or built
        return self._pipeline.ask(
            self._require(), question, critic=critic, film=film, k=k, use_llm=use_llm,
            on_delta=on_delta,
        )  # fmt: skip

    def summary(
        self, critic: str, *, use_llm: bool = True, on_delta: OnDelta | None = None
    ) -> Answer:
        return self._pipeline.summary(self._require(), critic, use_llm=use_llm, on_delta=on_delta)
