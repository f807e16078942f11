"""The resident rates a concluded case; a very unhappy rating reopens it for the center's head
(or, where the center has none, for all its staff)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core.models import Notification
from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE
from lianxin.core.tests.factories import region as get
from lianxin.services import services
from lianxin.services.models import Rating, StandardAnswer, Status
from lianxin.services.tests import factories as f


@pytest.fixture
def concluded(resident, center_staff):
    item = f.item(materials=())
    f.devolution(get(HEXI), item)
    app = f.application(
        f.center_of(get(HEXI_VILLAGE)), item_obj=item, actor=resident, channel="online"
    )
    for to in (Status.ACCEPTED, Status.IN_PROGRESS):
        services.transition(center_staff, app, to)
    return services.transition(center_staff, app, Status.CONCLUDED, result="已发放")


def answer(text):
    return StandardAnswer.objects.get(text=text)


def test_seeded_answers(db):
    assert set(StandardAnswer.objects.filter(reopens=True).values_list("text", flat=True)) == {
        "态度不好",
        "问题未解决",
    }
    assert answer("办理快捷").text_en == "Quick to get done" and answer("办理快捷").is_satisfied


def test_a_happy_rating_closes_the_case(resident, concluded):
    rating = services.rate(
        resident, concluded, score=5, answer_ids=[answer("办理快捷").pk], comment="谢谢"
    )
    concluded.refresh_from_db()
    assert concluded.status == Status.RATED and not rating.reopened
    assert list(rating.answers.all()) == [answer("办理快捷")]


@pytest.mark.parametrize(
    "score,text,reopens",
    [
        (2, "办理太慢", True),
        (1, None, True),
        (4, "态度不好", True),
        (5, "问题未解决", True),
        (3, "办理太慢", False),
        (3, "多次跑腿", False),
    ],
)
def test_unhappy_ratings_reopen(resident, center_staff, concluded, score, text, reopens):
    ids = [answer(text).pk] if text else []
    rating = services.rate(resident, concluded, score=score, answer_ids=ids)
    concluded.refresh_from_db()
    assert rating.reopened is reopens
    assert concluded.status == (Status.REOPENED if reopens else Status.RATED)
    heard = Notification.objects.filter(
        recipient=center_staff, target_id=str(concluded.pk), title__contains="重办"
    )
    assert heard.exists() is reopens
    if reopens:
        last = concluded.steps.last()
        assert (last.from_status, last.to_status, last.actor) == ("rated", "reopened", None)
        # The first conclusion stays the statistic (on time against the original deadline).
        assert concluded.on_time is True
        # The center concludes again.
        again = services.transition(center_staff, concluded, Status.CONCLUDED, result="重新办结")
        assert again.status == Status.CONCLUDED and again.on_time is True


def test_a_reopened_case_goes_to_the_center_head(resident, center_staff, concluded):
    """With a head (中心负责人) at the center, the reopened case is theirs to take in hand: they
    hear, the rest of the staff do not; and the head may work the case (a writing role)."""
    from lianxin.accounts import services as accounts

    head = accounts.create_staff(
        None, username="head", password="x-Password-9", org_unit=get(HEXI_VILLAGE)
    )
    accounts.assign_role(None, head, "center_head", get(HEXI_VILLAGE))
    services.rate(resident, concluded, score=1, answer_ids=[answer("问题未解决").pk])

    def heard(user):
        return Notification.objects.filter(
            recipient=user, target_id=str(concluded.pk), title__contains="重办"
        ).exists()

    assert heard(head) and not heard(center_staff)
    concluded.refresh_from_db()
    again = services.transition(head, concluded, Status.CONCLUDED, result="负责人督办后办结")
    assert again.status == Status.CONCLUDED


def test_only_the_applicant_rates_once(resident, center_staff, concluded):
    with pytest.raises(PermissionDenied):
        services.rate(center_staff, concluded, score=5, answer_ids=[])
    services.rate(resident, concluded, score=5, answer_ids=[])
    with pytest.raises(ValidationError):
        services.rate(resident, concluded, score=5, answer_ids=[])
    assert Rating.objects.filter(application=concluded).count() == 1


@pytest.mark.parametrize(
    "score,ids,field",
    [(0, [], "score"), (6, [], "score"), ("五", [], "score"), (5, [999999], "answers")],
)
def test_bad_ratings(resident, concluded, score, ids, field):
    with pytest.raises(ValidationError) as exc:
        services.rate(resident, concluded, score=score, answer_ids=ids)
    assert field in exc.value.message_dict
    assert not Rating.objects.filter(application=concluded).exists()


def test_not_before_conclusion(resident, region):
    app = f.application(
        f.center_of(region(HEXI_VILLAGE)),
        item_obj=f.item(materials=()),
        actor=resident,
        channel="online",
    )
    with pytest.raises(ValidationError):
        services.rate(resident, app, score=5, answer_ids=[])


def test_a_reopened_case_gets_a_fresh_deadline(resident, center_staff, concluded):
    """Reopened weeks after its deadline, the case is not at once (3×) overdue: its time limit
    runs afresh from the reopening day; the first conclusion (on time) stays the statistic."""
    from datetime import date, timedelta
    from unittest import mock

    from django.utils import timezone

    from lianxin.core.models import AuditLog
    from lianxin.services import deadlines, queries
    from lianxin.services.models import Application

    old_deadline = concluded.deadline
    Application.objects.filter(pk=concluded.pk).update(overdue=3)  # as if escalated before
    later = timezone.now() + timedelta(days=60)
    with mock.patch("django.utils.timezone.now", return_value=later):
        services.rate(resident, concluded, score=1, answer_ids=[])
        today = timezone.localdate()
        app = Application.objects.get(pk=concluded.pk)
        assert app.status == Status.REOPENED
        days = app.time_limit_days
        assert app.deadline == deadlines.deadline(today, days) > old_deadline
        assert app.grave_deadline == deadlines.grave_deadline(today, days)
        assert app.overdue == 0 and app.on_time is True
        assert queries.overdue_now(app, today) == 0
        assert not queries.workbench(center_staff, {"overdue": "1"}).filter(pk=app.pk).exists()
        entry = AuditLog.objects.filter(action="reopen", target_id=str(app.pk)).latest("pk")
        assert entry.changes["deadline"] == [old_deadline.isoformat(), app.deadline.isoformat()]
        assert entry.changes["overdue"] == [3, 0]
        # Concluded again, late: the first conclusion's on-time verdict and time are kept.
        first_at = app.concluded_at
        with mock.patch("django.utils.timezone.localdate", return_value=date(2099, 1, 1)):
            again = services.transition(center_staff, app, Status.CONCLUDED, result="重新办结")
        assert again.on_time is True and again.concluded_at == first_at
    # The one rating is kept: a second one is refused with a message, not a database error.
    with pytest.raises(ValidationError) as exc:
        services.rate(resident, again, score=5, answer_ids=[])
    assert "score" in exc.value.message_dict
