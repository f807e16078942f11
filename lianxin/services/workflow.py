"""The application's status machine: the one table of allowed changes, and who may make them.

A change not in TRANSITIONS is refused. `by` names who may make it: the resident who applied,
the staff of the receiving center's scope ("window"), the staff above the center who conclude
what the window passes up ("upper"), or the system (ratings that reopen, nothing else)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import TRANSFERRED_MODES, Status

RESIDENT, WINDOW, UPPER, SYSTEM = "resident", "window", "upper", "system"

# (from, to): who may.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.SUBMITTED, Status.ACCEPTED): frozenset({WINDOW}),
    (Status.SUBMITTED, Status.RETURNED): frozenset({WINDOW}),
    (Status.SUBMITTED, Status.REJECTED): frozenset({WINDOW}),
    (Status.SUBMITTED, Status.WITHDRAWN): frozenset({RESIDENT}),
    (Status.RETURNED, Status.SUBMITTED): frozenset({RESIDENT, WINDOW}),
    (Status.RETURNED, Status.WITHDRAWN): frozenset({RESIDENT}),
    (Status.ACCEPTED, Status.IN_PROGRESS): frozenset({WINDOW}),
    (Status.ACCEPTED, Status.TRANSFERRED): frozenset({WINDOW}),
    (Status.IN_PROGRESS, Status.TRANSFERRED): frozenset({WINDOW}),
    (Status.IN_PROGRESS, Status.CONCLUDED): frozenset({WINDOW}),
    (Status.TRANSFERRED, Status.CONCLUDED): frozenset({UPPER}),
    (Status.CONCLUDED, Status.RATED): frozenset({RESIDENT}),
    (Status.RATED, Status.REOPENED): frozenset({SYSTEM}),
    (Status.REOPENED, Status.CONCLUDED): frozenset({WINDOW, UPPER}),
}

# What the window's buttons say.
ACTIONS = {
    Status.ACCEPTED: "accept",
    Status.RETURNED: "return",
    Status.REJECTED: "reject",
    Status.IN_PROGRESS: "start",
    Status.TRANSFERRED: "transfer",
    Status.CONCLUDED: "conclude",
    Status.WITHDRAWN: "withdraw",
    Status.SUBMITTED: "resubmit",
}
# Changes that need a note (the resident must know why).
NOTE_REQUIRED = frozenset({Status.RETURNED, Status.REJECTED, Status.CONCLUDED})


def allowed(application, to_status: str, role: str) -> bool:
    who = TRANSITIONS.get((application.status, to_status))
    if not who or role not in who:
        return False
    # Only modes that pass the case up may be transferred; those must be, before concluding.
    transfers = application.handling_mode in TRANSFERRED_MODES
    if to_status == Status.TRANSFERRED and not transfers:
        return False
    if to_status == Status.CONCLUDED and application.status == Status.IN_PROGRESS and transfers:
        return False
    return True


def check(application, to_status: str, role: str) -> None:
    if not allowed(application, to_status, role):
        raise ValidationError(
            {
                "status": _("办件“%(number)s”不能从“%(from)s”变为“%(to)s”。")
                % {
                    "number": application.number,
                    "from": Status(application.status).label,
                    "to": Status(to_status).label,
                }
            }
        )


def next_statuses(application, role: str) -> list[str]:
    """The changes `role` may make now, in the table's order (for the buttons)."""
    return [
        to
        for (frm, to) in TRANSITIONS
        if frm == application.status and allowed(application, to, role)
    ]
