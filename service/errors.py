"""Domain errors: the rules, the store and the services raise these. Each carries a
``code`` (the catalogue's word for the situation), a message that says what to do and
details; none knows HTTP. The API gives each class its status and one JSON shape
(``STATUS`` in service/api/errors.py):

    DomainError
     ├── InvalidInput         (422 at the API)
     ├── Unauthorized         (401)
     ├── Forbidden            (403)
     ├── NotFound             (404)
     ├── Conflict             (409)
     │    ├── CardinalityConflict
     │    ├── CardinalityChangeNeedsConfirmation
     │    └── PlanOutdated
     └── Unavailable          (503)
          └── OverCapacity    (503 with Retry-After: a tenant's share of work is in use)

    RunFailed                 a connector run's outcome, not an API answer: the run
                              record keeps its class and message

A few narrower exceptions never leave the layer that raises them: the domain's
``ValueProblem`` (a value that does not fit its type), ``TemplateError`` and
``MappingError`` (a connector's templates and mapping), ``ReportDefinitionError`` (a report
file refgraph refuses to start with) and the store's ``SchemaChanged`` (a write retried
against the new schema). Each is caught where it is raised and becomes one of the above.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    code = "invalid_input"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "insufficient_scope"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class CardinalityConflict(Conflict):
    """A write would give a `one` side a second association."""
    code = "cardinality_conflict"


class LimitConflict(Conflict):
    """A write would give a source or target more associations holding a limited
    property value than the reference's limit allows."""
    code = "limit_conflict"


class UniqueViolation(Conflict):
    """Another object of the type holds this value of a unique attribute."""
    code = "unique_violation"


class CardinalityChangeNeedsConfirmation(Conflict):
    """A change that deletes associations (tightening a cardinality) or changes values
    (removing an enum's options that objects hold) needs the dry run's plan."""
    code = "confirmation_required"


class PlanOutdated(Conflict):
    """The data moved since the dry run: its plan no longer says what would go."""
    code = "plan_outdated"


class Unavailable(DomainError):
    code = "unavailable"


class OverCapacity(Unavailable):
    """More expensive work in flight for a workspace or token than it may have: the
    request was not started; try again after ``retry_after_s`` seconds."""
    code = "over_capacity"

    def __init__(self, message: str, *, retry_after_s: int = 1, details: Any = None):
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class RateLimited(DomainError):
    """The token's rate limit is spent: the request was not started; try again after
    ``retry_after_s`` seconds."""
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int = 1, details: Any = None):
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class RunFailed(Exception):
    """A connector run (or test) failed at the remote API, the template, the mapping or the
    write; ``error_class`` is the run record's ``error.class``."""

    def __init__(self, error_class: str, message: str, *, http_status: int | None = None):
        super().__init__(message)
        self.error_class, self.message, self.http_status = error_class, message, http_status
