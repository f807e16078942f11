"""Overdue (1×) and 3× overdue escalation with its notices, once per level; the daily command."""

from datetime import date

import pytest
from django.core.management import call_command

from lianxin.core.models import Notification
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.services import services
from lianxin.services.models import Application, Status
from lianxin.services.tests import factories as f


@pytest.fixture
def app(region):
    # Submitted 2026-09-30 with 3 working days: due 10-10 (the make-up Saturday), 3× on 10-19.
    return f.application(
        f.center_of(region(HEXI_VILLAGE)),
        item_obj=f.item(time_limit=3, materials=()),
        now=f.at(date(2026, 9, 30)),
    )


def notices(user, app):
    return list(Notification.objects.filter(recipient=user, target_id=str(app.pk)).order_by("id"))


def test_not_overdue_on_the_deadline(app):
    assert services.escalate_overdue(date(2026, 10, 10)) == {"overdue": 0, "overdue_3x": 0}
    app.refresh_from_db()
    assert app.overdue == 0


def test_overdue_then_three_times_each_once(app, center_staff, hexi):
    before_staff, before_hexi = len(notices(center_staff, app)), len(notices(hexi, app))
    assert services.escalate_overdue(date(2026, 10, 11)) == {"overdue": 1, "overdue_3x": 0}
    app.refresh_from_db()
    assert app.overdue == 1
    got = notices(center_staff, app)[before_staff:]
    assert len(got) == 1 and "超期" in got[0].title and got[0].level == "warning"
    assert len(notices(hexi, app)) == before_hexi  # the district hears only at 3×
    # Running again the same day or the next changes nothing.
    assert services.escalate_overdue(date(2026, 10, 12)) == {"overdue": 0, "overdue_3x": 0}
    assert services.escalate_overdue(date(2026, 10, 19)) == {"overdue": 0, "overdue_3x": 0}
    assert services.escalate_overdue(date(2026, 10, 20)) == {"overdue": 0, "overdue_3x": 1}
    app.refresh_from_db()
    assert app.overdue == 3
    to_district = notices(hexi, app)[before_hexi:]
    assert len(to_district) == 1 and "三倍" in to_district[0].title
    assert to_district[0].level == "danger"
    assert len(notices(center_staff, app)) == before_staff + 2
    assert services.escalate_overdue(date(2026, 11, 30)) == {"overdue": 0, "overdue_3x": 0}


def test_straight_to_three_times(app):
    assert services.escalate_overdue(date(2026, 12, 1)) == {"overdue": 0, "overdue_3x": 1}


@pytest.mark.parametrize(
    "status", [Status.CONCLUDED, Status.RATED, Status.WITHDRAWN, Status.REJECTED, Status.RETURNED]
)
def test_closed_or_waiting_cases_are_not_escalated(app, status):
    Application.objects.filter(pk=app.pk).update(status=status)
    assert services.escalate_overdue(date(2026, 12, 1)) == {"overdue": 0, "overdue_3x": 0}


def test_the_daily_command(app, capsys):
    call_command("services_daily", "--date", "2026-10-11")
    assert "1 overdue" in capsys.readouterr().out
    app.refresh_from_db()
    assert app.overdue == 1


def test_the_daily_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("services_daily", "--date", "2026-13-01")
