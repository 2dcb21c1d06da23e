"""Errors reviewbot raises on purpose.

    ReviewbotError
     ├── UserError            shown to the user as one clear line, never a traceback
     │    ├── BadQuestion      empty, whitespace-only or over-long question
     │    ├── UnknownCritic    no review matches the name (carries close suggestions)
     │    ├── ReviewFileError  one review file is unusable (named, skipped, others still indexed)
     │    ├── DataDirError     the reviews folder is missing or unreadable
     │    ├── IndexDirError    the index folder cannot be created or written
     │    ├── IndexMismatch    the index was built by another embedding model: reindex
     │    ├── ReindexBusy      a reindex is already running
     │    └── IngestError      a review cannot be added (bad URL or file, refused address,
     │         │               no article text, unknown film…); nothing was written
     │         └── DuplicateReview  the same URL or text is already in a review (named)
     └── BackendError         a dependency failed (LLM, store); callers fall back or apologise
          ├── LLMError         the LLM call failed; `reason` is short and safe to show
          └── StoreError       the vector store failed

Anything else is a bug: it is logged with its traceback and never shown raw to a user.
"""

from __future__ import annotations


class ReviewbotError(Exception):
    """Base of every error reviewbot raises deliberately."""


class UserError(ReviewbotError):
    """Something the user can fix; `str(err)` is one line that says what and where."""


class BadQuestion(UserError):
    pass


class UnknownCritic(UserError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No review by a critic matching {name!r}.{hint}")


class ReviewFileError(UserError):
    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class DataDirError(UserError):
    pass


class IndexDirError(UserError):
    pass


class IndexMismatch(UserError):
    pass


class ReindexBusy(UserError):
    pass


class IngestError(UserError):
    pass


class DuplicateReview(IngestError):
    def __init__(self, message: str, review_id: str) -> None:
        self.review_id = review_id
        super().__init__(message)


class BackendError(ReviewbotError):
    """A backend (LLM, vector store) failed."""


class LLMError(BackendError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class StoreError(BackendError):
    pass
