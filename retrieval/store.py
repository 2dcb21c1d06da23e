"""The on-disk index: Chroma for dense search, plus the passages and vectors of one generation.

Layout of an index folder:

    chroma/              Chroma PersistentClient; one collection per generation, `passages-gN`
    gen-N/manifest.json  the reviews (with their text and content hash) and passage offsets
    gen-N/vectors.npy    passage embeddings, row i = passage i (reused when a review is unchanged)
    gen-N/sentence_vectors.npy  sentence embeddings, row j = sentence j (passages are runs of them)
    CURRENT              {"generation": N, ...} — replaced atomically, last, by a finished build

A build writes a whole new generation and only then swaps CURRENT, so a failed or interrupted
reindex leaves the previous index untouched and readers never see a half-built one. The previous
generation is kept one more round for processes that still have it open; older ones are removed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexDirError, IndexMismatch, StoreError
from .models import Passage, Review

log = logging.getLogger(__name__)

FORMAT = 2
_CURRENT = "CURRENT"


@dataclass(frozen=True)
class SentenceRef:
    review_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Snapshot:
    """One finished generation of the index, as readers see it."""

    root: Path
    generation: int
    model: str
    dim: int
    reviews: dict[str, Review]
    passages: list[Passage]
    # Sentence j is reviews[sentences[j].review_id].body[start:end]; passage i is made of
    # sentences passage_sentences[i][0] up to (not including) passage_sentences[i][1].
    sentences: list[SentenceRef]
    passage_sentences: list[tuple[int, int]]
    chunking: str = ""

    @property
    def collection_name(self) -> str:
        return collection_name(self.generation)

    @property
    def gen_dir(self) -> Path:
        return self.root / f"gen-{self.generation}"

    @cached_property
    def vectors(self) -> np.ndarray:
        """(n_passages, dim) float32, memory-mapped."""
        return np.load(self.gen_dir / "vectors.npy", mmap_mode="r")

    @cached_property
    def sentence_vectors(self) -> np.ndarray:
        """(n_sentences, dim) float32, memory-mapped."""
        return np.load(self.gen_dir / "sentence_vectors.npy", mmap_mode="r")

    def sentence_text(self, j: int) -> str:
        ref = self.sentences[j]
        return self.reviews[ref.review_id].body[ref.start : ref.end]

    @cached_property
    def reviews_by_name(self) -> tuple[Review, ...]:
        """Every review, sorted by display name (then id): computed once per generation."""
        return tuple(sorted(self.reviews.values(), key=lambda r: (r.display_name.lower(), r.id)))

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Passage id → row."""
        return {p.id: i for i, p in enumerate(self.passages)}

    @cached_property
    def rows_by_review(self) -> dict[str, np.ndarray]:
        rows: dict[str, list[int]] = {}
        for i, p in enumerate(self.passages):
            rows.setdefault(p.review_id, []).append(i)
        return {rid: np.asarray(ix, dtype=np.int64) for rid, ix in rows.items()}


