"""Add a review from a URL, a file or stdin (`reviewbot add`).

    add_review(source, *, data_dir, film=None, critic=None, outlet=None, rating=None,
               review_id=None, allow_private=False, dry_run=False, fetch=fetch_url) -> AddResult
    add_reviews(sources, ...) -> list[AddResult]      # all or nothing

fetch.py fetches safely, extract.py reads text + metadata, write.py builds and writes the file.
"""

from .add import MIN_WORDS, AddResult, add_review, add_reviews
from .fetch import Fetched, fetch_url

__all__ = ["MIN_WORDS", "AddResult", "Fetched", "add_review", "add_reviews", "fetch_url"]
