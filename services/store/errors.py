"""Errors the conversation store raises."""

from __future__ import annotations


class StoreError(Exception):
    """Something the store cannot do; the message says what."""


class NotFoundError(StoreError, LookupError):
    """No such record for this owner.

    Also raised for another person's record, so knowing an id reveals nothing.
    """


class ConversationNotFound(NotFoundError):
    pass


class MessageNotFound(NotFoundError):
    pass


class FileNotFound(NotFoundError):
    pass


class StoreUnavailable(StoreError):
    """The database cannot be reached (stopped, restarting, or the network is down)."""


class BytesMissing(StoreError):
    """A file row was to be recorded for bytes the blob store does not hold."""


class MigrationError(StoreError):
    """The database's recorded migrations do not match the code's list."""
