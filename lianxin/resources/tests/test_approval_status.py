"""The case's status from every combination of opinions, for one to five departments, checked
against an independent statement of the rule; and how late an opinion is."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import product

import pytest

from lianxin.core.workdays import WorkingCalendar
from lianxin.resources.approvals_status import overall, overdue_level
from lianxin.resources.models import ApprovalStatus, Decision

DECISIONS = list(Decision.values)
assert len(DECISIONS) == 5


def expected(decisions: tuple[str, ...]) -> str:
    """The rule as the departments would say it: count the opinions."""
    n = Counter(decisions)
    if n["reject"]:
        return "rejected"
    if n["return"]:
        return "returned"
    if n["pending"]:
        return "reviewing"
    if n["conditions"]:
        return "conditional"
    assert n["approve"] == len(decisions)
    return "approved"


@pytest.mark.parametrize("departments", [1, 2, 3, 4, 5])
def test_every_combination_of_opinions(departments):
    combos = list(product(DECISIONS, repeat=departments))
    assert len(combos) == 5**departments
    for combo in combos:
        assert overall(combo) == expected(combo), combo
        assert overall(reversed(combo)) == expected(combo), combo  # order does not matter


def test_every_status_is_reached_and_none_by_nobody():
    reached = {overall(c) for n in range(1, 6) for c in product(DECISIONS, repeat=n)}
    assert reached == set(ApprovalStatus.values) - {ApprovalStatus.WITHDRAWN}
    assert overall([]) == ApprovalStatus.REVIEWING


def test_an_unknown_decision_is_refused():
    with pytest.raises(ValueError):
        overall(["maybe"])


CAL = WorkingCalendar()


def test_overdue_counts_working_days_like_milestones():
    # Requested Mon 2025-06-09, 5 working days: due Mon 2025-06-16.
    req, due = date(2025, 6, 9), date(2025, 6, 16)
    assert CAL.add_working_days(req, 5) == due
    assert overdue_level("pending", req, due, due, CAL) == 0
    assert overdue_level("pending", req, due, date(2025, 6, 17), CAL) == 1
    # 3× the time limit (15 working days since the request): Mon 2025-06-30.
    assert overdue_level("pending", req, due, date(2025, 6, 27), CAL) == 1
    assert overdue_level("pending", req, due, date(2025, 6, 30), CAL) == 2
    # Given opinions are never late.
    assert overdue_level("approve", req, due, date(2025, 7, 30), CAL) == 0


def test_the_weekend_after_a_friday_due_day_is_not_late():
    req, due = date(2025, 6, 6), date(2025, 6, 13)  # Fri → Fri
    assert overdue_level("pending", req, due, date(2025, 6, 14), CAL) == 0
    assert overdue_level("pending", req, due, date(2025, 6, 15), CAL) == 0
    assert overdue_level("pending", req, due, date(2025, 6, 16), CAL) == 1
