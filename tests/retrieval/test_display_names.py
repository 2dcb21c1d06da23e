"""Display names on a real index: unattributed reviews are labelled, and every review still
resolves by its id (and by its display name) through `Engine.find_review`."""

from __future__ import annotations

import pytest

from retrieval.engine import Engine
from retrieval.errors import UnknownCritic
from tests.conftest import REVIEWS


@pytest.mark.parametrize("review_id", sorted(p.stem for p in REVIEWS.glob("*.md")))
def test_shipped_reviews_resolve_by_id_and_display_name(engine: Engine, review_id: str) -> None:
    """Each shipped review is found by its id and by its (new) display name."""
    review = engine.find_review(review_id)
    assert review.id == review_id
    assert engine.find_review(review.display_name).id == review_id
    assert engine.find_review(review.display_name.upper()).id == review_id


def test_no_critic_is_named_after_a_film_or_a_slug(engine: Engine) -> None:
    """The critics list never shows a bare title or slug as if it were a critic."""
    for review in engine.critics():
        if not review.attributed:
            assert review.display_name.startswith("Unattributed review")
        assert review.display_name != review.film


def test_unattributed_is_not_a_critic_name(engine: Engine) -> None:
    """Typing "unattributed" matches several reviews: it is refused with suggestions."""
    with pytest.raises(UnknownCritic) as err:
        engine.find_review("unattributed")
    assert err.value.suggestions
