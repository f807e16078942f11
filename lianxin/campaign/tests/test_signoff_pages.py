"""逐个销号 through the UI door: the street submits, another person at the district verifies, and
only while every criterion holds (卡死后门); returns and reopening need a reason; evidence
photos are checked; read-only users see the panel without a button."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from lianxin.campaign.models import Plan, SignOff, SignOffPhoto, SignOffStatus
from lianxin.centers.models import Center, CenterStatus, Level, LevelRecord, Room, RoomType
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_VILLAGE

from . import factories as f
from .plan_helpers import make_ready, upload

pytestmark = pytest.mark.django_db


def _page(client, plan) -> str:
    response = client.get(f"/campaign/plans/{plan.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _act(client, plan, action, **data):
    response = client.post(f"/campaign/plans/{plan.pk}/signoff/", {"action": action} | data)
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"/campaign/plans/{plan.pk}/#signoff"
    return client.get(response["Location"]).content.decode()


def _status(plan):
    row = SignOff.objects.filter(plan=plan).first()
    return row.status if row else SignOffStatus.DRAFT


def _criteria(html) -> dict[str, bool]:
    return {
        code: passed == "1"
        for code, passed in re.findall(r'data-criterion="(\w+)" data-passed="([01])"', html)
    }


def _buttons(html) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', html))


@pytest.fixture
def plan(region):
    """A plan in 大营门街道 whose site is big enough, in use, with a room — but whose milestones
    are not done and which has no evidence photos yet."""
    plan = f.plan(region(HEXI_VILLAGE))
    Center.objects.filter(pk=plan.center_id).update(
        floor_area=Decimal("500"), households=100, status=CenterStatus.IN_USE
    )
    Room.objects.create(
        center=plan.center,
        region_path=plan.center.region_path,
        room_type=RoomType.objects.get(code="party_room"),
        name="党员活动室",
        area=60,
    )
    return Plan.objects.get(pk=plan.pk)


def test_street_submits_district_verifies_through_the_pages(plan, street_staff, hexi, login):
    street, district = login(street_staff), login(hexi)
    criteria = _criteria(_page(street, plan))
    assert criteria == {
        "area": True,
        "renovation": False,
        "signage": False,
        "rooms": True,
        "evidence": False,
    }

    # Every milestone reported done, from the phone form.
    today = timezone.localdate().isoformat()
    for m in plan.milestones.all():
        r = street.post(
            f"/campaign/milestones/{m.pk}/progress/", {"progress": "100", "reported_on": today}
        )
        assert r.status_code == 302
    # Evidence photos, one of the signage.
    for kind in ("signage", "hall", "rooms"):
        r = street.post(
            f"/campaign/plans/{plan.pk}/signoff/photos/", {"kind": kind, "image": upload()}
        )
        assert r.status_code == 302
    html = _page(street, plan)
    assert all(_criteria(html).values()), _criteria(html)
    assert _buttons(html) == {"submit"}  # the street may submit, never verify
    assert html.count('data-photo-kind="') == 3

    html = _act(street, plan, "submit")
    assert "已提交销号" in html
    assert _status(plan) == SignOffStatus.SUBMITTED
    assert _buttons(html) == set()  # nothing for the street while the district looks
    assert 'name="image"' not in html  # photos are frozen while submitted

    # The street cannot verify its own submission (nor any: it is not a reviewer).
    html = _act(street, plan, "verify")
    assert "只有区级或市级管理员可以核验销号" in html
    assert _status(plan) == SignOffStatus.SUBMITTED

    assert _buttons(_page(district, plan)) == {"verify", "return"}
    audits = AuditLog.objects.count()
    html = _act(district, plan, "verify")
    assert "已核验销号" in html
    plan.refresh_from_db()
    signoff = SignOff.objects.get(plan=plan)
    assert signoff.status == SignOffStatus.SIGNED_OFF
    assert signoff.submitted_by == street_staff and signoff.verified_by == hexi
    assert plan.signed_off_on == timezone.localdate() and plan.health == "done"
    assert LevelRecord.objects.filter(
        center=plan.center, level=Level.RENOVATION, compliant=True
    ).exists()
    assert AuditLog.objects.filter(action="signoff_verify").count() == 1
    assert AuditLog.objects.count() > audits
    assert _buttons(html) == {"reopen"}
    assert "已于" in html and "销号。" in html
    # Signed off: the schedule and the plan are no longer editable from the page.
    assert 'name="duration_days"' not in html and f"/campaign/plans/{plan.pk}/edit/" not in html


def test_a_failing_criterion_refuses_the_submission_and_changes_nothing(plan, street_staff, login):
    client = login(street_staff)
    html = _page(client, plan)
    assert 'data-action="submit"' in html and "disabled" in re.search(
        r'<button[^>]*data-action="submit"[^>]*>', html
    ).group(0)
    audits = AuditLog.objects.count()
    html = _act(client, plan, "submit")
    assert "未能提交销号，未作任何更改" in html
    assert "改造验收通过" in html and "未完成" in html  # the failing criterion, named
    assert _status(plan) == SignOffStatus.DRAFT
    assert AuditLog.objects.count() == audits
    plan.refresh_from_db()
    assert plan.signed_off_on is None


def test_verify_refused_when_a_criterion_fails_at_that_moment(plan, street_staff, hexi, login):
    make_ready(plan)
    _act(login(street_staff), plan, "submit")
    assert _status(plan) == SignOffStatus.SUBMITTED
    # Meanwhile the center is closed for renovation again: the rooms are not in use.
    Center.objects.filter(pk=plan.center_id).update(status=CenterStatus.RENOVATING)
    html = _act(login(hexi), plan, "verify")
    assert "未能核验销号" in html and "功能室投入使用" in html
    assert _status(plan) == SignOffStatus.SUBMITTED
    plan.refresh_from_db()
    assert plan.signed_off_on is None
    assert not LevelRecord.objects.filter(center=plan.center, level=Level.RENOVATION).exists()


def test_the_submitter_cannot_verify(plan, hexi, city, login):
    make_ready(plan)
    client = login(hexi)
    _act(client, plan, "submit")
    html = _page(client, plan)
    assert "verify" not in _buttons(html)
    assert "您不能核验自己提交的销号" in html
    html = _act(client, plan, "verify")
    assert "提交人不能核验自己提交的销号" in html
    assert _status(plan) == SignOffStatus.SUBMITTED
    # Another reviewer can.
    _act(login(city), plan, "verify")
    assert _status(plan) == SignOffStatus.SIGNED_OFF


def test_return_and_reopen_need_a_reason_and_a_reviewer(plan, street_staff, hexi, city, login):
    make_ready(plan)
    street, district = login(street_staff), login(hexi)
    _act(street, plan, "submit")
    html = _act(district, plan, "return", reason="  ")
    assert "请填写退回原因" in html and _status(plan) == SignOffStatus.SUBMITTED
    html = _act(district, plan, "return", reason="标识照片不清晰")
    assert _status(plan) == SignOffStatus.RETURNED and "标识照片不清晰" in html
    assert _buttons(_page(street, plan)) == {"submit"}

    _act(street, plan, "submit")
    _act(district, plan, "verify")
    assert _status(plan) == SignOffStatus.SIGNED_OFF
    html = _act(street, plan, "reopen", reason="想改")
    assert "只有区级或市级管理员可以重新打开" in html
    assert _status(plan) == SignOffStatus.SIGNED_OFF
    html = _act(district, plan, "reopen", reason="")
    assert "请填写重新打开的原因" in html and _status(plan) == SignOffStatus.SIGNED_OFF
    _act(district, plan, "reopen", reason="复查发现功能室挪作他用")
    plan.refresh_from_db()
    assert _status(plan) == SignOffStatus.REOPENED and plan.signed_off_on is None


def test_unknown_or_out_of_order_actions(plan, hexi, login):
    client = login(hexi)
    html = _act(client, plan, "approve")
    assert "未知的销号操作" in html
    html = _act(client, plan, "verify")  # nothing submitted yet
    assert "不能“核验销号”" in html
    assert _status(plan) == SignOffStatus.DRAFT


def test_bad_evidence_photo_is_refused_beside_the_field(plan, street_staff, login):
    client = login(street_staff)
    response = client.post(
        f"/campaign/plans/{plan.pk}/signoff/photos/",
        {"kind": "signage", "image": upload("x.png", b"GIF89a not allowed")},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "不是 JPEG、PNG 或 WebP 图片" in re.search(r'data-error="image">([^<]*)<', html).group(1)
    response = client.post(
        f"/campaign/plans/{plan.pk}/signoff/photos/", {"kind": "selfie", "image": upload()}
    )
    assert response.status_code == 422
    assert not SignOffPhoto.objects.exists()


def test_sign_off_photos_are_served_within_scope_only(plan, street_staff, nankai, login):
    login(street_staff).post(
        f"/campaign/plans/{plan.pk}/signoff/photos/", {"kind": "signage", "image": upload()}
    )
    photo = SignOffPhoto.objects.get()
    assert login(street_staff).get(f"/campaign/photos/signoff/{photo.pk}/").status_code == 200
    assert login(nankai).get(f"/campaign/photos/signoff/{photo.pk}/").status_code == 404


def test_read_only_users_see_the_panel_without_buttons(plan, inspector, login):
    make_ready(plan)
    client = login(inspector)
    html = _page(client, plan)
    assert 'id="signoff"' in html and all(_criteria(html).values())
    assert _buttons(html) == set() and 'name="image"' not in html
    response = client.post(f"/campaign/plans/{plan.pk}/signoff/", {"action": "submit"})
    assert response.status_code == 403
    response = client.post(
        f"/campaign/plans/{plan.pk}/signoff/photos/", {"kind": "signage", "image": upload()}
    )
    assert response.status_code == 403
    assert _status(plan) == SignOffStatus.DRAFT
