"""The engine over a real Chroma index and the real model: indexing, search, answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval.answer.quotes import occurs_in
from retrieval.embeddings import Embedder
from retrieval.engine import Engine
from retrieval.errors import BadQuestion, IndexDirError, IndexMismatch, ReindexBusy, UnknownCritic
from retrieval.store import IndexStore
from tests.conftest import MODEL_DIR

REVIEWS = Path(__file__).resolve().parents[2] / "data" / "reviews"
KEANU = "What did critics say about Keanu's cameo?"


class CountingEmbedder:
    """The real embedder, counting the texts it embeds (and optionally failing after some)."""

    def __init__(self, inner: Embedder, fail_after: int | None = None) -> None:
        self.inner, self.fail_after, self.count = inner, fail_after, 0
        self.name, self.dim = inner.name, inner.dim

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if self.fail_after is not None and self.count + len(texts) > self.fail_after:
            raise RuntimeError("embedding died mid-build")
        self.count += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def _engine(reviews: Path, index: Path, embedder: Embedder) -> Engine:
    return Engine(reviews, index, embedder=embedder)


@pytest.fixture
def index_copy(engine: Engine, tmp_path: Path) -> Path:
    """A copy of the session index (over the same five reviews): nothing needs embedding."""
    target = tmp_path / "index"
    shutil.copytree(engine.index_dir, target)
    return target


@pytest.fixture
def two_reviews(tmp_path: Path) -> Path:
    """A writable corpus of the two shortest reviews that mention Keanu: cheap to build."""
    target = tmp_path / "two"
    target.mkdir()
    for name in ("slows-down-four-stars.md", "film-review-ballerina.md"):
        shutil.copy(REVIEWS / name, target / name)
    return target


def test_keanu_answer_quotes_the_reviews_on_him_verbatim(engine: Engine) -> None:
    """The demo question quotes only reviews that discuss Keanu's part, every quote verbatim
    and about him; the lead says how many of the five speak to it."""
    answer = engine.ask(KEANU)
    assert answer.found and answer.mode == "extractive"
    reviews = engine.snapshot().reviews  # type: ignore[union-attr]
    quoted = {c.review_id for c in answer.citations}
    assert len(quoted) >= 2 and "filmstories-en-pointe-or-tutu-much" not in quoted
    assert answer.text.startswith(f"{len(quoted)} of 5 reviews speak to this:")
    assert all("Keanu" in c.quote or "Reeves" in c.quote or "his" in c.quote.lower()
               for c in answer.citations)  # fmt: skip
    for c in answer.citations:
        assert c.verified and occurs_in(c.quote, reviews[c.review_id].body)
        assert f"“{c.quote}” [{c.n}]" in answer.text


def test_unknown_person_is_refused_plainly(engine: Engine) -> None:
    """A name no review mentions gets 'No review mentions …', found=false."""
    answer = engine.ask("What did critics think of Tom Cruise's stunts?")
    assert not answer.found
    assert answer.text.startswith("No review mentions Tom Cruise.")


def test_off_topic_question_is_not_padded_with_quotes(engine: Engine) -> None:
    """Questions about nothing in the reviews are refused with no quotes at all."""
    named = engine.ask("What is the capital of Australia?")
    assert (named.found, named.text, named.citations) == (
        False, "No review mentions Australia.", ()
    )  # fmt: skip
    unnamed = engine.ask("what is the weather like tomorrow?")
    assert (unnamed.found, unnamed.text, unnamed.citations) == (
        False, "No review covers that question.", ()
    )  # fmt: skip


def test_missing_name_offers_only_related_sentences(engine: Engine) -> None:
    """'Hans Zimmer's score': refused, and any closest sentences offered are verified quotes."""
    answer = engine.ask("What did critics say about Hans Zimmer's score?")
    assert not answer.found
    assert answer.text.startswith("No review mentions Hans Zimmer.")
    assert len(answer.citations) <= 2
    for c in answer.citations:
        assert c.verified and f"“{c.quote}” [{c.n}]" in answer.text


