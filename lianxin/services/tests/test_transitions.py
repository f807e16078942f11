"""Every allowed and every refused status change: the whole TRANSITIONS table × the roles, and
every pair of statuses not in it."""

from itertools import product

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.accounts.models import User
from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.services import services, workflow
from lianxin.services.models import Application, HandlingMode, Status, Step
from lianxin.services.tests import factories as f
from lianxin.services.workflow import RESIDENT, SYSTEM, TRANSITIONS, UPPER, WINDOW

PEOPLE = (RESIDENT, WINDOW, UPPER)


def actor_for(role):
    """One person per role, each holding only that role on the 九江路 application."""
    if role == RESIDENT:
        from conftest import RESIDENT_PHONE
        from lianxin.core import crypto

        return User.objects.get(phone_digest=crypto.digest(RESIDENT_PHONE))
    if role == WINDOW:
        return User.objects.get(username="center_jjl")
    return f.street_unit_staff()


def case(status, mode=HandlingMode.RECEIVED_HERE):
    """An application of the resident's at 九江路, put in `status` with `mode`."""
    resident = actor_for(RESIDENT)
    app = f.application(
        f.center_of(region(HEXI_VILLAGE)),
        item_obj=f.item(materials=()),
        actor=resident,
        channel="online",
    )
    Application.objects.filter(pk=app.pk).update(status=status, handling_mode=mode)
    app.refresh_from_db()
    return app


def mode_for(frm, to):
    # Transfers exist only for modes that pass the case up; a case concluded from "in progress"
    # is one concluded here.
    if (frm, to) == (Status.IN_PROGRESS, Status.CONCLUDED):
        return HandlingMode.CONCLUDED_HERE
    return HandlingMode.RECEIVED_HERE


def test_the_actors_hold_exactly_their_role(db):
    app = case(Status.SUBMITTED)
    for role in PEOPLE:
        assert services.roles_of(actor_for(role), app) == {role}


@pytest.mark.parametrize(
    "frm,to,role",
    [(frm, to, role) for (frm, to) in TRANSITIONS for role in PEOPLE],
    ids=lambda v: str(v),
)
def test_every_entry_of_the_table_for_every_role(db, frm, to, role):
    app = case(frm, mode_for(frm, to))
    who = TRANSITIONS[(frm, to)]
    steps = Step.objects.filter(application=app).count()
    if role in who:
        done = services.transition(actor_for(role), app, to, note="说明", result="结果")
        assert done.status == to
        app.refresh_from_db()
        assert app.status == to and app.version == 2
        last = Step.objects.filter(application=app).last()
        assert (last.from_status, last.to_status, last.actor) == (frm, to, actor_for(role))
        assert last.note
        assert Step.objects.filter(application=app).count() == steps + 1
    else:
        expected = ValidationError if who == {SYSTEM} else PermissionDenied
        with pytest.raises(expected):
            services.transition(actor_for(role), app, to, note="说明", result="结果")
        app.refresh_from_db()
        assert app.status == frm and app.version == 1
        assert Step.objects.filter(application=app).count() == steps


NOT_IN_TABLE = [
    (a, b) for a, b in product(Status.values, Status.values) if (a, b) not in TRANSITIONS
]


@pytest.mark.parametrize("frm,to", NOT_IN_TABLE, ids=lambda v: str(v))
def test_every_pair_not_in_the_table_is_refused_for_everyone(db, frm, to):
    app = case(frm)
    for role in PEOPLE:
        with pytest.raises(ValidationError) as exc:
            services.transition(actor_for(role), app, to, note="说明", result="结果")
        assert "status" in exc.value.message_dict
    app.refresh_from_db()
    assert app.status == frm and app.version == 1


@pytest.mark.parametrize("who", ["nankai", "norole", "inspector"])
def test_people_outside_the_case_have_no_role_at_all(db, who):
    app = case(Status.SUBMITTED)
    user = User.objects.get(username=who)
    assert services.roles_of(user, app) == set()
    with pytest.raises(PermissionDenied):
        services.transition(user, app, Status.ACCEPTED)


def test_another_resident_is_no_one_to_the_case(db):
    from lianxin.accounts import services as accounts

    other = accounts.create_resident(None, phone="13700000001", password="x-Lianxin-2025")
    app = case(Status.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.transition(other, app, Status.WITHDRAWN)


def test_a_case_concluded_here_is_never_transferred(db):
    app = case(Status.ACCEPTED, HandlingMode.CONCLUDED_HERE)
    with pytest.raises(ValidationError):
        services.transition(actor_for(WINDOW), app, Status.TRANSFERRED, note="x")


def test_a_case_for_the_street_is_not_concluded_at_the_window(db):
    app = case(Status.IN_PROGRESS, HandlingMode.RECEIVED_HERE)
    assert Status.CONCLUDED not in workflow.next_statuses(app, WINDOW)
    with pytest.raises(ValidationError):
        services.transition(actor_for(WINDOW), app, Status.CONCLUDED, result="办好了")


@pytest.mark.parametrize("to,field", [(Status.RETURNED, "note"), (Status.REJECTED, "note")])
def test_returning_or_rejecting_needs_a_reason(db, to, field):
    app = case(Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        services.transition(actor_for(WINDOW), app, to, note="  ")
    assert field in exc.value.message_dict


def test_concluding_needs_a_result_and_sets_on_time(db):
    app = case(Status.IN_PROGRESS, HandlingMode.CONCLUDED_HERE)
    with pytest.raises(ValidationError) as exc:
        services.transition(actor_for(WINDOW), app, Status.CONCLUDED)
    assert "result" in exc.value.message_dict
    done = services.transition(actor_for(WINDOW), app, Status.CONCLUDED, result="已发放")
    assert done.result == "已发放" and done.concluded_at is not None
    assert done.on_time is True  # concluded the day it was submitted


def test_a_stale_version_is_a_conflict(db):
    from lianxin.core.services import ConflictError

    app = case(Status.SUBMITTED)
    services.transition(actor_for(WINDOW), app, Status.ACCEPTED, version=1)
    app = case(Status.SUBMITTED)
    Application.objects.filter(pk=app.pk).update(version=5)
    with pytest.raises(ConflictError):
        services.transition(actor_for(WINDOW), app, Status.ACCEPTED, version=1)


def test_every_change_notifies_the_resident_and_is_audited(db):
    from lianxin.core.models import AuditLog, Notification

    app = case(Status.SUBMITTED)
    resident = actor_for(RESIDENT)
    before = Notification.objects.filter(recipient=resident).count()
    services.transition(actor_for(WINDOW), app, Status.RETURNED, note="请补充户口簿")
    got = Notification.objects.filter(recipient=resident).order_by("-id").first()
    assert Notification.objects.filter(recipient=resident).count() == before + 1
    assert app.number in got.title and got.body == "请补充户口簿"
    log = AuditLog.objects.filter(target_id=str(app.pk), action="return").get()
    assert log.changes == {"status": ["submitted", "returned"]}
