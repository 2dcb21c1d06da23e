"""Who plays whom (answer/cast.py): the sentence that credits the part asked about."""

from __future__ import annotations

import pytest

from retrieval.answer import cast
from retrieval.engine import Engine
from retrieval.lexical import _QUERY_STOP


@pytest.mark.parametrize(
    ("subject", "sentence", "share"),
    [
        ("eve", "Instead, we get Eve (Ana de Armas), an assassin trained by the Ruska Roma.", 1.0),
        ("eve", "Ballerina stars Ana de Armas as Eve Macarro.", 1.0),
        ("eve", "I feel sorry for Eve, the character Ana de Armas plays in Ballerina.", 1.0),
        ("director", "Anjelica Huston returns as the Director, bringing elegance and menace.", 1.0),
        # Eve is named, but the credit is the Chancellor's
        ("eve", "As a little girl, Eve witnesses her father get killed by The Chancellor "
                "(Gabriel Byrne), the leader of a violent cult.", 0.0),
        # someone's relation: a credit of Eve herself does not answer
        ("eve's dad", "Instead, we get Eve (Ana de Armas), an assassin.", 0.0),
        ("eve's dad", "Eve witnesses the death of her dad (David Castañeda, SICARIO).", 0.5),
        # as a critic writes the part
        ("eve's dad", "Eve witnesses the death of her father (David Castañeda, SICARIO).", 0.5),
    ],
)  # fmt: skip
def test_a_credit_beside_the_part(subject: str, sentence: str, share: float) -> None:
    assert cast.credits(*cast.part_asked(subject, _QUERY_STOP))(sentence) == share


@pytest.mark.parametrize(
    ("question", "player"),
    [
        ("Who plays Eve in Ballerina?", "Ana de Armas"),
        ("who plays young eve? comte?", "Victoria Comte"),  # the player named wins
        ("Who plays the Chancellor's right-hand woman?", "Catalina Sandino Moreno"),
        ("what charcter does norman reedus play?", "Norman Reedus"),
        ("What part does Daniel Bernhardt play?", "Daniel Bernhardt"),  # "shows up as"
    ],
)
def test_who_plays_is_answered_by_credits(engine: Engine, question: str, player: str) -> None:
    """Each quote credits the player; sentences that only mention the part are left out."""
    answer = engine.ask(question, use_llm=False)
    assert answer.found and answer.citations
    assert all(player in c.quote for c in answer.citations)


def test_a_part_no_review_credits_is_refused(engine: Engine) -> None:
    """No credit names the part ("eve's mother"): refused, not answered with sentences that
    mention the part but credit no one (they were quoted as "3 of 5 reviews speak to this")."""
    for question in ("who plays eve's mother?", "who plays eve's mom in the flashbacks?"):
        answer = engine.ask(question, use_llm=False)
        assert not answer.found, answer.text
        assert answer.text.startswith("No review covers that question.")


def test_a_credit_outside_the_passages_found_is_quoted(engine: Engine) -> None:
    """total-banger credits "her father (David Castañeda, …)" in a passage far from the words
    "eve's dad": the credit is looked for in every passage of the reviews found."""
    answer = engine.ask("who plays eve's dad?", use_llm=False)
    assert answer.found
    assert all("David Castañeda" in c.quote and c.verified for c in answer.citations)
    assert answer.citations and answer.citations[0].n == 1


def test_a_contraction_is_no_possessive() -> None:
    """ "when she's a little kid" asks about Eve, not about someone of hers."""
    part, head = cast.part_asked("eve when she's a little kid", _QUERY_STOP)
    assert head == part and "eve" in part
