"""Overdue opinions escalate like milestones: overdue (1) and 3× overdue (2), each notice once,
to the department's members covering the case and the district's administrators; given
opinions, other departments and concluded cases are left alone; the command runs it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from lianxin.core.models import AuditLog, Notification
from lianxin.resources.services import approvals as svc

from .approval_helpers import *  # noqa: F403 (the fixtures)

pytestmark = pytest.mark.django_db

# Submitted Mon 2025-06-09: 5-day opinions due 2025-06-16, 10-day ones due 2025-06-23.
ON_TIME = date(2025, 6, 16)
FIVE_LATE = date(2025, 6, 17)  # the 5-day ones are a working day late
TEN_LATE = date(2025, 6, 24)
FIVE_3X = date(2025, 6, 30)  # 15 working days since the request
TEN_3X = date(2025, 7, 21)  # 30 working days


def _levels(case):
    return dict(case.opinions.values_list("department__code", "escalation"))


def _notices():
    return Notification.objects.filter(title__startswith="【联审").count()


def test_levels_and_notices_once_per_level(nankai_case, reviewers, nankai):
    svc.give_opinion(
        reviewers["finance"],
        nankai_case.opinions.get(department__code="finance"),
        "approve",
        today=ON_TIME,
    )
    assert svc.escalate(ON_TIME) == {"overdue": 0, "overdue_3x": 0}
    assert svc.escalate(FIVE_LATE) == {"overdue": 2, "overdue_3x": 0}  # organization, civil affairs
    assert _levels(nankai_case) == {
        "organization": 1,
        "civil_affairs": 1,
        "finance": 0,
        "planning": 0,
        "housing": 0,
    }
    told = Notification.objects.filter(title__startswith="【联审逾期】")
    # The department's members and the district admin, nobody else.
    assert set(told.values_list("recipient__username", flat=True)) == {
        "nk_organization",
        "nk_civil_affairs",
        "nankai",
    }
    n = _notices()
    assert svc.escalate(FIVE_LATE) == {"overdue": 0, "overdue_3x": 0}  # idempotent
    assert _notices() == n
    assert svc.escalate(TEN_LATE) == {"overdue": 2, "overdue_3x": 0}
    assert svc.escalate(FIVE_3X) == {"overdue": 0, "overdue_3x": 2}
    assert _levels(nankai_case)["organization"] == 2
    assert (
        Notification.objects.filter(title__startswith="【联审严重逾期】", recipient=nankai).count()
        == 2
    )
    assert svc.escalate(TEN_3X) == {"overdue": 0, "overdue_3x": 2}
    n = _notices()
    assert svc.escalate(date(2025, 9, 1)) == {"overdue": 0, "overdue_3x": 0}
    assert _notices() == n
    assert AuditLog.objects.filter(action="approval_escalate").count() == 8


def test_jumping_straight_to_3x_sends_one_notice(nankai_case):
    assert svc.escalate(FIVE_3X) == {"overdue": 2, "overdue_3x": 3}
    levels = _levels(nankai_case)
    assert levels["organization"] == 2 and levels["planning"] == 1
    per_opinion = Notification.objects.filter(
        recipient__username="nankai", title__startswith="【联审"
    ).count()
    assert per_opinion == 5  # one notice for each opinion, at the level it reached


def test_returned_and_concluded_cases_are_not_escalated(nankai, nankai_case, reviewers):
    svc.give_opinion(
        reviewers["planning"],
        nankai_case.opinions.get(department__code="planning"),
        "return",
        "补图",
        today=ON_TIME,
    )
    assert svc.escalate(FIVE_3X) == {"overdue": 0, "overdue_3x": 0}
    svc.withdraw(nankai, nankai_case)
    assert svc.escalate(TEN_3X) == {"overdue": 0, "overdue_3x": 0}


def test_the_daily_command(nankai_case, capsys):
    call_command("approvals_daily", "--date", FIVE_LATE.isoformat())
    assert "3 overdue" in capsys.readouterr().out
    call_command("approvals_daily", "--date", FIVE_LATE.isoformat())
    assert "0 overdue" in capsys.readouterr().out