def test_rating_question_quotes_only_the_rating(engine: Engine) -> None:
    """'Which review gave a star rating' cites the one review with a rating, no filler."""
    answer = engine.ask("Which review gave the film a star rating, and what was it?")
    assert {c.review_id for c in answer.citations} == {"slows-down-four-stars"}


def test_critic_filter_keeps_to_one_review(engine: Engine) -> None:
    """--critic limits passages and quotes to that review."""
    answer = engine.ask("What about the action?", critic="film stories")
    assert {p.passage.review_id for p in answer.passages} == {"filmstories-en-pointe-or-tutu-much"}
    assert {c.review_id for c in answer.citations} <= {"filmstories-en-pointe-or-tutu-much"}


def test_search_is_diverse_across_reviews(engine: Engine) -> None:
    """Eight passages for a broad question come from at least four reviews."""
    answer = engine.ask("What do critics think of the story?", k=8)
    assert len(answer.passages) == 8
    assert len({p.passage.review_id for p in answer.passages}) >= 4


def test_summary_gives_three_to_five_quotes_from_one_review(engine: Engine) -> None:
    """The per-critic summary quotes 3–5 different sentences of that review and its rating."""
    answer = engine.summary("From the World of John Wick: Ballerina (2025)")
    assert 3 <= len(answer.citations) <= 5
    assert {c.review_id for c in answer.citations} == {"slows-down-four-stars"}
    assert len({c.quote for c in answer.citations}) == len(answer.citations)
    assert "4/5" in answer.text


def test_unknown_critic_suggests_close_names(engine: Engine) -> None:
    """A misspelt critic is an error listing the closest names."""
    with pytest.raises(UnknownCritic) as err:
        engine.summary("Film Storeis")
    assert "Film Stories" in err.value.suggestions


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 1001])
def test_bad_questions_are_refused(engine: Engine, question: str) -> None:
    """Empty, blank and over-1,000-character questions raise BadQuestion."""
    with pytest.raises(BadQuestion):
        engine.ask(question)


def test_reindex_is_incremental(
    reviews_dir: Path, index_copy: Path, tmp_path: Path, embedder: Embedder
) -> None:
    """Unchanged reviews are not re-embedded; changed ones are replaced; removed ones vanish."""
    counting = CountingEmbedder(embedder)
    e = _engine(reviews_dir, index_copy, counting)
    first = e.index()
    assert len(first.unchanged) == 5 and counting.count == 0
    everything = first.passages + len(e._require().snapshot.sentences)  # a full build embeds

    before = counting.count
    again = e.index()
    assert counting.count == before and len(again.unchanged) == 5

    path = reviews_dir / "slows-down-four-stars.md"
    path.write_text(path.read_text("utf-8").replace("Rating: 4 out of 5.", "Rating: 5 out of 5."))
    (reviews_dir / "total-banger.md").unlink()
    report = e.index()
    assert report.changed == ("slows-down-four-stars",)
    assert report.removed == ("total-banger",)
    embedded = counting.count - before
    assert 0 < embedded < everything / 2  # only the changed review's passages and sentences
    fresh = _engine(reviews_dir, index_copy, embedder)
    assert "total-banger" not in {r.id for r in fresh.critics()}
    answer = fresh.ask("What rating did the film get?", critic="slows-down-four-stars")
    assert any("5 out of 5" in c.quote for c in answer.citations)


def test_failed_reindex_leaves_previous_index_usable(
    reviews_dir: Path, index_copy: Path, embedder: Embedder
) -> None:
    """A build that dies mid-way changes nothing readers see."""
    body = " ".join(f"Sentence {i} of a new review." for i in range(50))  # distinct texts
    (reviews_dir / "new.md").write_text("---\nfilm: Other\n---\n" + body)
    dying = _engine(reviews_dir, index_copy, CountingEmbedder(embedder, fail_after=3))
    with pytest.raises(RuntimeError):
        dying.index()
    reader = _engine(reviews_dir, index_copy, embedder)
    assert "new" not in {r.id for r in reader.critics()}
    assert reader.ask(KEANU).found
    # The next good build cleans up and succeeds.
    assert _engine(reviews_dir, index_copy, embedder).index().added == ("new",)


