"""The on-disk index: what a snapshot holds; crashes, damage, several processes, disk use — real
Chroma, real MiniLM, real `reviewbot` processes on a tiny two-review corpus."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from retrieval.embeddings import MODEL_DIM, MODEL_NAME, Embedder
from retrieval.engine import Engine
from retrieval.errors import IndexMismatch, ReviewbotError
from retrieval.store import IndexStore, Rows
from tests.conftest import MODEL_DIR, ROOT
from tests.retrieval.conftest import HEAT

QUESTION = "What did critics say about the flamethrower scene?"


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> IndexStore:
    """A store over a copy of the session index."""
    shutil.copytree(engine.index_dir, tmp_path / "index")
    return IndexStore(tmp_path / "index")


def test_empty_folder_has_no_index(tmp_path: Path) -> None:
    """No CURRENT file: exists() is false and current() is None."""
    store = IndexStore(tmp_path / "index")
    assert not store.exists() and store.current(model=MODEL_NAME, dim=MODEL_DIM) is None


def test_snapshot_sentences_and_passages_line_up(store: IndexStore) -> None:
    """Every passage is a run of sentences, and every sentence is a span of its review."""
    snap = store.current(model=MODEL_NAME, dim=MODEL_DIM)
    assert snap is not None and len(snap.passages) == len(snap.vectors)
    assert snap.sentence_vectors.shape == (len(snap.sentences), MODEL_DIM)
    for i, passage in enumerate(snap.passages):
        a, b = snap.passage_sentences[i]
        assert a < b and all(snap.sentences[j].review_id == passage.review_id for j in range(a, b))
        assert snap.reviews[passage.review_id].body[passage.start : passage.end] == passage.text


def test_another_models_index_is_refused(store: IndexStore) -> None:
    """CURRENT naming another model raises IndexMismatch rather than mixing vectors."""
    head = json.loads((store.root / "CURRENT").read_text())
    (store.root / "CURRENT").write_text(json.dumps({**head, "model": "other/model"}))
    with pytest.raises(IndexMismatch):
        store.current(model=MODEL_NAME, dim=MODEL_DIM)


class CountingEmbedder:
    """The real embedder, counting the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.count = inner, 0
        self.name, self.dim = inner.name, inner.dim

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.count += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REVIEWBOT_"))}
    return {**env, "REVIEWBOT_MODEL_DIR": str(MODEL_DIR), **extra}


def reviewbot(
    corpus: Path, index: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--data", str(corpus), "--index", str(index)],
        capture_output=True, text=True, env=_env(**env), cwd=ROOT, timeout=120,
    )  # fmt: skip


def _answer(corpus: Path, index: Path, embedder: Embedder) -> str:
    return Engine(corpus, index, embedder=embedder).ask(QUESTION, use_llm=False).text


def _problems(index: Path) -> list[str]:
    return IndexStore(index).verify(model=MODEL_NAME, dim=MODEL_DIM)


def _chroma_rows(index: Path) -> int:
    import chromadb

    head = json.loads((index / "CURRENT").read_text())
    manifest = json.loads((index / f"gen-{head['generation']}" / "manifest.json").read_text())
    client = chromadb.PersistentClient(path=str(index / "segments" / ".." / manifest["chroma"]))
    try:
        return int(client.get_collection("passages").count())
    finally:
        client.close()


def test_rows_gather_across_segments() -> None:
    """Rows reads ranges of several arrays as one matrix, by int, slice and int array."""
    a = np.arange(12, dtype=np.float32).reshape(6, 2)
    b = 100 + np.arange(8, dtype=np.float32).reshape(4, 2)
    rows = Rows([(a, 1, 2), (b, 0, 3), (a, 3, 2)], 2)
    whole = np.concatenate([a[1:3], b[0:3], a[3:5]])
    assert rows.shape == (7, 2) and len(rows) == 7
    assert np.array_equal(np.asarray(rows), whole)
    assert np.array_equal(rows[[6, 0, 3]], whole[[6, 0, 3]])
    assert np.array_equal(rows[[6, 0]], whole[[6, 0]])  # two ranges of one array
    assert np.array_equal(rows[-1], whole[-1]) and np.array_equal(rows[2:5], whole[2:5])
    with pytest.raises(IndexError):
        rows[7]


