"""The on-disk index, shared by every process that opens it (a bot, `reviewbot` runs).

Long because the write protocol (segment → Chroma → manifest → flip → prune), the checks made on
opening and the repairs a reindex makes depend on one another and are read together.

Layout of an index folder (format 4):

    LOCK                    flock'ed by the one process writing; holds its pid, host and start
    CURRENT                 {"generation": N, "history": [[gen, flipped_at], …], …}: replaced
                            atomically, last, by a finished reindex (the flip)
    gen-N/manifest.json     generation N: the chunking, the Chroma folder, and its members in
                            order — [version key, review file path, segment] per review
    gen-N/bm25/             its BM25 index (bm25s' files, memory-mapped by readers), assembled
                            from the members' stored term counts, not from their texts
    gen-N/stamps.json       lstat() of each review file read for N: the next reindex reads
                            again only the files whose stamp changed (retrieval/indexing.py)
    segments/S.json         the review versions segment S holds: review fields and body, where
                            their rows start and how many — written last, so it marks S complete
    segments/S.npz          … their tables: passages (start, end, first and end sentence),
                            sentences (start, end), and the passages' BM25 term counts (CSR over
                            the segment's own vocabulary; read only by a reindex)
    segments/S.p.npy        … their passage vectors (float16, row-aligned with the tables) and
    segments/S.s.npy        … their sentence vectors (float16); both read with pread(), not
                            memory-mapped, so the rows questions touch do not stay in a reader's
                            RSS (snapshot.VectorFile)
    chroma-XXXXXX/          Chroma PersistentClient with ONE long-lived collection `passages`:
                            a row per passage of every stored review version, id
                            `<passage id>@<version key>`, metadata review_id and film, no
                            document (the text is in the segments)

Opening a generation reads the JSON of its segments (the bodies) and their tables as arrays:
no object per passage or sentence is made until one is asked for (snapshot.Passages).

A review version is keyed by (review id, file content hash, chunking, model): the same file
always has the same key, and a changed file gets a new one. Everything under `segments/` and in
Chroma is therefore append-only per key; a reindex writes only the versions it embedded (one new
segment) plus a small generation manifest, upserts their rows into Chroma, then flips CURRENT.

Guarantees:
- Readers never see a half-applied reindex: a generation names its members by key, and a
  reader maps Chroma hits back through its own keys (rows of other versions are skipped).
- An interrupted reindex leaves the previous generation intact (nothing it uses was touched),
  and its leftovers (a segment, Chroma rows, a gen folder) are reused or removed by the next one.
- One writer at a time across processes (`lock`); a second waits a bounded time, then is told
  who holds the lock.
- Readers notice a flip with one stat() of CURRENT per question (`current` caches by inode).
  Files and rows of a generation are deleted only when it has been retired for `grace_s()`
  (vectors are read through a descriptor opened with the segment, which survives the
  deletion of its file on POSIX).
- Opening validates what it reads and raises StoreError naming the damage; `verify` lists every
  problem; a reindex rebuilds what is missing from what is intact (see retrieval/indexing.py).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import IndexDirError, IndexMismatch, ReindexBusy, StoreError
from .models import Review
from .snapshot import (
    GenerationView,
    NewVersion,
    Passages,
    Rows,
    SentenceRef,
    SentenceRefs,
    Snapshot,
    VectorFile,
    Version,
    version_key,
)

if TYPE_CHECKING:
    from .lexical import TermCounts

__all__ = [
    "GenerationView", "IndexStore", "NewVersion", "Rows", "SentenceRef", "Snapshot", "Version",
    "problem", "version_key",
]  # fmt: skip

log = logging.getLogger(__name__)

FORMAT = 4
# Vectors are stored as float16: half the disk, and a cosine between unit vectors moves by
# < 1e-3 (measured ≤ 2e-4 on MiniLM vectors); readers get float32 rows (snapshot.Rows).
VECTOR_DTYPE = np.float16
COLLECTION = "passages"
# An old generation's Chroma client is closed this long after it was retired (an answer may
# still be querying it: the LLM deadline is 20 s by default).
CLIENT_GRACE_S = 120.0
_CURRENT = "CURRENT"
_LOCK = "LOCK"
_SEGMENTS = "segments"


def grace_s() -> float:
    """How long a retired generation stays readable after the flip that retired it
    (REVIEWBOT_INDEX_GRACE_S, default 300 s)."""
    return float(os.environ.get("REVIEWBOT_INDEX_GRACE_S", "300"))


def lock_wait_s() -> float:
    """How long a reindex waits for another one to finish (REVIEWBOT_INDEX_LOCK_WAIT_S, 600 s)."""
    return float(os.environ.get("REVIEWBOT_INDEX_LOCK_WAIT_S", "600"))


_REPAIR = "run `reviewbot index` to repair it"
_ADVICE = re.compile(r"[;:] run `reviewbot index` to (?:repair|rebuild) it$")


def problem(err: Exception) -> str:
    """What `err` found wrong with the index, without its advice to run `reviewbot index`: said
    during a reindex, which is the repair."""
    return _ADVICE.sub("", str(err))


_SAID: set[str] = set()  # damage already logged by this process


def crash_point(name: str) -> None:
    """Test hook: SIGKILL this process at step `name` when REVIEWBOT_TEST_CRASH_AT names it."""
    if os.environ.get("REVIEWBOT_TEST_CRASH_AT") == name:
        log.warning("REVIEWBOT_TEST_CRASH_AT=%s: killing the process", name)
        os.kill(os.getpid(), signal.SIGKILL)


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


def _save_npy(path: Path, array: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array, dtype=VECTOR_DTYPE))
    _atomic_write(path, buf.getvalue())


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)  # uncompressed: a member reads without inflating
    _atomic_write(path, buf.getvalue())


_REVIEW_FIELDS = frozenset(f.name for f in dataclass_fields(Review))


def _review_json(review: Review) -> dict[str, Any]:
    data = asdict(review)
    data.pop("path")
    return data


class IndexStore:
    """Reads and writes one index folder; safe to share between threads and processes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._clients: dict[tuple[str, int], Any] = {}
        self._retired: dict[tuple[str, int], float] = {}  # client key → when it was retired
        self._segments: dict[str, tuple[dict[str, Version], VectorFile, VectorFile]] = {}
        self._cached: tuple[tuple[int, int, int], Snapshot] | None = None
        self._manifests: dict[int, tuple[tuple[int, int, int], dict[str, Any]]] = {}
        self._mutex = threading.RLock()
        self._loading = threading.Lock()
        self._locked = False

    # -- locking -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait_s: float | None = None) -> Iterator[None]:
        """Hold the index's writer lock (across processes); wait up to `wait_s` for it."""
        wait = lock_wait_s() if wait_s is None else wait_s
        self.check_writable()
        path = self.root / _LOCK
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                        raise
                if time.monotonic() >= deadline:
                    raise ReindexBusy(self.busy_message(wait)) from None
                time.sleep(0.05)
            holder = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode(), 0)
            self._locked = True
            try:
                yield
            finally:
                self._locked = False
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def busy_message(self, waited: float) -> str:
        """'A reindex is already running (pid …, host, since …)', read from the lock file."""
        try:
            holder = json.loads((self.root / _LOCK).read_text("utf-8") or "{}")
        except (OSError, ValueError):
            holder = {}
        who = (
            f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('since')}"
            if holder
            else "another process"
        )
        waited_s = f"; waited {waited:g}s" if waited else ""
        return f"A reindex is already running ({who}){waited_s} — try again when it has finished."

    # -- reading -------------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.root / _CURRENT).is_file()

    def older_format(self) -> int | None:
        """The format of an index written by an earlier reviewbot (None: current, or none, or
        unreadable — which opening reports)."""
        try:
            head = self._head()
        except StoreError:
            return None
        have = head.get("format") if isinstance(head, dict) else None
        return have if isinstance(have, int) and have < FORMAT else None

    def chunking(self) -> str | None:
        """How the live generation cut reviews into passages (None: no readable index)."""
        try:
            head = self._head()
            if head is None:
                return None
            return str(self._manifest(head["generation"]).get("chunking", ""))
        except StoreError:
            return None

    def _head(self) -> dict[str, Any] | None:
        try:
            head = json.loads((self.root / _CURRENT).read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise StoreError(
                f"index at {self.root}: CURRENT is unreadable ({err}); {_REPAIR}"
            ) from None
        if not isinstance(head, dict) or not isinstance(head.get("generation"), int):
            raise StoreError(f"index at {self.root}: CURRENT names no generation; {_REPAIR}")
        return head

    def current(self, *, model: str, dim: int) -> Snapshot | None:
        """The live generation, or None when nothing was built yet.

        Cheap when nothing changed: one stat() of CURRENT (a flip replaces the file, so its
        inode changes). Raises IndexMismatch for another model or format, StoreError naming the
        damage when a file it needs is missing or inconsistent."""
        for _attempt in range(5):
            stamp = self._stamp()
            if stamp is None:
                return None
            cached = self._cached
            if cached is not None and cached[0] == stamp:
                self._check_model(cached[1].model, cached[1].dim, model, dim)
                return cached[1]
            try:
                with self._loading:  # one thread loads a new generation; the others reuse it
                    cached = self._cached
                    if cached is not None and cached[0] == stamp:
                        return cached[1]
                    snap = self._load(model=model, dim=dim)
                    if snap is not None:
                        self._cached = (stamp, snap)
            except (StoreError, FileNotFoundError) as err:
                if self._stamp() != stamp:
                    continue  # a writer flipped (and pruned) while we read: read the new one
                if isinstance(err, FileNotFoundError):
                    raise StoreError(f"index at {self.root}: {err}; {_REPAIR}") from None
                raise
            return snap
        raise StoreError(f"index at {self.root} keeps changing under this reader; try again")

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = (self.root / _CURRENT).stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _check_model(self, have_model: Any, have_dim: Any, model: str, dim: int) -> None:
        if have_model != model or have_dim != dim:
            raise IndexMismatch(
                f"The index at {self.root} was built with {have_model} ({have_dim}-d) but this "
                f"reviewbot embeds with {model} ({dim}-d): run `reviewbot index` to rebuild it"
            )

    def _load(self, *, model: str, dim: int) -> Snapshot | None:
        head = self._head()
        if head is None:
            return None
        if head.get("format") != FORMAT:
            raise IndexMismatch(
                f"The index at {self.root} has format {head.get('format')} and this reviewbot "
                f"reads format {FORMAT}: run `reviewbot index` to rebuild it"
            )
        self._check_model(head.get("model"), head.get("dim"), model, dim)
        gen = int(head["generation"])
        manifest = self._manifest(gen)
        return self._snapshot(gen, manifest, model, dim)

    def _manifest(self, gen: int) -> dict[str, Any]:
        """Generation `gen`'s manifest (cached by the file's inode, mtime and size: a reindex
        reads those of every generation still in its grace period)."""
        path = self.root / f"gen-{gen}" / "manifest.json"
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            with self._mutex:
                hit = self._manifests.get(gen)
            if hit is not None and hit[0] == stamp:
                return hit[1]
            manifest = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise StoreError(
                f"index at {self.root}: gen-{gen}/manifest.json is missing; {_REPAIR}"
            ) from None
        except (OSError, ValueError) as err:
            raise StoreError(
                f"index at {self.root}: gen-{gen}/manifest.json is unreadable ({err}); {_REPAIR}"
            ) from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("members"), list):
            raise StoreError(
                f"index at {self.root}: gen-{gen}/manifest.json is malformed; {_REPAIR}"
            )
        with self._mutex:
            self._manifests[gen] = (stamp, manifest)
            for old in sorted(self._manifests)[:-16]:  # a few generations' worth
                del self._manifests[old]
        return manifest

    def segment(self, name: str, *, dim: int) -> tuple[dict[str, Version], VectorFile, VectorFile]:
        """A segment's versions and its passage and sentence vectors (VectorFiles; validated;
        cached: segments never change once written)."""
        with self._mutex:
            if name in self._segments:
                return self._segments[name]
        base = self.root / _SEGMENTS
        where = f"index at {self.root}: segment {name}"
        try:
            meta = json.loads((base / f"{name}.json").read_text("utf-8"))
        except FileNotFoundError:
            raise StoreError(f"{where}: {name}.json is missing; {_REPAIR}") from None
        except (OSError, ValueError) as err:
            raise StoreError(f"{where}: {name}.json is unreadable ({err}); {_REPAIR}") from None
        n_p, n_s = meta.get("passages"), meta.get("sentences")
        arrays = []
        for kind, count in (("p", n_p), ("s", n_s)):
            file = base / f"{name}.{kind}.npy"
            try:
                arr = VectorFile(file)
            except FileNotFoundError:
                raise StoreError(f"{where}: {file.name} is missing; {_REPAIR}") from None
            except (OSError, ValueError) as err:
                raise StoreError(f"{where}: {file.name} is damaged ({err}); {_REPAIR}") from None
            if arr.shape != (count, dim) or arr.dtype != VECTOR_DTYPE:
                raise StoreError(
                    f"{where}: {file.name} holds {arr.shape} {arr.dtype}, expected ({count}, {dim})"
                    f" {np.dtype(VECTOR_DTYPE)}; {_REPAIR}"
                )
            arrays.append(arr)
        tables = self._tables(name, ("passages", "sentences"))
        p_tab, s_tab = tables["passages"], tables["sentences"]
        if p_tab.shape != (n_p, 4) or s_tab.shape != (n_s, 2):
            raise StoreError(
                f"{where}: {name}.npz holds {p_tab.shape} passages and {s_tab.shape} sentences, "
                f"expected {n_p} and {n_s}; {_REPAIR}"
            )
        versions = {}
        for v in meta.get("versions", []):
            # JSON lists back to tuples (a list-valued field such as aliases would make the
            # frozen Review unhashable); fields this reviewbot does not know are dropped.
            fields: dict[str, Any] = {
                k: tuple(x) if isinstance(x, list) else x
                for k, x in v["review"].items()
                if k in _REVIEW_FIELDS
            }
            review = Review(**{**fields, "path": ""})
            p_lo, s_lo = int(v["p_lo"]), int(v["s_lo"])
            versions[v["key"]] = Version(
                v["key"], review, name, p_lo, s_lo,
                p_tab[p_lo : p_lo + int(v["n_p"])], s_tab[s_lo : s_lo + int(v["n_s"])],
            )  # fmt: skip
        entry = (versions, arrays[0], arrays[1])
        with self._mutex:
            self._segments[name] = entry
        return entry

    def _tables(self, name: str, which: Sequence[str]) -> dict[str, np.ndarray]:
        """Arrays `which` of segment `name`'s tables (S.npz), read whole (StoreError if damaged)."""
        file = self.root / _SEGMENTS / f"{name}.npz"
        where = f"index at {self.root}: segment {name}"
        try:
            with np.load(file) as npz:
                return {k: npz[k] for k in which}
        except FileNotFoundError:
            raise StoreError(f"{where}: {file.name} is missing; {_REPAIR}") from None
        except (OSError, ValueError, KeyError, EOFError) as err:
            raise StoreError(f"{where}: {file.name} is damaged ({err}); {_REPAIR}") from None

    def term_counts(self, name: str) -> TermCounts:
        """Segment `name`'s passages' BM25 term counts (read by writers only)."""
        from .lexical import TermCounts

        t = self._tables(name, ("vocab", "tf_ptr", "tf_doc", "tf_count", "tf_len"))
        return TermCounts(t["vocab"].tolist(), t["tf_ptr"], t["tf_doc"], t["tf_count"], t["tf_len"])

    def _snapshot(self, gen: int, manifest: dict[str, Any], model: str, dim: int) -> Snapshot:
        """A generation's snapshot from its members' stored versions: numpy over the segments'
        tables and one step per review, no object per passage or sentence."""
        reviews: dict[str, Review] = {}
        ordered: list[Review] = []
        p_tabs: list[np.ndarray] = []
        s_tabs: list[np.ndarray] = []
        counts: list[int] = []
        s_counts: list[int] = []
        keys: dict[str, str] = {}
        p_parts: list[tuple[VectorFile, int, int]] = []
        s_parts: list[tuple[VectorFile, int, int]] = []
        members = []
        segments: dict[str, tuple[dict[str, Version], VectorFile, VectorFile]] = {}
        for key, path, seg in manifest["members"]:
            if seg not in segments:
                segments[seg] = self.segment(seg, dim=dim)
            versions, pvec, svec = segments[seg]
            v = versions.get(key)
            if v is None:
                raise StoreError(
                    f"index at {self.root}: gen-{gen} needs review version {key} but segment "
                    f"{seg} does not hold it; {_REPAIR}"
                )
            review = replace(v.review, path=path)
            reviews[review.id] = review
            ordered.append(review)
            keys[review.id] = key
            p_tabs.append(v.passages)
            s_tabs.append(v.sentences)
            counts.append(len(v.passages))
            s_counts.append(len(v.sentences))
            p_parts.append((pvec, v.p_lo, len(v.passages)))
            s_parts.append((svec, v.s_lo, len(v.sentences)))
            members.append((key, path, seg))
        p_tab = np.concatenate([np.zeros((0, 4), dtype=np.int64), *p_tabs]).astype(np.int64)
        s_tab = np.concatenate([np.zeros((0, 2), dtype=np.int64), *s_tabs]).astype(np.int64)
        # A version's sentence numbers count from its review's first sentence.
        s_base = np.cumsum([0, *s_counts], dtype=np.int64)[:-1]
        ranges = p_tab[:, 2:4] + np.repeat(s_base, counts)[:, None]
        passages = Passages(ordered, np.asarray(counts, dtype=np.int64), p_tab[:, 0:2])
        sentences = SentenceRefs(list(reviews), np.repeat(np.arange(len(ordered)), s_counts), s_tab)
        return Snapshot(
            self.root, gen, model, dim, reviews, passages, sentences, ranges,
            manifest.get("chunking", ""), Rows(p_parts, dim), Rows(s_parts, dim),
            manifest.get("chroma", ""), keys, tuple(members),
        )  # fmt: skip

    # -- Chroma --------------------------------------------------------------------------------
    def client(self, chroma_dir: str, generation: int, *, create: bool = False) -> Any:
        """A PersistentClient on `chroma_dir` (a folder inside the index) for `generation`.

        Chroma keeps one system per path string per process, and a loaded system never sees
        rows another process wrote later (measured with chromadb 1.5.9: its HNSW stays as
        loaded). So each generation opens the folder through its own path string,
        `gen-N/../chroma-X`, which the OS resolves to the same folder: a reader that switches to
        generation N gets a system loaded after N was written, through Chroma's public API and
        without touching its private cache. Clients two or more generations old are closed once
        they have been retired for CLIENT_GRACE_S (an answer may still be using one).
        """
        with self._mutex:
            client = self._clients.get((chroma_dir, generation))
            if client is not None:
                return client
            real = self.root / chroma_dir
            if not create:
                if not chroma_dir or not real.is_dir():
                    raise StoreError(
                        f"index at {self.root}: Chroma folder {chroma_dir or '?'} is missing; "
                        f"{_REPAIR}"
                    )
                if not (real / "chroma.sqlite3").is_file():
                    raise StoreError(
                        f"index at {self.root}: {chroma_dir}/chroma.sqlite3 is missing; {_REPAIR}"
                    )
            import chromadb
            from chromadb.config import Settings

            path = self.root / f"gen-{generation}" / ".." / chroma_dir
            try:
                client = chromadb.PersistentClient(
                    path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=False)
                )
            except Exception as err:  # a damaged database: Chroma raises various types
                raise StoreError(
                    f"index at {self.root}: Chroma folder {chroma_dir} does not open "
                    f"({type(err).__name__}: {err}); {_REPAIR}"
                ) from None
            # An answer that started on an old generation may still be querying its client:
            # retire old clients first and close them only CLIENT_GRACE_S later (closing one
            # under a reader raised AttributeError from Chroma's bindings in the soak test).
            now = time.monotonic()
            for old in [k for k in self._clients if k[1] < generation - 1]:
                self._retired.setdefault(old, now)
            for old, since in list(self._retired.items()):
                if now - since >= CLIENT_GRACE_S:
                    del self._retired[old]
                    with contextlib.suppress(Exception):
                        self._clients.pop(old).close()
            self._clients[(chroma_dir, generation)] = client
            return client

    def _collection(
        self, chroma_dir: str, generation: int, model: str, dim: int, *, create: bool = False
    ) -> Any:
        client = self.client(chroma_dir, generation, create=create)
        if create:
            return client.get_or_create_collection(
                COLLECTION,
                embedding_function=None,
                metadata={"embedding_model": model, "dim": dim, "format": FORMAT},
                configuration={"hnsw": {"space": "cosine"}},
            )
        try:
            col = client.get_collection(COLLECTION, embedding_function=None)
        except Exception as err:  # chromadb raises NotFoundError (1.x) or ValueError (older)
            raise StoreError(
                f"index at {self.root}: Chroma collection {COLLECTION!r} in {chroma_dir} is "
                f"missing ({type(err).__name__}); {_REPAIR}"
            ) from None
        meta = col.metadata or {}
        self._check_model(meta.get("embedding_model"), meta.get("dim"), model, dim)
        return col

    def collection(self, snapshot: Snapshot) -> GenerationView:
        """The Chroma collection as `snapshot` sees it; checks it exists and holds its rows."""
        col = self._collection(
            snapshot.chroma_dir, snapshot.generation, snapshot.model, snapshot.dim
        )
        count = int(col.count())
        if count < len(snapshot.passages):
            raise StoreError(
                f"index at {self.root}: Chroma holds {count} rows but generation "
                f"{snapshot.generation} has {len(snapshot.passages)} passages; {_REPAIR}"
            )
        return GenerationView(col, snapshot)

    # -- checking ------------------------------------------------------------------------------
    def verify(self, *, model: str, dim: int) -> list[str]:
        """Every problem with the live generation, one line each ([] = healthy). Reads only."""
        try:
            snap = self.current(model=model, dim=dim)
        except (StoreError, IndexMismatch) as err:
            return [str(err)]
        if snap is None:
            return [f"no index at {self.root} yet (run `reviewbot index`)"]
        problems: list[str] = []
        try:
            col = self._collection(snap.chroma_dir, snap.generation, model, dim)
        except (StoreError, IndexMismatch) as err:
            return [str(err)]
        wanted = list(snap.row_of_chroma_id)
        found: set[str] = set()
        for lo in range(0, len(wanted), 5000):
            found.update(col.get(ids=wanted[lo : lo + 5000], include=[])["ids"])
        lexical = self._lexical_problem(snap)
        if lexical:
            problems.append(lexical)
        if len(found) < len(wanted):
            problems.append(
                f"index at {self.root}: Chroma lacks {len(wanted) - len(found)} of generation "
                f"{snap.generation}'s {len(wanted)} passage rows; {_REPAIR}"
            )
        return problems

    # -- writing -------------------------------------------------------------------------------
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

    def intact_versions(self, *, dim: int) -> dict[str, Version]:
        """Every review version stored in an undamaged segment, by key (for reuse)."""
        found: dict[str, Version] = {}
        base = self.root / _SEGMENTS
        for meta in sorted(base.glob("*.json")) if base.is_dir() else []:
            try:
                versions, _, _ = self.segment(meta.stem, dim=dim)
            except StoreError as err:
                # Said during a reindex: the reindex is the repair, so not its advice; and once
                # per damage, though a reindex looks at the segments more than once.
                why = problem(err)
                if why not in _SAID:
                    if len(_SAID) >= 1000:
                        _SAID.clear()
                    _SAID.add(why)
                    log.warning("%s: its reviews are embedded again", why)
                continue
            for key, v in versions.items():
                found.setdefault(key, v)
        return found

    def healthy(self, snapshot: Snapshot) -> bool:
        """Cheap check of what `current` does not read: the Chroma collection and its count,
        the BM25 index."""
        try:
            self.collection(snapshot)
        except (StoreError, IndexMismatch) as err:
            log.warning("%s", err)
            return False
        problem = self._lexical_problem(snapshot)
        if problem:
            log.warning("%s", problem)
        return problem is None

    def tidy(self, snapshot: Snapshot) -> None:
        """Remove what no generation within the grace period uses (after an interrupted
        reindex, or once the grace period of retired generations has passed)."""
        if not self._locked:
            raise RuntimeError("tidy() needs the writer lock (IndexStore.lock())")
        head = self._head() or {}
        history = [(int(g), float(t)) for g, t in head.get("history", [])]
        kept = self._within_grace(history, time.time())
        if snapshot.generation not in {g for g, _ in kept}:
            return
        col = self._collection(snapshot.chroma_dir, snapshot.generation, snapshot.model,
                               snapshot.dim)  # fmt: skip
        self._prune(kept, col, snapshot.chroma_dir, snapshot.dim)

    def commit(
        self,
        *,
        model: str,
        dim: int,
        chunking: str,
        members: Sequence[tuple[Review, str]],
        new: Sequence[NewVersion],
        previous: Snapshot | None,
        stamps: dict[str, list[int]] | None = None,
    ) -> Snapshot:
        """Make a new generation of `members` (review, version key) live.

        Versions in `new` are written to a new segment; every other key must be intact on disk.
        `stamps` (review file path → its stamp) are kept for the next reindex (see `stamps`).
        Steps, each safe to interrupt: segment → Chroma rows → manifest → flip CURRENT → prune.
        """
        if not self._locked:
            raise RuntimeError("commit() needs the writer lock (IndexStore.lock())")
        head = None
        with contextlib.suppress(StoreError):
            head = self._head()
        history = [
            (int(g), float(t))
            for g, t in (head or {}).get("history", [])
            if (self.root / f"gen-{g}").is_dir()
        ]
        gen = max([0, *(g for g, _ in history), *self._generations(), *self._segment_gens()]) + 1
        carried = self._carry(members, {v.key for v in new}, dim)
        written = [*new, *carried]
        seg = self._write_segment(gen, written, dim) if written else None
        crash_point("after-segment")

        available = self.intact_versions(dim=dim)
        in_seg = {v.key for v in written}
        rows: list[tuple[str, str, str]] = []
        for review, key in members:
            v = available.get(key)
            if v is None:
                raise StoreError(f"review version {key} ({review.id}) is not stored")
            rows.append((key, review.path, seg if seg and key in in_seg else v.segment))

        chroma_dir = self._usable_chroma(previous, model, dim)
        gen_dir = self.root / f"gen-{gen}"
        gen_dir.mkdir(exist_ok=True)
        col = self._collection(chroma_dir, gen, model, dim, create=True)
        batch = min(int(self.client(chroma_dir, gen).get_max_batch_size()), 4096)
        count = self._sync_chroma(
            col, [available[k] for k in dict.fromkeys(k for k, _, _ in rows)],
            new_keys={v.key for v in new}, other_keys=self._kept_keys(history),
            available=available, dim=dim, batch=batch,
        )  # fmt: skip
        crash_point("after-chroma")

        manifest = {
            "format": FORMAT,
            "generation": gen,
            "model": model,
            "dim": dim,
            "chunking": chunking,
            "chroma": chroma_dir,
            "members": [list(r) for r in rows],
        }
        snap = self._snapshot(gen, manifest, model, dim)
        self._write_lexical(snap, dim)
        _atomic_write(gen_dir / "stamps.json", json.dumps(stamps or {}).encode())
        _atomic_write(gen_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False).encode())
        crash_point("before-flip")

        now = time.time()
        history.append((gen, now))
        history = self._within_grace(history, now)
        head = {
            "format": FORMAT,
            "generation": gen,
            "model": model,
            "dim": dim,
            "history": [list(h) for h in history],
        }
        _atomic_write(self.root / _CURRENT, json.dumps(head).encode())
        log.info("index generation %d is live (%d reviews; segment %s)", gen, len(rows), seg)
        crash_point("after-flip")
        self._prune(history, col, chroma_dir, dim, count)
        stamp = self._stamp()
        if stamp is not None:
            with self._mutex:
                self._cached = (stamp, snap)
        return snap

    def _carry(
        self, members: Sequence[tuple[Review, str]], fresh: set[str], dim: int
    ) -> list[NewVersion]:
        """Compaction: the versions the new generation keeps from segments that are at most
        half in use, copied (not re-embedded) into the new segment so the old ones can go."""
        available = self.intact_versions(dim=dim)
        keep = [available[k] for _, k in members if k in available and k not in fresh]
        live: dict[str, int] = {}
        for v in keep:
            live[v.segment] = live.get(v.segment, 0) + len(v.passages)
        out = []
        for v in keep:
            _, pvec, svec = self.segment(v.segment, dim=dim)
            if live[v.segment] * 2 > len(pvec):
                continue
            pv = np.asarray(pvec[v.p_lo : v.p_lo + len(v.passages)])
            sv = np.asarray(svec[v.s_lo : v.s_lo + len(v.sentences)])
            out.append(NewVersion(v.key, v.review, v.passages, v.sentences, pv, sv))
        return out

    def stamps(self, snapshot: Snapshot) -> dict[str, list[int]]:
        """The file stamps recorded with `snapshot` (gen-N/stamps.json: path → [mode, inode,
        size, mtime_ns, ctime_ns] of each review file read for it); {} when missing or damaged,
        which only means every file is read again."""
        try:
            found = json.loads((snapshot.gen_dir / "stamps.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _write_lexical(self, snap: Snapshot, dim: int) -> None:
        """The generation's BM25 index, from its members' stored term counts (no text is
        tokenized again: see lexical.LexicalIndex.from_counts)."""
        from .lexical import LexicalIndex

        maps: dict[str, np.ndarray] = {}  # segment → its passages' rows in this generation
        row = 0
        for key, _, seg in snap.members:
            versions, pvec, _ = self.segment(seg, dim=dim)
            if seg not in maps:
                maps[seg] = np.full(len(pvec), -1, dtype=np.int64)
            v = versions[key]
            maps[seg][v.p_lo : v.p_lo + len(v.passages)] = np.arange(row, row + len(v.passages))
            row += len(v.passages)
        parts = [(self.term_counts(seg), m) for seg, m in maps.items()]
        target = snap.gen_dir / "bm25"
        shutil.rmtree(target, ignore_errors=True)
        LexicalIndex.from_counts(parts).save(target)

    def _lexical_problem(self, snap: Snapshot) -> str | None:
        from .lexical import LexicalIndex

        try:
            LexicalIndex.load(snap.gen_dir / "bm25", len(snap.passages))
        except (OSError, ValueError, KeyError) as err:
            return (
                f"index at {self.root}: gen-{snap.generation}/bm25 is unusable "
                f"({type(err).__name__}: {err}); {_REPAIR}"
            )
        return None

    def _write_segment(self, gen: int, new: Sequence[NewVersion], dim: int) -> str:
        from .lexical import TermCounts

        base = self.root / _SEGMENTS
        base.mkdir(exist_ok=True)
        name = f"s{gen}-{secrets.token_hex(3)}"
        versions = []
        p_lo = s_lo = 0
        p_tabs = [np.zeros((0, 4), dtype=np.int64)]
        s_tabs = [np.zeros((0, 2), dtype=np.int64)]
        texts: list[str] = []
        for v in new:
            p_tab = np.asarray(v.passages, dtype=np.int64).reshape(-1, 4)
            s_tab = np.asarray(v.sentences, dtype=np.int64).reshape(-1, 2)
            versions.append({
                "key": v.key, "review": _review_json(v.review), "p_lo": p_lo, "s_lo": s_lo,
                "n_p": len(p_tab), "n_s": len(s_tab),
            })  # fmt: skip
            p_tabs.append(p_tab)
            s_tabs.append(s_tab)
            texts += [v.review.body[a:b] for a, b in p_tab[:, :2].tolist()]
            p_lo += len(p_tab)
            s_lo += len(s_tab)
        empty = np.zeros((0, dim), dtype=np.float32)
        pv = np.concatenate([empty, *(v.passage_vectors for v in new)])
        sv = np.concatenate([empty, *(v.sentence_vectors for v in new)])
        if pv.shape != (p_lo, dim) or sv.shape != (s_lo, dim):
            raise StoreError(f"vectors {pv.shape}/{sv.shape} do not match {p_lo}/{s_lo} rows")
        _save_npy(base / f"{name}.p.npy", pv)
        _save_npy(base / f"{name}.s.npy", sv)
        tf = TermCounts.of(texts)
        _save_npz(
            base / f"{name}.npz",
            passages=np.concatenate(p_tabs).astype(np.int32),
            sentences=np.concatenate(s_tabs).astype(np.int32),
            vocab=np.asarray(tf.vocab, dtype=np.str_),
            tf_ptr=tf.indptr, tf_doc=tf.docs, tf_count=tf.counts, tf_len=tf.lengths,
        )  # fmt: skip
        meta = {"format": FORMAT, "passages": p_lo, "sentences": s_lo, "versions": versions}
        # Written last: a segment without its .json is an interrupted write, removed by _prune.
        _atomic_write(base / f"{name}.json", json.dumps(meta, ensure_ascii=False).encode())
        return name

    def _usable_chroma(self, previous: Snapshot | None, model: str, dim: int) -> str:
        """The Chroma folder to write to: the live one if it opens, else a fresh one."""
        if previous is not None and previous.chroma_dir:
            try:
                self._collection(previous.chroma_dir, previous.generation, model, dim)
                return previous.chroma_dir
            except (StoreError, IndexMismatch) as err:
                if (
                    isinstance(err, StoreError)
                    and "collection" in str(err)
                    and (self.root / previous.chroma_dir / "chroma.sqlite3").is_file()
                ):
                    return previous.chroma_dir  # the database is there: recreate the collection
                log.warning("%s — starting a new Chroma folder", err)
        return f"chroma-{secrets.token_hex(3)}"

    def _kept_keys(self, history: Sequence[tuple[int, float]]) -> set[str]:
        """Keys of the generations the last flip kept (their Chroma rows are still there)."""
        keys: set[str] = set()
        for g, _ in history:
            with contextlib.suppress(StoreError):
                keys.update(k for k, _, _ in self._manifest(g)["members"])
        return keys

    def _sync_chroma(
        self,
        col: Any,
        members: Sequence[Version],
        *,
        new_keys: set[str],
        other_keys: set[str],
        available: dict[str, Version],
        dim: int,
        batch: int,
    ) -> int:
        """Upsert the rows of the new versions; if Chroma's count then disagrees with what the
        kept generations need, reconcile row by row (repair after damage or a crash). Returns
        the count of rows Chroma then holds."""
        # New versions, and versions no kept generation has: those are back (a file changed
        # back) and their rows may have been pruned while their segment stayed in use.
        fresh = [v for v in members if v.key in new_keys or v.key not in other_keys]
        self._add_rows(col, fresh, dim, batch, crash=True)
        need = other_keys | {v.key for v in members}
        wanted = {k: available[k] for k in need if k in available}
        expected = sum(len(v.passages) for v in wanted.values())
        if int(col.count()) == expected:
            return expected
        log.warning("Chroma holds %d rows, expected %d: reconciling", col.count(), expected)
        want_ids = {cid: v.key for v in wanted.values() for cid in v.chroma_ids()}
        have: set[str] = set()
        offset = 0
        while True:
            got = col.get(include=[], limit=batch, offset=offset)["ids"]
            have.update(got)
            if len(got) < batch:
                break
            offset += batch
        extra = sorted(have - set(want_ids))
        for lo in range(0, len(extra), batch):
            col.delete(ids=extra[lo : lo + batch])
        missing_keys = {want_ids[c] for c in set(want_ids) - have}
        self._add_rows(col, [wanted[k] for k in sorted(missing_keys)], dim, batch)
        return int(col.count())

    def _add_rows(
        self, col: Any, versions: Sequence[Version], dim: int, batch: int, crash: bool = False
    ) -> None:
        # No documents: passage texts are in the segments (Chroma's copy and its full-text index
        # were 40 % of the index's disk at 100k passages).
        ids: list[str] = []
        vecs: list[np.ndarray] = []
        metas: list[dict[str, Any]] = []

        def flush() -> None:
            if ids:
                col.upsert(ids=list(ids), embeddings=np.stack(vecs).astype(np.float32),
                           metadatas=list(metas))  # fmt: skip
                for buf in (ids, vecs, metas):
                    buf.clear()
                if crash:
                    crash_point("mid-upsert")

        for v in versions:
            _, pvec, _ = self.segment(v.segment, dim=dim)
            for n in range(len(v.passages)):
                ids.append(f"{v.review.id}:{n}@{v.key}")
                vecs.append(np.asarray(pvec[v.p_lo + n]))
                metas.append({"review_id": v.review.id, "film": v.review.film})
                if len(ids) >= batch:
                    flush()
        flush()

    @staticmethod
    def _within_grace(history: Sequence[tuple[int, float]], now: float) -> list[tuple[int, float]]:
        """The generations still readable: the live one, and those retired less than grace_s() ago
        (a generation is retired when the next one is flipped live)."""
        out = []
        grace = grace_s()
        for i, (g, t) in enumerate(history):
            retired = history[i + 1][1] if i + 1 < len(history) else None
            if retired is None or now - retired < grace:
                out.append((g, t))
        return out

    def _generations(self) -> list[int]:
        gens = []
        for p in self.root.glob("gen-*"):
            with contextlib.suppress(ValueError):
                gens.append(int(p.name.removeprefix("gen-")))
        return gens

    def _segment_gens(self) -> list[int]:
        gens = []
        for p in (self.root / _SEGMENTS).glob("s*-*.json"):
            with contextlib.suppress(ValueError):
                gens.append(int(p.name[1:].split("-", 1)[0]))
        return gens

    def _prune(
        self,
        history: Sequence[tuple[int, float]],
        col: Any,
        chroma_dir: str,
        dim: int,
        count: int | None = None,
    ) -> None:
        """Remove what no kept generation uses: old gen folders, their Chroma rows, segments,
        other Chroma folders, leftovers of interrupted writes. `count`: Chroma's row count when
        the caller knows it (a count costs ~0.3 s at 100k rows)."""
        keep = {g for g, _ in history}
        kept: list[dict[str, Any]] = []
        for g in keep:
            with contextlib.suppress(StoreError):
                kept.append(self._manifest(g))
        keys = {k for m in kept for k, _, _ in m["members"]}
        segments = {s for m in kept for _, _, s in m["members"]}
        chromas = {m.get("chroma") for m in kept} | {chroma_dir}
        # Chroma rows of versions no kept generation has (their segments say which rows), when
        # Chroma holds more rows than the kept versions have.
        dead: list[str] = []
        live_rows: dict[str, int] = {}
        base = self.root / _SEGMENTS
        for meta in base.glob("*.json"):
            with contextlib.suppress(StoreError):
                versions, _, _ = self.segment(meta.stem, dim=dim)
                for key, v in versions.items():
                    if key in keys:
                        live_rows[key] = len(v.passages)
                    else:
                        dead.extend(v.chroma_ids())
        if (int(col.count()) if count is None else count) > sum(live_rows.values()):
            for lo in range(0, len(dead), 4096):
                col.delete(ids=dead[lo : lo + 4096])
        for g in self._generations():
            if g not in keep:
                shutil.rmtree(self.root / f"gen-{g}", ignore_errors=True)
        for f in base.iterdir() if base.is_dir() else []:
            name = f.name.split(".", 1)[0]  # "" for temp files of interrupted writes
            if name not in segments:
                f.unlink(missing_ok=True)
                with self._mutex:
                    self._segments.pop(name, None)
        for d in self.root.iterdir():
            if d.is_dir() and d.name.startswith("chroma") and d.name not in chromas:
                shutil.rmtree(d, ignore_errors=True)
        for tmp in self.root.glob(".*"):  # temp files of interrupted atomic writes
            if tmp.is_file() and not tmp.name.startswith(".probe"):
                tmp.unlink(missing_ok=True)
