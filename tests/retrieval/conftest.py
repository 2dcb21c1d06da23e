"""Fixtures for the retrieval tests: a tiny two-film corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

HEAT = """---
id: heat-one
film: Heat
year: 1995
critic: Ann Lee
---

Michael Mann films Los Angeles at night as a city of glass and sodium light.
The bank robbery shootout downtown is staggering, loud and precise.
The flamethrower scene is {word}, and nobody in the audience forgets it.
Al Pacino and Robert De Niro share one quiet scene in a diner that holds the whole film.
"""
WICK = """---
id: wick-two
film: "From the World of John Wick: Ballerina"
critic: Bo Kim
---

Ana de Armas carries the action with real commitment.
Keanu Reeves appears for a few minutes and the story stops for him.
The kitchen fight with plates is the most inventive set piece.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two short reviews of two films; heat-one's flamethrower scene is 'clumsy'."""
    d = tmp_path / "reviews"
    d.mkdir()
    (d / "heat.md").write_text(HEAT.format(word="clumsy"))
    (d / "wick.md").write_text(WICK)
    return d
