"""The overall status of a joint review from its opinions, and how late an opinion is (pure: no
database, no clock).

The rule (联合审查审批): any department that rejects rejects the case; otherwise any department
that returns it for changes returns it; otherwise, once every department has given its opinion
(approve, or approve with conditions), the case is approved — with conditions when any opinion
has them; until then it is under review.

Escalation counts working days like the campaign's milestones do (`campaign.health`): an
opinion still pending a working day or more after its due day is overdue (level 1); when the
working days since it was requested reach three times its time limit, it is 3× overdue (level 2).
An opinion given a working day or more after its due day was given late (`late_given_days`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from lianxin.core.workdays import WorkingCalendar

from .models.approvals import ApprovalStatus, Decision

OPEN = (ApprovalStatus.REVIEWING, ApprovalStatus.RETURNED)
APPROVED = (ApprovalStatus.APPROVED, ApprovalStatus.APPROVED_WITH_CONDITIONS)
CONCLUDED = (
    ApprovalStatus.APPROVED,
    ApprovalStatus.APPROVED_WITH_CONDITIONS,
    ApprovalStatus.REJECTED,
    ApprovalStatus.WITHDRAWN,
)
APPROVING = (Decision.APPROVE, Decision.CONDITIONS)


def overall(decisions: Iterable[str]) -> ApprovalStatus:
    """The case's status from its departments' decisions (values of `Decision`). A case with no
    opinion at all is under review (it cannot be approved by nobody)."""
    seen = [Decision(d) for d in decisions]
    if Decision.REJECT in seen:
        return ApprovalStatus.REJECTED
    if Decision.RETURN in seen:
        return ApprovalStatus.RETURNED
    if seen and all(d in APPROVING for d in seen):
        if Decision.CONDITIONS in seen:
            return ApprovalStatus.APPROVED_WITH_CONDITIONS
        return ApprovalStatus.APPROVED
    return ApprovalStatus.REVIEWING


def is_approved(status: str) -> bool:
    return status in APPROVED


def time_limit(requested_on: date, due_on: date, cal: WorkingCalendar) -> int:
    """The opinion's time limit in working days, as its dates were laid out."""
    return max(cal.working_days_between(requested_on, due_on), 1)


def overdue_level(
    decision: str, requested_on: date, due_on: date, today: date, cal: WorkingCalendar
) -> int:
    """0 on time (or given), 1 overdue, 2 three times its time limit or more."""
    if decision != Decision.PENDING or cal.working_days_between(due_on, today) < 1:
        return 0
    spent = cal.working_days_between(requested_on, today)
    return 2 if spent >= 3 * time_limit(requested_on, due_on, cal) else 1


def opinion_overdue_level(opinion, today: date, cal: WorkingCalendar) -> int:
    return overdue_level(opinion.decision, opinion.requested_on, opinion.due_on, today, cal)


def late_given_days(decided_on: date | None, due_on: date, cal: WorkingCalendar) -> int:
    """Working days after its due day that an opinion was given (0: on time, or not given yet).
    Given on the weekend after a Friday deadline is on time, as for overdue opinions."""
    if decided_on is None or decided_on <= due_on:
        return 0
    return max(cal.working_days_between(due_on, decided_on), 0)
