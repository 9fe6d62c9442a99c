"""Domain errors: the store and the rules raise these; the API maps each base class
to one status code and one JSON shape (service/api/errors.py).

    DomainError
     ├── InvalidInput         422
     ├── Unauthorized         401
     ├── Forbidden            403
     ├── NotFound             404
     ├── Conflict             409
     │    ├── CardinalityConflict
     │    ├── CardinalityChangeNeedsConfirmation
     │    └── PlanOutdated
     └── Unavailable          503
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "insufficient_scope"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class CardinalityConflict(Conflict):
    """A write would give a `one` side a second association."""
    code = "cardinality_conflict"


class CardinalityChangeNeedsConfirmation(Conflict):
    """Tightening a cardinality deletes associations: it needs the dry run's plan."""
    code = "confirmation_required"


class PlanOutdated(Conflict):
    """The data moved since the dry run: its plan no longer says what would go."""
    code = "plan_outdated"


class Unavailable(DomainError):
    status_code = 503
    code = "unavailable"