def test_vector_file_reads_rows_like_the_array_and_outlives_its_file(tmp_path: Path) -> None:
    """A VectorFile (pread, no memory map) gathers rows, runs and slices exactly as numpy
    indexes the saved array, keeps reading after the file is deleted, and refuses a truncated
    file."""
    from retrieval.snapshot import VectorFile

    arr = np.random.default_rng(1).normal(size=(50, 4)).astype(np.float16)
    np.save(tmp_path / "v.npy", arr)
    vf = VectorFile(tmp_path / "v.npy")
    assert vf.shape == (50, 4) and vf.dtype == np.float16
    for index in ([7, 3, 4, 5, 49, 3], np.arange(10, 20), [-1, 0]):
        assert np.array_equal(vf[index], arr[index])
    assert np.array_equal(vf[5:9], arr[5:9]) and np.array_equal(vf[-2], arr[-2])
    rows = Rows([(vf, 10, 5), (vf, 0, 2)], 4)
    assert rows[[0, 6]].dtype == np.float32 and np.array_equal(rows[[6]], arr[[1]])
    (tmp_path / "v.npy").unlink()
    assert np.array_equal(vf[[1, 2]], arr[[1, 2]])
    np.save(tmp_path / "t.npy", arr)
    with open(tmp_path / "t.npy", "r+b") as fh:
        fh.truncate(300)
    with pytest.raises(ValueError, match="truncated") as failed:
        VectorFile(tmp_path / "t.npy")
    # The failed one's descriptor number, given to the next open, is not closed again when
    # the half-built object goes (that closed the index's LOCK under a reindex).
    fd = os.open(tmp_path / "t.npy", os.O_RDONLY)
    del failed
    __import__("gc").collect()
    os.fstat(fd)
    os.close(fd)
    with pytest.raises(IndexError):
        vf[50]


@pytest.mark.parametrize(
    "step", ["after-segment", "mid-upsert", "after-chroma", "before-flip", "after-flip"]
)
def test_killed_reindex_keeps_answers_and_next_run_repairs(
    step: str, corpus: Path, tmp_path: Path, embedder: Embedder
) -> None:
    """SIGKILL at each step of an incremental reindex: readers keep the previous (or, after
    the flip, the new) answers, and the next `reviewbot index` leaves a clean, healthy index."""
    index = tmp_path / "index"
    Engine(corpus, index, embedder=embedder).index()
    assert "clumsy" in _answer(corpus, index, embedder)
    (corpus / "heat.md").write_text(HEAT.format(word="glorious"))

    killed = reviewbot(corpus, index, "index", REVIEWBOT_TEST_CRASH_AT=step)
    assert killed.returncode == -9, killed.stderr
    expected = "glorious" if step == "after-flip" else "clumsy"
    assert expected in _answer(corpus, index, embedder)
    assert _problems(index) == []

    fixed = reviewbot(corpus, index, "index", "--json", REVIEWBOT_INDEX_GRACE_S="0")
    assert fixed.returncode == 0, fixed.stderr
    assert "glorious" in _answer(corpus, index, embedder)
    assert _problems(index) == []
    snap = IndexStore(index).current(model=MODEL_NAME, dim=MODEL_DIM)
    assert snap is not None
    assert _chroma_rows(index) == len(snap.passages)  # no rows left over from the killed run
    assert sorted(p.name for p in index.glob("gen-*")) == [f"gen-{snap.generation}"]
    segments = {s for _, _, s in snap.members}
    assert {p.name.split(".")[0] for p in (index / "segments").iterdir()} == segments


def _truncate_npy(index: Path) -> None:
    victim = max((index / "segments").glob("*.p.npy"), key=lambda p: p.stat().st_size)
    victim.write_bytes(victim.read_bytes()[:-700])


def _manifest(index: Path) -> Path:
    gen = json.loads((index / "CURRENT").read_text())["generation"]
    return index / f"gen-{gen}" / "manifest.json"


def _chroma_dir(index: Path) -> Path:
    return index / json.loads(_manifest(index).read_text())["chroma"]


