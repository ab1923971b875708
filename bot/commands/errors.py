"""Errors a user can fix: each names a translated message, its values, and the usage example to show."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, key: str, *, hint: tuple[str, dict[str, object]] | None = None, **params: object):
        super().__init__(key)
        self.key = key
        self.params = params
        self.hint = hint  # an extra translated line, e.g. ("error.did_you_mean", {"suggestions": ...})
        self.example: str | None = None


class DuplicateEvent(Exception):
    """The event was delivered before and already handled: do nothing."""