def test_one_reindex_at_a_time(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reindex waits for the index's writer lock, then names who holds it."""
    monkeypatch.setenv("REVIEWBOT_INDEX_LOCK_WAIT_S", "0.2")
    busy = pytest.raises(ReindexBusy, match=rf"pid {os.getpid()} on .* since ")
    with IndexStore(engine.index_dir).lock(), busy:
        engine.index()


def test_index_built_by_another_model_is_refused_then_rebuilt(
    two_reviews: Path, index_copy: Path, embedder: Embedder
) -> None:
    """Opening an index from another embedding model says to reindex; `index` rebuilds it."""
    index, reviews_dir = index_copy, two_reviews
    head = json.loads((index / "CURRENT").read_text())
    head["model"] = "some-other-model"
    (index / "CURRENT").write_text(json.dumps(head))
    with pytest.raises(IndexMismatch, match="reviewbot index"):
        _engine(reviews_dir, index, embedder).ask(KEANU)
    report = _engine(reviews_dir, index, embedder).index()
    assert len(report.added) == 2  # nothing of the other model's index is reused
    assert _engine(reviews_dir, index, embedder).ask(KEANU).found


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_index_dir(reviews_dir: Path, tmp_path: Path, embedder: Embedder) -> None:
    """An index folder that cannot be written is an IndexDirError naming it."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(IndexDirError, match="not writable"):
        _engine(reviews_dir, locked / "index", embedder).index()


def test_index_dir_under_a_file_is_unwritable(
    reviews_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    """An index path whose parent is a file is an IndexDirError (works even as root)."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(IndexDirError, match="not writable"):
        _engine(reviews_dir, blocker / "index", embedder).index()


def test_copy_of_index_folder_is_self_contained(
    engine: Engine, tmp_path: Path, embedder: Embedder
) -> None:
    """An index folder copied elsewhere still answers (no absolute paths inside)."""
    copy = tmp_path / "copy"
    shutil.copytree(engine.index_dir, copy)
    assert _engine(engine.data_dir, copy, embedder).ask(KEANU).found


def test_partly_covered_question_answers_and_names_the_missing(engine: Engine) -> None:
    """One name covered, one not: answer from the reviews and say which name none mentions."""
    answer = engine.ask("Did Tom Cruise or Keanu appear?")
    assert answer.found
    assert "No review mentions Tom Cruise." in answer.text
    assert any("Reeves" in c.quote for c in answer.citations)


def test_warm_up_loads_what_a_first_question_needs(engine: Engine) -> None:
    """warm_up, in a fresh process, also reads the reviews' words (typo mending) and loads the
    parts-of-speech dictionary, so a bot's first "the casino shootout?" does not wait for them."""
    code = (
        "import sys; from pathlib import Path; from retrieval.engine import Engine; "
        f"e = Engine(Path({str(REVIEWS)!r}), Path({str(engine.index_dir)!r}), "
        f"model_dir=Path({str(MODEL_DIR)!r})); e.warm_up(); "
        "print('lemminflect' in sys.modules, e._require().searcher._vocabulary is not None)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["True", "True"]


def test_reindex_after_the_index_folder_was_deleted(
    two_reviews: Path, index_copy: Path, embedder: Embedder
) -> None:
    """A running engine whose index folder is removed rebuilds it on the next reindex."""
    index, reviews_dir = index_copy, two_reviews
    e = _engine(reviews_dir, index, embedder)
    e.warm_up()
    shutil.rmtree(index)
    assert len(e.index().added) == 2
    assert e.ask(KEANU).found
    assert _engine(reviews_dir, index, embedder).ask(KEANU).found


def test_an_age_rating_is_not_a_critics_rating(engine: Engine) -> None:
    """'Is it rated R?' asks about the censor: the critic's "Rating: 4 out of 5." is no answer
    to it (refused), and it still answers a question about the critics' ratings."""
    censor = engine.ask("is it rated R or pg-13?", use_llm=False)
    assert not censor.found
    assert all("Rating:" not in c.quote for c in censor.citations)
    critics = engine.ask("What rating did critics give it?", use_llm=False)
    assert critics.found and [c.quote for c in critics.citations] == ["Rating: 4 out of 5."]


@pytest.mark.parametrize(
    "question",
    ["did any critic say anything about the music or the score?",
     "does it get better as it goes on or does it run out of steam"],
)  # fmt: skip
def test_a_rating_line_answers_only_a_rating_question(engine: Engine, question: str) -> None:
    """ "Rating: 4 out of 5." says what the critic rated it, not what they thought of the music
    or whether it gets better (both once quoted it)."""
    answer = engine.ask(question, use_llm=False)
    assert all("Rating:" not in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    ["is it super loud? like bring earplugs loud", "is it super loud? my ears are sensitive lol"],
)
def test_a_sentence_close_enough_to_offer_is_the_answer(engine: Engine, question: str) -> None:
    """Under the model's bar but close to the question ("is it super loud?" and "…with the sound
    design pumped up to the max"): answered with it, never refused while showing it as "the
    closest passage"."""
    answer = engine.ask(question, use_llm=False)
    assert answer.found and "No review covers" not in answer.text
    assert any("sound design pumped up" in c.quote for c in answer.citations)


def test_the_films_own_name_is_no_topic(engine: Engine) -> None:
    """On a one-film index every review names the film: a sentence that only shares its name
    ("But BALLERINA is obviously more invested in its thrills…") does not answer "who composed
    the score for Ballerina?", which no review covers."""
    _, asked = engine.prepared("who composed the score for ballerina?")
    assert asked.query.subject == "who composed score"
    answer = engine.ask("who composed the score for ballerina?", use_llm=False)
    assert not answer.found
    assert "BALLERINA is obviously" not in answer.text
    _, whole = engine.prepared("is ballerina any good?")
    assert whole.query.overall  # the film asked about as a whole is still a verdict question


def test_a_name_the_review_asked_about_never_uses(engine: Engine) -> None:
    """Asked about one review, a name only other reviews use is refused for that review, typed
    in lower case too, and said so of that review rather than of every review."""
    answer = engine.ask("what did the tutu review think of keanu's cameo", use_llm=False)
    assert not answer.found
    assert answer.text == "Film Stories's review does not mention keanu."


@pytest.mark.parametrize(
    ("question", "text"),
    [
        # a name of two words, neither rare in English ("byrne" is at Zipf 3.5)
        ("did the four star reviewer like gabriel byrne as the villain?",
         'Unattributed review: "From the World of John Wick: Ballerina (2025)"\'s review does '
         "not mention gabriel byrne."),
        # "john wick" is in every review of the film: it tells nothing of this one
        ("the film stories review, what did they think of keanu's scenes as john wick",
         "Film Stories's review does not mention keanu."),
        # two names, said once
        ("the atomic blonde comparison reviewer, what did they think of ian mcshane as winston",
         'Unattributed review: "From the World of John Wick: Ballerina (2025)"\'s review does '
         "not mention mcshane or winston."),
    ],
)  # fmt: skip
def test_names_typed_in_lower_case_that_the_review_never_uses(
    engine: Engine, question: str, text: str
) -> None:
    answer = engine.ask(question, use_llm=False)
    assert not answer.found
    assert answer.text == text


@pytest.mark.parametrize(
    "question",
    [
        "what did the banger review think of Keanu's part?",  # it says "Reeves" ("Keanu Reeves")
        "the banger review - what did they say about the flamethrower",  # rare, but no name
    ],
)
def test_a_review_that_uses_another_form_of_the_name_answers(engine: Engine, question: str) -> None:
    """Another part of the full name the other reviews give ("Reeves"), or a rare word that is
    no name at all, is not a missing name."""
    _, asked = engine.prepared(question)
    assert asked.scope == {"total-banger"} and asked.missing == []
