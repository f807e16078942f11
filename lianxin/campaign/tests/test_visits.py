"""实地督导 · 暗访: a visit's findings become rectification items with an owner and a deadline;
an item is closed with evidence; bad input is refused whole; pages, filters and statistics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianxin.campaign import services
from lianxin.campaign.models import (
    Rectification,
    RectificationPhoto,
    RectificationStatus,
    Visit,
    VisitKind,
)
from lianxin.core.models import AuditLog, Notification
from lianxin.core.tests.factories import (
    HEXI,
    HEXI_STREET,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI_VILLAGE,
)

from . import factories as f

pytestmark = pytest.mark.django_db

DAY = date(2024, 5, 6)


def _visit(actor, region, findings=(), **fields):
    args = {"kind": VisitKind.UNANNOUNCED, "visited_on": DAY, "team": "区委组织部暗访组"} | fields
    return services.record_visit(actor, region, findings=list(findings), **args)


def _finding(text="标识不统一", due=date(2024, 6, 1), **extra):
    return {"finding": text, "owner_name": "李主任", "due_on": due} | extra


def _nothing_written(before_audit):
    assert not Visit.objects.exists() and not Rectification.objects.exists()
    assert AuditLog.objects.count() == before_audit


# -- findings become rectification items ---------------------------------------------------------


def test_findings_become_rectifications_with_owner_and_deadline(
    hexi, center_staff, region, make_center
):
    center = make_center(region(HEXI_VILLAGE))
    leader = f.leader(region(HEXI), user=hexi)
    audits = AuditLog.objects.count()
    visit = _visit(
        hexi,
        region(HEXI_VILLAGE),
        [
            _finding("标识不统一"),
            {"finding": "制度未上墙", "owner": center_staff, "due_on": date(2024, 5, 20)},
        ],
        leader=leader,
    )
    assert visit.center == center and visit.organizer.code == HEXI  # the leader's unit
    items = list(visit.rectifications.order_by("id"))
    assert [(r.finding, r.owner_name, r.due_on) for r in items] == [
        ("标识不统一", "李主任", date(2024, 6, 1)),
        ("制度未上墙", "center_jjl", date(2024, 5, 20)),
    ]
    assert items[1].owner == center_staff
    assert all(
        r.status == RectificationStatus.OPEN and r.region_path == visit.region_path for r in items
    )
    # One audit row for the visit and one for each item; the owner with an account is told.
    assert AuditLog.objects.count() == audits + 3
    note = Notification.objects.get(recipient=center_staff)
    assert "制度未上墙" in note.title and note.url == f"/campaign/visits/{visit.pk}/"


def test_a_visit_without_findings_is_fine_and_a_street_may_be_visited(hexi, region):
    visit = _visit(hexi, region(HEXI_STREET), kind=VisitKind.ANNOUNCED)
    assert visit.center is None and not visit.rectifications.exists()


@pytest.mark.parametrize(
    "finding,key,words",
    [
        (_finding(due=DAY - timedelta(days=1)), "findings.0.due_on", "期限不能早于督导日期"),
        (_finding(text="  "), "findings.0.finding", "请填写发现问题"),
        (_finding(owner_name=""), "findings.0.owner", "请填写责任人"),
        (_finding(due=None), "findings.0.due_on", "请填写期限"),
    ],
    ids=["deadline before the visit", "empty finding", "no owner", "no deadline"],
)
def test_a_bad_finding_refuses_the_whole_visit(hexi, region, finding, key, words):
    audits = AuditLog.objects.count()
    with pytest.raises(ValidationError) as exc:
        _visit(hexi, region(HEXI_VILLAGE), [_finding(), finding])
    errors = exc.value.message_dict
    key = key.replace("findings.0", "findings.1")
    assert words in errors[key][0], errors
    _nothing_written(audits)


def test_an_owner_account_must_see_the_site(hexi, nankai, region):
    with pytest.raises(ValidationError) as exc:
        _visit(hexi, region(HEXI_VILLAGE), [{"finding": "x", "owner": nankai, "due_on": DAY}])
    assert "看不到该单位" in exc.value.message_dict["findings.0.owner"][0]


def test_bad_visits_are_refused(hexi, inspector, region):
    audits = AuditLog.objects.count()
    cases = [
        ({"visited_on": timezone.localdate() + timedelta(days=1)}, "visited_on"),
        ({"kind": "party"}, "kind"),
        ({"team": "", "leader": None}, "team"),
    ]
    for fields, key in cases:
        with pytest.raises(ValidationError) as exc:
            _visit(hexi, region(HEXI_VILLAGE), **fields)
        assert key in exc.value.message_dict, fields
    with pytest.raises(ValidationError) as exc:
        _visit(hexi, region(HEXI))  # a district is not visited, its sites are
    assert "region" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        _visit(hexi, region(NANKAI_VILLAGE))
    with pytest.raises(PermissionDenied):
        _visit(inspector, region(HEXI_VILLAGE))
    _nothing_written(audits)


# -- closing with evidence -----------------------------------------------------------------------


@pytest.fixture
def item(hexi, region):
    return _visit(hexi, region(HEXI_VILLAGE), [_finding()]).rectifications.get()


def test_closing_needs_evidence(hexi, item):
    with pytest.raises(ValidationError) as exc:
        services.close_rectification(hexi, item, date(2024, 5, 20), "")
    assert exc.value.message_dict["closed_note"] == ["请说明整改情况或上传整改佐证照片。"]
    item.refresh_from_db()
    assert item.status == RectificationStatus.OPEN
    services.close_rectification(hexi, item, date(2024, 5, 20), "已统一更换标识牌")
    item.refresh_from_db()
    assert (item.status, item.closed_on, item.closed_note, item.closed_by) == (
        RectificationStatus.CLOSED,
        date(2024, 5, 20),
        "已统一更换标识牌",
        hexi,
    )
    assert AuditLog.objects.filter(action="close_rectification", target_id=str(item.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        services.close_rectification(hexi, item, date(2024, 5, 21), "again")
    assert "已关闭" in exc.value.message_dict["status"][0]


def test_a_photo_is_evidence_enough(hexi, item):
    services.close_rectification(hexi, item, date(2024, 5, 20), photos=[f.png("after.png")])
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED and item.photos.count() == 1


def test_a_photo_added_before_counts_as_evidence(hexi, item):
    services.add_rectification_photo(hexi, item, f.png())
    services.close_rectification(hexi, item, date(2024, 5, 20))
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED


def test_a_bad_photo_or_date_closes_nothing(hexi, item):
    fake = SimpleUploadedFile("after.png", b"%PDF-1.4 not an image")
    with pytest.raises(ValidationError) as exc:
        services.close_rectification(hexi, item, date(2024, 5, 20), "done", photos=[fake])
    assert "不是 JPEG、PNG 或 WebP" in exc.value.message_dict["photos"][0]
    with pytest.raises(ValidationError) as exc:
        services.close_rectification(hexi, item, DAY - timedelta(days=1), "done")
    assert "不能早于督导日期" in exc.value.message_dict["closed_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.close_rectification(hexi, item, timezone.localdate() + timedelta(days=1), "x")
    assert "closed_on" in exc.value.message_dict
    item.refresh_from_db()
    assert item.status == RectificationStatus.OPEN and not RectificationPhoto.objects.exists()


def test_only_writers_in_scope_close(inspector, nankai, item):
    for who in (inspector, nankai):
        with pytest.raises(PermissionDenied):
            services.close_rectification(who, item, date(2024, 5, 20), "done")
        with pytest.raises(PermissionDenied):
            services.add_rectification_photo(who, item, f.png())
    item.refresh_from_db()
    assert item.status == RectificationStatus.OPEN


def test_overdue_items_are_escalated_once(hexi, center_staff, region):
    visit = _visit(
        hexi,
        region(HEXI_VILLAGE),
        [{"finding": "公开栏未更新", "owner": center_staff, "due_on": date(2024, 6, 1)}],
    )
    Notification.objects.all().delete()
    assert services.escalate_rectifications(date(2024, 6, 1)) == 0
    assert services.escalate_rectifications(date(2024, 6, 2)) == 1
    assert services.escalate_rectifications(date(2024, 6, 3)) == 0
    notes = Notification.objects.filter(recipient__in=[center_staff, hexi])
    assert {n.recipient for n in notes} == {center_staff, hexi}
    assert all("整改逾期" in n.title for n in notes)
    assert visit.rectifications.get().escalation == 1


# -- pages ---------------------------------------------------------------------------------------


def _row(prefix, i, text, owner, due):
    return {f"{prefix}-{i}-text": text, f"{prefix}-{i}-owner": owner, f"{prefix}-{i}-due_on": due}


def _visit_post(rows, **fields):
    data = {
        "kind": "unannounced",
        "visited_on": DAY.isoformat(),
        "team": "市委组织部暗访组",
        "summary": "现场查看",
        "f-TOTAL_FORMS": str(len(rows)),
        "f-INITIAL_FORMS": "0",
        "f-MIN_NUM_FORMS": "0",
        "f-MAX_NUM_FORMS": "50",
    }
    for i, row in enumerate(rows):
        data |= _row("f", i, *row)
    return data | fields


def test_visit_form_on_a_phone_with_finding_rows(hexi, center_staff, region, make_center, login):
    center = make_center(region(HEXI_VILLAGE))
    client = login(hexi)
    page = client.get(f"/campaign/visits/new/?site={HEXI_VILLAGE}")
    body = page.content.decode()
    assert page.status_code == 200 and center.name in body
    assert 'id="f-template"' in body and "f-TOTAL_FORMS" in body
    response = client.post(
        f"/campaign/visits/new/?site={HEXI_VILLAGE}",
        _visit_post(
            [
                ("标识不统一", "李主任", "2024-06-01"),
                ("制度未上墙", "center_jjl", "2024-06-10"),
                ("", "", ""),  # a blank row is skipped
            ]
        ),
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaign/visits/{visit.pk}/"
    items = list(visit.rectifications.order_by("id"))
    assert [(r.finding, r.owner_id, r.owner_name) for r in items] == [
        ("标识不统一", None, "李主任"),
        ("制度未上墙", center_staff.pk, "center_jjl"),
    ]
    detail = client.get(response["Location"]).content.decode()
    assert "标识不统一" in detail and "整改销项" in detail


def test_visit_form_names_the_wrong_row_and_saves_nothing(hexi, region, make_center, login):
    make_center(region(HEXI_VILLAGE))
    client = login(hexi)
    response = client.post(
        f"/campaign/visits/new/?site={HEXI_VILLAGE}",
        _visit_post(
            [("标识不统一", "李主任", "2024-06-01"), ("制度未上墙", "李主任", "2024-05-01")]
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200 and "期限不能早于督导日期 2024-05-06" in body
    assert "未保存" in body and not Visit.objects.exists()
    response = client.post(
        f"/campaign/visits/new/?site={HEXI_VILLAGE}",
        _visit_post([("", "李主任", "2024-06-01")], team=""),
    )
    body = response.content.decode()
    assert "请填写发现问题" in body and "请选择带队领导或填写督导组" in body
    assert not Visit.objects.exists()


def test_site_picker_and_scope(hexi, inspector, region, make_center, login):
    center = make_center(region(HEXI_VILLAGE))
    make_center(region(NANKAI_VILLAGE), name="南开某中心")
    client = login(hexi)
    body = client.get("/campaign/visits/new/?q=九江路").content.decode()
    assert center.name in body and f"?site={HEXI_VILLAGE}" in body
    assert "大营门街道" in body  # streets may be visited too
    assert "南开某中心" not in client.get("/campaign/visits/new/?q=光明路").content.decode()
    assert client.get(f"/campaign/visits/new/?site={NANKAI_VILLAGE}").status_code == 404
    assert login(inspector).get(f"/campaign/visits/new/?site={HEXI_VILLAGE}").status_code == 403


def test_closing_on_the_page_with_a_photo_and_serving_it_in_scope(hexi, nankai, item, login):
    client = login(hexi)
    url = f"/campaign/rectifications/{item.pk}/close/"
    page = client.get(url)
    assert page.status_code == 200 and 'type="file"' in page.content.decode()
    bad = client.post(url, {"closed_on": "2024-05-20", "closed_note": ""})
    assert "请说明整改情况或上传整改佐证照片" in bad.content.decode()
    fake = client.post(
        url,
        {"closed_on": "2024-05-20", "photos": SimpleUploadedFile("x.png", b"GIF89a...")},
    )
    assert "不是 JPEG、PNG 或 WebP" in fake.content.decode()
    item.refresh_from_db()
    assert item.status == RectificationStatus.OPEN
    done = client.post(url, {"closed_on": "2024-05-20", "photos": [f.png("a.png"), f.png("b.png")]})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED and item.photos.count() == 2
    photo = item.photos.first()
    served = client.get(f"/campaign/rectifications/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert login(nankai).get(f"/campaign/rectifications/photos/{photo.pk}/").status_code == 404
    assert "该整改事项已销项" in client.get(url).content.decode()


def test_visit_list_filters(hexi, region, login):
    leader = f.leader(region(HEXI), name="筛选领导")
    a = f.visit(
        region(HEXI_VILLAGE), kind="unannounced", leader=leader, visited_on=date(2024, 5, 1)
    )
    b = f.visit(
        region(HEXI_VILLAGE_2), kind="announced", team="第3调研组", visited_on=date(2024, 6, 1)
    )
    c = f.visit(
        region(HEXI_VILLAGE_2), kind="survey", team="滨海新区第1调研组", visited_on=date(2024, 7, 1)
    )
    theirs = f.visit(region(NANKAI_VILLAGE), kind="unannounced")
    client = login(hexi)

    def shown(query):
        body = client.get(f"/campaign/visits/?{query}").content.decode()
        return {v.pk for v in (a, b, c, theirs) if f'data-visit="{v.pk}"' in body}

    assert shown("") == {a.pk, b.pk, c.pk}
    assert shown("kind=unannounced") == {a.pk}
    assert shown(f"leader={leader.pk}") == {a.pk}
    assert shown("team=调研组") == {b.pk, c.pk}
    assert shown("from=2024-05-15&to=2024-06-15") == {b.pk}
    assert shown(f"district={HEXI}") == {a.pk, b.pk, c.pk}
    body = client.get("/campaign/visits/?kind=unannounced").content.decode()
    assert 'data-figure="visits">1<' in body


def test_rectification_list_filters(hexi, region, login):
    today = timezone.localdate()
    v = f.visit(region(HEXI_VILLAGE))
    late = v.rectifications.create(
        region_path=v.region_path, finding="逾期项", due_on=date(2020, 1, 1)
    )
    due = v.rectifications.create(
        region_path=v.region_path, finding="未到期项", due_on=today + timedelta(days=30)
    )
    done = v.rectifications.create(
        region_path=v.region_path, finding="已整改项", due_on=date(2020, 1, 1), status="closed"
    )
    t = f.visit(region(NANKAI_VILLAGE))
    t.rectifications.create(region_path=t.region_path, finding="南开项", due_on=date(2020, 1, 1))
    client = login(hexi)

    def shown(query):
        body = client.get(f"/campaign/rectifications/?{query}").content.decode()
        assert "南开项" not in body
        return {r.pk for r in (late, due, done) if f'data-rectification="{r.pk}"' in body}

    assert shown("") == {late.pk, due.pk}  # open by default
    assert shown("status=") == {late.pk, due.pk, done.pk}
    assert shown("status=open&overdue=1") == {late.pk}
    assert shown("status=closed") == {done.pk}
    assert (
        "整改中 2 项（其中逾期 1 项），已整改 1 项"
        in client.get("/campaign/rectifications/").content.decode()
    )


def test_statistics_page(hexi, region, login):
    leader = f.leader(region(HEXI), name="统计领导")
    f.visit(region(HEXI_VILLAGE), leader=leader, kind="unannounced")
    f.visit(region(HEXI_VILLAGE_2), leader=leader, kind="announced")
    body = login(hexi).get("/campaign/visits/stats/").content.decode()
    row = body.split(f'data-district="{HEXI}"')[1].split("</tr>")[0]
    assert 'data-figure="visits">2<' in row and 'data-figure="unannounced">1<' in row
    assert 'data-figure="leaders">1<' in row
    leader_row = body.split(f'data-leader="{leader.pk}"')[1].split("</tr>")[0]
    assert 'data-figure="visits">2<' in leader_row