def collection_name(generation: int) -> str:
    return f"passages-g{generation}"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class IndexStore:
    """Reads and writes generations of one index folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._client: Any = None

    # -- reading ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.root / _CURRENT).is_file()

    def current(self, *, model: str, dim: int) -> Snapshot | None:
        """The live generation, or None when nothing was built yet.

        Raises IndexMismatch when it was built by another embedding model.
        """
        try:
            head = json.loads((self.root / _CURRENT).read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise StoreError(
                f"index at {self.root} is unreadable ({err}); run `reviewbot index`"
            ) from None
        if head.get("format") != FORMAT:
            raise IndexMismatch(
                f"The index at {self.root} has format {head.get('format')} and this reviewbot "
                f"reads format {FORMAT}: run `reviewbot index` to rebuild it"
            )
        if head.get("model") != model or head.get("dim") != dim:
            raise IndexMismatch(
                f"The index at {self.root} was built with {head.get('model')} "
                f"({head.get('dim')}-d) but this reviewbot embeds with {model} ({dim}-d): "
                "run `reviewbot index` to rebuild it"
            )
        gen = int(head["generation"])
        manifest = json.loads((self.root / f"gen-{gen}" / "manifest.json").read_text("utf-8"))
        reviews = {r["id"]: Review(**r) for r in manifest["reviews"]}
        passages = [
            Passage(pid, rid, i, s, e, reviews[rid].body[s:e])
            for pid, rid, i, s, e in manifest["passages"]
        ]
        sentences = [SentenceRef(rid, a, b) for rid, a, b in manifest["sentences"]]
        ranges = [(a, b) for a, b in manifest["passage_sentences"]]
        return Snapshot(
            self.root,
            gen,
            model,
            dim,
            reviews,
            passages,
            sentences,
            ranges,
            manifest.get("chunking", ""),
        )

    def client(self) -> Any:
        path = self.root / "chroma"
        if self._client is not None and not path.exists():
            self._client = None  # the index folder was removed under us
        if self._client is None:
            import chromadb
            from chromadb.api.shared_system_client import SharedSystemClient
            from chromadb.config import Settings

            if not path.exists():
                # Chroma keeps one system per folder for the life of the process. If the folder
                # was deleted (someone removed the index, then reindexed from the bot) that
                # system still lists the old collections, and creating one fails as "exists".
                stale = SharedSystemClient._identifier_to_system.pop(str(path), None)
                if stale is not None:
                    SharedSystemClient._identifier_to_refcount.pop(str(path), None)
                    stale.stop()
            self._client = chromadb.PersistentClient(
                path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=False)
            )
        return self._client

    def collection(self, snapshot: Snapshot) -> Any:
        col = self.client().get_collection(snapshot.collection_name, embedding_function=None)
        meta = col.metadata or {}
        if meta.get("embedding_model") != snapshot.model or meta.get("dim") != snapshot.dim:
            raise IndexMismatch(
                f"Chroma collection {col.name} in {self.root} was built by "
                f"{meta.get('embedding_model')}: run `reviewbot index` to rebuild it"
            )
        return col

    # -- writing ---------------------------------------------------------------------------
    def check_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe"):
                pass
        except OSError as err:
            raise IndexDirError(
                f"Index folder {self.root} is not writable ({err.strerror}); "
                "set --index or REVIEWBOT_INDEX_DIR to a folder you can write"
            ) from None

    def write_generation(
        self,
        *,
        model: str,
        dim: int,
        reviews: Sequence[Review],
        passages: Sequence[Passage],
        vectors: np.ndarray,
        sentences: Sequence[SentenceRef],
        passage_sentences: Sequence[tuple[int, int]],
        sentence_vectors: np.ndarray,
        chunking: str,
        previous: Snapshot | None,
    ) -> Snapshot:
        """Write a complete new generation, then make it current; prune old ones."""
        if vectors.shape != (len(passages), dim):
            raise StoreError(
                f"vectors {vectors.shape} do not match {len(passages)} passages × {dim}"
            )
        self.check_writable()
        gen = max([previous.generation if previous else 0, *self._generations()]) + 1
        gen_dir = self.root / f"gen-{gen}"
        gen_dir.mkdir()
        client = self.client()
        col = client.create_collection(
            collection_name(gen),
            embedding_function=None,
            metadata={"embedding_model": model, "dim": dim, "format": FORMAT},
            configuration={"hnsw": {"space": "cosine"}},
        )
        by_id = {r.id: r for r in reviews}
        batch = min(int(client.get_max_batch_size()), 4096)
        for lo in range(0, len(passages), batch):
            chunk = passages[lo : lo + batch]
            col.add(
                ids=[p.id for p in chunk],
                embeddings=vectors[lo : lo + batch],
                documents=[p.text for p in chunk],
                metadatas=[
                    {"review_id": p.review_id, "film": by_id[p.review_id].film} for p in chunk
                ],
            )
        np.save(gen_dir / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
        np.save(
            gen_dir / "sentence_vectors.npy",
            np.ascontiguousarray(sentence_vectors, dtype=np.float32),
        )
        manifest = {
            "format": FORMAT,
            "generation": gen,
            "model": model,
            "dim": dim,
            "chunking": chunking,
            "reviews": [asdict(r) for r in reviews],
            "passages": [[p.id, p.review_id, p.index, p.start, p.end] for p in passages],
            "sentences": [[r.review_id, r.start, r.end] for r in sentences],
            "passage_sentences": [list(r) for r in passage_sentences],
        }
        _atomic_write(gen_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False).encode())
        head = {"format": FORMAT, "generation": gen, "model": model, "dim": dim}
        _atomic_write(self.root / _CURRENT, json.dumps(head).encode())
        log.info("index generation %d is live (%d passages)", gen, len(passages))
        self._prune(keep={gen, previous.generation if previous else gen})
        return Snapshot(
            self.root, gen, model, dim, {r.id: r for r in reviews}, list(passages),
            list(sentences), list(passage_sentences), chunking,
        )  # fmt: skip

    def _generations(self) -> list[int]:
        gens = []
        for p in self.root.glob("gen-*"):
            try:
                gens.append(int(p.name.removeprefix("gen-")))
            except ValueError:
                continue
        return gens

    def _prune(self, keep: set[int]) -> None:
        """Drop generations not in `keep` (older ones, and leftovers of interrupted builds)."""
        client = self.client()
        names = {collection_name(g) for g in keep}
        for col in client.list_collections():
            name = col if isinstance(col, str) else col.name
            if name.startswith("passages-g") and name not in names:
                client.delete_collection(name)
        for g in self._generations():
            if g not in keep:
                shutil.rmtree(self.root / f"gen-{g}", ignore_errors=True)