DAMAGE = {
    "truncated .npy": (_truncate_npy, "damaged"),
    "chroma.sqlite3 deleted": (lambda i: (_chroma_dir(i) / "chroma.sqlite3").unlink(), "sqlite3"),
    "chroma folder deleted": (lambda i: __import__("shutil").rmtree(_chroma_dir(i)), "missing"),
    "CURRENT broken": (lambda i: (i / "CURRENT").write_text('{"generation": '), "CURRENT"),
    "manifest broken": (lambda i: _manifest(i).write_text("[1, 2"), "manifest.json"),
    "segment record deleted": (
        lambda i: next((i / "segments").glob("*.json")).unlink(),
        ".json is missing",
    ),
    "BM25 deleted": (lambda i: __import__("shutil").rmtree(_manifest(i).parent / "bm25"), "bm25"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damage_is_reported_then_repaired_by_one_index(
    damage: str,
    corpus: Path,
    tmp_path: Path,
    embedder: Embedder,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each kind of damage: `index --verify` names it (exit 1), an ask fails with that one
    line (a lost BM25 index is rebuilt in memory instead), one `reviewbot index` repairs it,
    re-embedding only when vectors are gone."""
    from bot.cli import main

    index = tmp_path / "index"
    Engine(corpus, index, embedder=embedder).index()
    damage_fn, words = DAMAGE[damage]
    damage_fn(index)

    code = main(["index", "--verify", "--index", str(index), "--data", str(corpus)])
    out = capsys.readouterr().out
    assert code == 1 and words in out, out
    assert len(out.strip().splitlines()) == 1
    if damage == "BM25 deleted":
        assert "clumsy" in _answer(corpus, index, embedder)
    else:
        with pytest.raises(ReviewbotError, match="reviewbot index"):
            Engine(corpus, index, embedder=embedder).ask(QUESTION, use_llm=False)

    counting = CountingEmbedder(embedder)
    Engine(corpus, index, embedder=counting).index()
    vectors_gone = damage in {"truncated .npy", "segment record deleted"}
    assert (counting.count > 0) == vectors_gone
    assert main(["index", "--verify", "--index", str(index), "--data", str(corpus)]) == 0
    assert "healthy" in capsys.readouterr().out
    assert "clumsy" in _answer(corpus, index, embedder)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def test_disk_use_flat_over_50_reindexes(
    corpus: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 reindexes, each with a changed review: no leaked Chroma segment folder, generation
    or segment; the files besides chroma.sqlite3 end the size they had after the first change,
    and chroma.sqlite3 grows only by Chroma's own log (purged every 1,000 records)."""
    monkeypatch.setenv("REVIEWBOT_INDEX_GRACE_S", "0")
    index = tmp_path / "index"
    engine = Engine(corpus, index, embedder=embedder)
    sizes = []
    for n in range(50):
        (corpus / "heat.md").write_text(HEAT.format(word=f"take {n:02}"))
        assert engine.index().changed == (("heat-one",) if n else ())
        sqlite = sum(p.stat().st_size for p in index.glob("chroma-*/chroma.sqlite3"))
        # stamps.json gains a review file's stamp once the file has settled (2 s): bounded.
        stamps = sum(p.stat().st_size for p in index.glob("gen-*/stamps.json"))
        assert stamps <= 200 * 2
        sizes.append((_du(index) - sqlite - stamps, sqlite))
    assert sizes[-1][0] - sizes[1][0] < 64, sizes  # generation numbers gain digits
    # ≤ 1,000 log records of a 384-d float32 vector and its text: 2 MB over the first build's.
    assert sizes[-1][1] <= sizes[0][1] + 2_000_000, sizes
    chroma = list(index.glob("chroma-*"))
    assert len(chroma) == 1 and len(list(index.glob("gen-*"))) == 1
    assert len([d for d in chroma[0].iterdir() if d.is_dir()]) == 1  # one HNSW segment folder
    # Compaction: a segment at most half in use is copied into the next one, so one is left.
    assert len(list((index / "segments").glob("*.json"))) == 1
    assert _problems(index) == []


WRITER = """
import sys, pathlib
from retrieval.engine import Engine
from retrieval.onnx_embedding import default_embedder
corpus, index, model, template = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
engine = Engine(corpus, pathlib.Path(index), embedder=default_embedder(pathlib.Path(model)))
for n in range(10):
    (corpus / "heat.md").write_text(template.format(word=f"glorious {n}"))
    print(engine.index().summary_line(), flush=True)
"""


def test_reader_keeps_answering_while_another_process_reindexes_10_times(
    corpus: Path, tmp_path: Path, embedder: Embedder
) -> None:
    """A long-lived engine answers in a loop, error-free, while another process reindexes 10
    times (grace 0: old generations are deleted at once); it ends on the last generation."""
    index = tmp_path / "index"
    reader = Engine(corpus, index, embedder=embedder)
    reader.index()
    errors: list[BaseException] = []
    seen: set[int] = set()
    done = threading.Event()

    def ask_forever() -> None:
        while not done.is_set():
            try:
                reader.ask(QUESTION, use_llm=False)
                reader.ask("What about the kitchen fight?", use_llm=False)
                snap = reader.snapshot()
                assert snap is not None
                seen.add(snap.generation)
            except BaseException as err:  # any failure is the finding
                errors.append(err)
                return

    thread = threading.Thread(target=ask_forever)
    thread.start()
    try:
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, str(corpus), str(index), str(MODEL_DIR), HEAT],
            capture_output=True, text=True, env=_env(REVIEWBOT_INDEX_GRACE_S="0"), cwd=ROOT,
            timeout=180,
        )  # fmt: skip
        time.sleep(0.5)
    finally:
        done.set()
        thread.join(60)
    assert writer.returncode == 0, writer.stderr
    assert writer.stdout.count("1 changed") == 10
    assert errors == []
    assert len(seen) >= 2
    assert "glorious 9" in reader.ask(QUESTION, use_llm=False).text


def test_two_concurrent_index_runs_both_succeed(corpus: Path, tmp_path: Path) -> None:
    """Two `reviewbot index` started together both exit 0: one builds, the other waits for the
    lock and then finds nothing to do."""
    index = tmp_path / "index"
    args = [sys.executable, "-m", "bot.cli", "index", "--json", "--data", str(corpus), "--index"]
    pipe = subprocess.PIPE
    procs = [
        subprocess.Popen([*args, str(index)], stdout=pipe, stderr=pipe, text=True, env=_env())
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    added = sorted(len(json.loads(out)["added"]) for out, _ in results)
    assert added == [0, 2]
    assert _problems(index) == []


def _format_2_index(index: Path) -> None:
    """A format-2 folder: CURRENT, gen-N with .npy files, chroma/ with one collection per
    generation."""
    import chromadb

    (index / "gen-7").mkdir(parents=True)
    np.save(index / "gen-7" / "vectors.npy", np.zeros((2, MODEL_DIM), dtype=np.float32))
    (index / "gen-7" / "manifest.json").write_text('{"format": 2, "reviews": []}')
    head = {"format": 2, "generation": 7, "model": MODEL_NAME, "dim": MODEL_DIM}
    (index / "CURRENT").write_text(json.dumps(head))
    old = chromadb.PersistentClient(path=str(index / "chroma"))
    old.create_collection("passages-g7", embedding_function=None)
    old.close()


def test_index_of_the_previous_format_is_rebuilt_and_its_files_removed(
    corpus: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An earlier reviewbot's index is rebuilt, by `reviewbot index` or by the first question
    (ensure_index: a bot upgraded in place starts without a shell), and nothing of it is left.
    Its state is reported as such until then."""
    monkeypatch.setenv("REVIEWBOT_INDEX_GRACE_S", "0")
    by_index, by_asking = tmp_path / "by-index", tmp_path / "by-asking"
    for index in (by_index, by_asking):
        _format_2_index(index)
    assert any("format 2" in problem for problem in _problems(by_index))
    assert len(Engine(corpus, by_index, embedder=embedder).index().added) == 2
    assert "clumsy" in _answer(corpus, by_asking, embedder)
    for index in (by_index, by_asking):
        assert "clumsy" in _answer(corpus, index, embedder)
        assert not (index / "chroma").exists() and not (index / "gen-7").exists()
        assert _problems(index) == []


def test_reindex_reads_only_the_files_whose_stamp_changed(
    corpus: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review file whose lstat stamp is the one the live generation recorded is not parsed
    again; a changed file is, and a file changed within the settle time gets no stamp."""
    import retrieval.corpus
    import retrieval.indexing

    parsed: list[str] = []
    real = retrieval.corpus.parse_review

    def counting(path: Path, *args: object, **kwargs: object) -> object:
        parsed.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(retrieval.corpus, "parse_review", counting)
    engine = Engine(corpus, tmp_path / "index", embedder=embedder)
    engine.index()
    assert sorted(parsed) == ["heat.md", "wick.md"]
    parsed.clear()
    engine.index()  # written just now: not settled, so no stamp was recorded
    assert sorted(parsed) == ["heat.md", "wick.md"]

    monkeypatch.setattr(retrieval.indexing, "STAMP_SETTLE_NS", 0)
    (corpus / "heat.md").write_text(HEAT.format(word="glorious"))
    parsed.clear()
    assert engine.index().changed == ("heat-one",)
    assert sorted(parsed) == ["heat.md", "wick.md"]  # the last commit had no settled stamps
    parsed.clear()
    assert not engine.index().changed
    assert parsed == []
    (corpus / "heat.md").write_text(HEAT.format(word="clumsy"))
    parsed.clear()
    assert engine.index().changed == ("heat-one",)
    assert parsed == ["heat.md"]
    assert "clumsy" in _answer(corpus, tmp_path / "index", embedder)


def test_float16_vectors_move_a_cosine_by_less_than_a_thousandth(embedder: Embedder) -> None:
    """Vectors are stored as float16: a query's cosine to a stored passage moves < 1e-3."""
    from retrieval.store import VECTOR_DTYPE

    texts = [
        s for f in sorted((ROOT / "data" / "reviews").glob("*.md"))[:4]
        for s in f.read_text("utf-8").split(". ")[5:30]
    ]  # fmt: skip
    vecs = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    stored = vecs.astype(VECTOR_DTYPE).astype(np.float32)
    for q in ("the action scenes", "a boring plot", "Keanu Reeves"):
        qv = embedder.embed_query(q)
        assert float(np.abs(vecs @ qv - stored @ qv).max()) < 1e-3
    assert float(np.abs(vecs @ vecs.T - stored @ stored.T).max()) < 1e-3
