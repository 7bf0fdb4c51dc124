"""The project's error hierarchy.

Every error the user can cause is a :class:`KGError`; the CLI prints it as one line on stderr and
exits with its ``exit_code`` (0 ok, 1 findings/violations, 2 bad input or load error).
"""

from __future__ import annotations


class KGError(Exception):
    """Base class of every error the project raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class DataError(KGError, ValueError):
    """A monograph data file is malformed or inconsistent (names file and record)."""


class QuoteNotFound(DataError):
    """A record's quote is not in its source text."""


class ValidationFailed(KGError):
    """The graph does not conform to the shapes or a violation query returned rows."""

    exit_code = 1


class UsageError(KGError, ValueError):
    """A command was called with arguments that cannot work."""


class NotFound(KGError, LookupError):
    """A name, query or file the user asked for does not exist."""


class QueryError(KGError):
    """A SPARQL query was refused, failed or timed out."""


class EndpointError(KGError, ConnectionError):
    """A remote SPARQL endpoint could not be reached or answered badly."""
