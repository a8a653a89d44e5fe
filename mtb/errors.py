"""Domain errors raised by services; views turn them into form errors, 403, 409 or 503."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class InvalidInput(DomainError):
    """Input that breaks a rule; ``field`` names the form field it belongs to."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class NotAllowed(DomainError):
    """The user may not do this (a 403)."""


class NotFound(DomainError):
    """No such object, or none the user may see (a 404)."""


class ConflictError(DomainError):
    """Someone else changed the object since it was loaded (a 409)."""


class ServiceUnavailable(DomainError):
    """An outside service the action needs (the time-stamping authority...) did not answer:
    nothing was done, the user may try again (a 503, or a message where the user was)."""
