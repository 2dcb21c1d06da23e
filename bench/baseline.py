"""The naive RAG baseline reviewbot is compared with.

Fixed 1,000-character chunks with 200 characters of overlap (langchain-text-splitters'
`RecursiveCharacterTextSplitter`) over the same review bodies, embedded with the same model, in a
Chroma collection (cosine), searched dense-only for the top k. No lexical side, no diversity, no
filters: what a tutorial RAG pipeline does.

Its evidence recall on any labelled question file, with the same definition `reviewbot eval`
uses (`retrieval.evaluation.evidence_recall`):

    python -m bench.baseline data/eval/holdout.jsonl [-k 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embeddings import Embedder
from retrieval.evaluation import Question, evidence_recall, load_questions

REPO = Path(__file__).resolve().parents[1]

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_ID = re.compile(r"^id:\s*['\"]?([^'\"\n]+?)['\"]?\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Chunk:
    review_id: str
    text: str


def read_bodies(data_dir: Path) -> dict[str, str]:
    """review id → body (the text after the YAML front matter), for every `*.md` in `data_dir`."""
    bodies: dict[str, str] = {}
    for path in sorted(Path(data_dir).glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        m = _FRONT_MATTER.match(raw)
        meta = m.group(1) if m else ""
        idm = _ID.search(meta)
        bodies[idm.group(1) if idm else path.stem] = raw[m.end() :] if m else raw
    return bodies


def chunk(bodies: dict[str, str]) -> list[Chunk]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    return [
        Chunk(review_id, text)
        for review_id, body in bodies.items()
        for text in splitter.split_text(body)
    ]


class Baseline:
    """Chunks in an in-memory Chroma collection; `search` returns the top-k chunks."""

    def __init__(self, chunks: list[Chunk], vectors: np.ndarray, embedder: Embedder) -> None:
        import chromadb
        from chromadb.config import Settings

        self.chunks = chunks
        self._embedder = embedder
        client = chromadb.EphemeralClient(settings=Settings(anonymized_telemetry=False))
        name = f"baseline-{time.monotonic_ns()}"
        self._col: Any = client.create_collection(
            name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        step = client.get_max_batch_size()
        for start in range(0, len(chunks), step):
            part = range(start, min(start + step, len(chunks)))
            self._col.add(
                ids=[str(i) for i in part],
                embeddings=vectors[start : part.stop],
                metadatas=[{"review_id": chunks[i].review_id} for i in part],
            )

    @classmethod
    def build(cls, data_dir: Path, embedder: Embedder) -> Baseline:
        chunks = chunk(read_bodies(data_dir))
        vectors = embedder.embed_documents([c.text for c in chunks])
        return cls(chunks, vectors, embedder)

    def search(self, question: str, k: int) -> list[Chunk]:
        qvec = self._embedder.embed_query(question)
        res = self._col.query(query_embeddings=[qvec], n_results=min(k, len(self.chunks)))
        return [self.chunks[int(i)] for i in res["ids"][0]]


def baseline_evidence_recall(base: Baseline, questions: Sequence[Question], k: int) -> float | None:
    """Evidence recall of the baseline's top-k chunks on the labelled answerable questions."""
    return evidence_recall(
        (q.relevant, [(c.review_id, c.text) for c in base.search(q.question, k)])
        for q in questions
        if q.answerable and q.relevant
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.baseline",
        description="Evidence recall of the naive RAG baseline on labelled question files.",
    )
    parser.add_argument("questions", type=Path, nargs="+", metavar="QUESTIONS.jsonl")
    parser.add_argument("-k", type=int, default=8, help="chunks retrieved (default 8)")
    parser.add_argument("--data", type=Path, default=REPO / "data" / "reviews")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from retrieval.onnx_embedding import default_embedder

    models = Path(os.environ.get("REVIEWBOT_MODEL_DIR") or REPO / ".reviewbot" / "models")
    base = Baseline.build(args.data, default_embedder(models))
    out = {}
    for path in args.questions:
        questions = load_questions(path)
        answerable = [q for q in questions if q.answerable and q.relevant]
        out[str(path)] = {
            "k": args.k,
            "questions": len(answerable),
            "phrases": sum(len(p) for q in answerable for p in (q.relevant or {}).values()),
            "evidence_recall": baseline_evidence_recall(base, questions, args.k),
        }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for path, row in out.items():
            print(
                f"{path}: baseline evidence_recall {row['evidence_recall']} "
                f"(k={row['k']}, {row['questions']} answerable questions, {row['phrases']} phrases)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
