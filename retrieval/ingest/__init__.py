"""Add a review from a URL, a file or stdin (`reviewbot add`).

    add_review(source, *, data_dir, film=None, critic=None, outlet=None, rating=None,
               review_id=None, allow_private=False, allow_files=True, dry_run=False,
               fetch=fetch_url, stdin=None) -> AddResult
    add_reviews(sources, ...) -> list[AddResult]      # all or nothing
    Upload(name, data)                                # a source given as bytes (an attachment)

A Discord adapter passes URLs and `Upload`s with `allow_files=False`.

fetch.py fetches safely, extract.py reads text + metadata, write.py builds and writes the file.
"""

from .add import MIN_WORDS, AddResult, Upload, add_review, add_reviews
from .fetch import Fetched, fetch_url

__all__ = [
    "MIN_WORDS", "AddResult", "Fetched", "Upload", "add_review", "add_reviews", "fetch_url",
]  # fmt: skip
