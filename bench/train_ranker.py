"""Fit the sentence model (retrieval/ranker.py) on the labelled tune questions.

Every tune question is prepared as `ask` prepares it (scope, analysis, embedding), its
candidate passages are found as search finds them, and each of their sentences becomes a row of
`ranker.FEATURES`; it is a positive when it overlaps a labelled evidence phrase of its review
(`evaluation.on_evidence`, the metric's own definition). The model is fitted on the answerable
questions; the unanswerable ones (except those refused by name, "No review mentions X", which
never reach the model) are kept for `--cv`'s refusal measure. Fitting on them too, as negatives,
was measured (before the generic-question change): cross-validated AUC 0.75 -> 0.77, top
sentence on evidence 0.54 -> 0.52, and on tune end to end no more unanswerables refused (13/22
either way) with evidence recall 0.757 -> 0.743; so it is not done. scikit-learn's logistic
regression (L2, C=1) is fitted on standardised features and the scaling is folded into the
weights written to retrieval/ranker.json. Only `tune` is used; `holdout` stays held out.

    python -m bench.train_ranker                 # refit and write retrieval/ranker.json
    python -m bench.train_ranker --cv            # 10-fold (by question) precision of the top
                                                 # sentence, fitted model vs. cosine alone
    python -m bench.train_ranker --check         # exit 1 when a refit differs from the file
    python -m bench.train_ranker --cv-answers    # every tune question answered end to end by a
                                                 # model fitted on the other 9 folds: what
                                                 # `reviewbot eval` would report on questions
                                                 # the model never saw, from tune alone

`--cv-answers` is the measure to decide a change by before anyone runs holdout: it runs the
whole offline answer (search, quoting, refusing) and scores it with `evaluation.metrics`, the
eval's own definitions (the plain verdict questions, which verdict.py answers, are answered as
`ask` answers them). In session 8 it predicted holdout within about 0.02 on evidence recall,
off_review and on_evidence, and under-counted false refusals (4 against holdout's 10).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from retrieval import features, ranker
from retrieval.engine import Engine
from retrieval.evaluation import format_metrics, load_questions, metrics, on_evidence

REPO = Path(__file__).resolve().parents[1]
TUNE = REPO / "data" / "eval" / "tune.jsonl"
VERDICT_TUNE = REPO / "data" / "eval" / "verdict_tune.jsonl"
C = 1.0
TOLERANCE = 1e-3  # --check: largest weight difference accepted (solver round-off)


Example = tuple[str, np.ndarray, np.ndarray, bool]  # question id, features, labels, answerable


def examples(engine: Engine, path: Path) -> list[Example]:
    """One example for each question of `path` the model would decide."""
    out = []
    written_for_verdicts = {q.id for q in load_questions(VERDICT_TUNE)}
    for q in load_questions(path):
        if q.id in written_for_verdicts:
            continue  # answered by verdict.py, not the model (see the module doc)
        if q.answerable and not q.relevant:
            continue
        live, asked = engine.prepared(q.question)
        if asked.uncovered and not q.answerable:
            continue  # refused by name before the model is asked
        searcher = live.searcher
        rows = searcher.rows_for(asked.scope) if asked.scope is not None else None
        dense, _ = searcher.candidates(asked.query.search_text, asked.qvec, rows)
        idx, x = features.matrix(searcher, asked.query, asked.qvec, list(dense), dense)
        snap = live.snapshot
        y = np.array([
            int(on_evidence(snap.sentence_text(j), q.relevant.get(snap.sentences[j].review_id, ())))
            for j in idx
        ])  # fmt: skip
        out.append((q.id, x, y, bool(q.answerable)))
    return out


def fit(data: list[Example]) -> tuple[np.ndarray, float]:
    """(weights, bias) on the raw features, from the answerable examples of `data`."""
    from sklearn.linear_model import LogisticRegression

    data = [d for d in data if d[3]]
    x = np.vstack([d[1] for d in data]).astype(np.float64)
    y = np.concatenate([d[2] for d in data])
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000).fit((x - mu) / sd, y)
    w = model.coef_[0] / sd
    return w, float(model.intercept_[0] - (mu * w).sum())


def fold_of(data: list[Example], folds: int = 10) -> dict[str, int]:
    """Question id → its fold (0..folds-1): a fixed shuffle, so every run splits alike."""
    order = np.random.RandomState(0).permutation(len(data))
    return {data[i][0]: f for f in range(folds) for i in order[f::folds].tolist()}


def cross_validate(data: list[Example], folds: int = 10) -> dict:
    """Fitted on the other folds: the share of answerable questions whose top sentence is on the
    evidence (vs. cosine alone), and how well each question's best probability tells answerable
    from unanswerable questions (ROC AUC: 1.0 separates them, 0.5 is chance)."""
    from sklearn.metrics import roc_auc_score

    fold = fold_of(data, folds)
    model_top = cosine_top = 0
    best: list[float] = []
    answerable: list[int] = []
    for f in range(folds):
        w, b = fit([d for d in data if fold[d[0]] != f])
        for _, x, y, can in (d for d in data if fold[d[0]] == f):
            logit = x @ w + b
            best.append(float(logit.max()) if len(logit) else -1e9)
            answerable.append(int(can))
            if can:
                model_top += int(y[int(np.argmax(logit))])
                cosine_top += int(y[int(np.argmax(x[:, 0]))])
    n = sum(answerable)  # an answerable question none of whose candidates is on the evidence
    # counts as a miss
    return {"questions": len(data), "answerable": n,
            "model_top_on_evidence": round(model_top / n, 3),
            "cosine_top_on_evidence": round(cosine_top / n, 3),
            "answerable_vs_unanswerable_auc": round(float(roc_auc_score(answerable, best)), 3),
            }  # fmt: skip


def cross_validated_answers(
    engine: Engine, path: Path, data: list[Example], folds: int = 10
) -> dict:
    """`evaluation.metrics` over every question of `path`, each answered offline (k=8) with a
    model fitted on the folds its question is not in (questions the model does not decide,
    the plain verdict ones, with the shipped model, which does not decide them either)."""
    fold = fold_of(data, folds)
    live, _ = engine.prepared("warm up")
    lives = {}
    for f in range(folds):
        w, b = fit([d for d in data if fold[d[0]] != f])
        lives[f] = replace(live, searcher=live.searcher.with_model(ranker.Ranker(w, b)))
    pairs = [
        (q, engine.ask_on(lives[fold[q.id]] if q.id in fold else live, q.question, k=8))
        for q in load_questions(path)
    ]  # fmt: skip
    return metrics(pairs, {r.id: r for r in engine.critics()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.train_ranker")
    parser.add_argument("questions", nargs="?", type=Path, default=TUNE)
    parser.add_argument("--cv", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--cv-answers", action="store_true")
    parser.add_argument("--json", action="store_true", help="--cv-answers as one JSON document")
    parser.add_argument("--out", type=Path, default=ranker.MODEL_PATH)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(REPO / "data" / "reviews", Path(tmp) / "index",
                        model_dir=REPO / ".reviewbot" / "models")  # fmt: skip
        engine.index()
        data = examples(engine, args.questions)
        if args.cv_answers:
            found = cross_validated_answers(engine, args.questions, data)
            print(json.dumps(found) if args.json else "\n".join(format_metrics(found)))
            return 0
    if args.cv:
        print(json.dumps(cross_validate(data)))
        return 0
    w, b = fit(data)
    if args.check:
        shipped = ranker.Ranker.from_file(args.out)
        diff = float(np.abs(shipped.weights - w).max())
        ok = diff <= TOLERANCE and abs(shipped.bias - b) <= TOLERANCE
        print(f"{args.out}: {'matches' if ok else 'differs from'} a refit (max |Δw| {diff:.2g})")
        return 0 if ok else 1
    rel = args.questions.resolve()
    out = {
        "features": list(ranker.FEATURES),
        "weights": {n: round(float(v), 6) for n, v in zip(ranker.FEATURES, w, strict=True)},
        "bias": round(b, 6),
        "fitted_on": str(rel.relative_to(REPO)) if rel.is_relative_to(REPO) else str(rel),
        "questions": sum(d[3] for d in data),
        "sentences": int(sum(len(d[2]) for d in data if d[3])),
        "positives": int(sum(int(d[2].sum()) for d in data)),
        "C": C,
    }
    args.out.write_text(json.dumps(out, indent=1) + "\n", "utf-8")
    print(f"wrote {args.out}: {out['questions']} questions, {out['sentences']} sentences, "
          f"{out['positives']} positives")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
