"""The staff services API: the catalogue for every staff member, applications in scope with ID
numbers masked, status changes by the one table (422 refused, 409 stale), and statistics that
equal what the rows say."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from lianxin.core.tests.factories import HEXI_VILLAGE, HEXI_VILLAGE_2, NANKAI_VILLAGE, region
from lianxin.services.models import Application
from lianxin.services.tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/services"
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def item():
    return f.item(
        name="老年证办理",
        materials=(),
        fields=({"code": "age", "label": "年龄", "datatype": "number", "required": True},),
    )


@pytest.fixture
def apps(item):
    """Two applications in 河西 (two centers), one in 南开."""
    hexi1 = f.center_of(region(HEXI_VILLAGE))
    hexi2 = f.center_of(region(HEXI_VILLAGE_2))
    nankai = f.center_of(region(NANKAI_VILLAGE))
    data = {"form_data": {"age": "70"}}
    return {
        "hexi1": f.application(hexi1, item_obj=item, **data),
        "hexi2": f.application(hexi2, item_obj=item, **data),
        "nankai": f.application(nankai, item_obj=item, **data),
    }


def test_every_staff_member_reads_the_catalogue(login, norole, item):
    response = login(norole).get(f"{API}/items?q=老年证")
    assert response.status_code == 200
    [row] = response.json()["items"]
    assert row["code"] == item.code and row["time_limit_days"] == 5
    detail = login(norole).get(f"{API}/items/{item.pk}").json()
    assert [x["code"] for x in detail["fields"]] == ["age"]
    assert detail["time_limits"][0]["working_days"] == 5


def test_residents_and_strangers_are_refused(login, resident, item):
    for client in (login(), login(resident)):
        assert client.get(f"{API}/items").status_code == 401
        assert client.get(f"{API}/applications").status_code == 401


def test_applications_in_scope_with_ids_masked(login, hexi, city, apps):
    body = login(hexi).get(f"{API}/applications").json()
    numbers = {a["number"] for a in body["items"]}
    assert numbers == {apps["hexi1"].number, apps["hexi2"].number}
    assert body["count"] == 2
    row = body["items"][0]
    assert row["id_number"] == f.ID_NUMBER[:6] + "********" + f.ID_NUMBER[-4:]
    assert row["phone"] == f.PHONE[:3] + "****" + f.PHONE[-4:]
    assert f.ID_NUMBER not in login(hexi).get(f"{API}/applications").content.decode()
    assert login(city).get(f"{API}/applications").json()["count"] == 3


def test_application_filters_and_paging(login, hexi, apps):
    client = login(hexi)
    center = apps["hexi2"].center_id
    assert [
        a["number"] for a in client.get(f"{API}/applications?center={center}").json()["items"]
    ] == [apps["hexi2"].number]
    assert client.get(f"{API}/applications?status=accepted").json()["count"] == 0
    assert client.get(f"{API}/applications?status=submitted,accepted").json()["count"] == 2
    assert client.get(f"{API}/applications?open=false").json()["count"] == 0
    assert client.get(f"{API}/applications?region={HEXI_VILLAGE}").json()["count"] == 1
    assert client.get(f"{API}/applications?q={apps['hexi1'].number}").json()["count"] == 1
    page = client.get(f"{API}/applications?page_size=1&page=2").json()
    assert page["count"] == 2 and len(page["items"]) == 1 and page["page"] == 2
    assert client.get(f"{API}/applications?sort=sideways").status_code == 422


def test_detail_of_another_district_is_a_404(login, hexi, apps):
    assert login(hexi).get(f"{API}/applications/{apps['nankai'].pk}").status_code == 404
    detail = login(hexi).get(f"{API}/applications/{apps['hexi1'].pk}").json()
    assert detail["status"] == "submitted" and detail["form_data"] == {"age": 70}
    assert [s["to_status"] for s in detail["steps"]] == ["submitted"]
    assert {"accepted", "returned", "rejected"} <= set(detail["allowed"])


def _transition(client, app, to, version, **kw):
    return client.post(
        f"{API}/applications/{app.pk}/transition",
        {"to_status": to, "version": version, **kw},
        content_type="application/json",
    )


def test_transition_goes_through_and_a_stale_version_is_409(login, center_staff, apps):
    app = apps["hexi1"]
    client = login(center_staff)
    response = _transition(client, app, "accepted", app.version)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["version"] == app.version + 1
    stale = _transition(client, app, "in_progress", app.version)
    assert stale.status_code == 409
    app.refresh_from_db()
    assert app.status == "accepted"


def test_transition_not_in_the_table_is_422_with_a_message(login, center_staff, apps):
    app = apps["hexi1"]
    response = _transition(login(center_staff), app, "concluded", app.version, result="办好了")
    assert response.status_code == 422
    message = response.json()["errors"]["status"][0]
    assert "已提交" in message and "已办结" in message
    missing_note = _transition(login(center_staff), app, "returned", app.version)
    assert missing_note.status_code == 422 and "note" in missing_note.json()["errors"]
    app.refresh_from_db()
    assert app.status == "submitted"


def test_transition_refused_out_of_scope_and_read_only(login, hexi, inspector, apps):
    theirs = apps["nankai"]
    assert _transition(login(hexi), theirs, "accepted", theirs.version).status_code == 404
    mine = apps["hexi1"]
    assert _transition(login(inspector), mine, "accepted", mine.version).status_code == 403
    assert _transition(login(hexi), mine, "nonsense", mine.version).status_code == 422
    assert set(Application.objects.values_list("status", flat=True)) == {"submitted"}


def _at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def _conclude(app, when):
    """Accepted, passed up and concluded at `when` (the statuses through the service)."""
    from unittest import mock

    from lianxin.services import services

    with mock.patch("django.utils.timezone.now", return_value=when):
        for to, kw in (
            ("accepted", {}),
            ("transferred", {"note": "转"}),
            ("concluded", {"result": "好"}),
        ):
            app = services.transition(f.root(), app, to, **kw)
    return app


def test_statistics_equal_the_rows(login, hexi, item):
    """Three cases in one 河西 center concluded in March 2026: two by their deadline, one late;
    two rated (5 and 2; the 2 reopens its case). One in another 河西 center still open. One in
    南开 (out of scope)."""
    from unittest import mock

    from lianxin.accounts import services as accounts
    from lianxin.services import services

    c1 = f.center_of(region(HEXI_VILLAGE))
    c2 = f.center_of(region(HEXI_VILLAGE_2))
    nk = f.center_of(region(NANKAI_VILLAGE))
    submitted = date(2026, 3, 2)
    data = {"form_data": {"age": "70"}, "now": submitted}
    people = [
        accounts.create_resident(None, phone=f"1370000{n:04d}", password="Lianxin-test-2025!")
        for n in range(3)
    ]
    cases = [f.application(c1, item_obj=item, actor=p, channel="online", **data) for p in people]
    f.application(c2, item_obj=item, **data)
    _conclude(f.application(nk, item_obj=item, **data), _at(date(2026, 3, 3)))
    _conclude(cases[0], _at(date(2026, 3, 3)))
    _conclude(cases[1], _at(date(2026, 3, 4)))
    late = _at(date(2026, 3, 27))  # 5 working days after 2 March is 9 March
    _conclude(cases[2], late)
    with mock.patch("django.utils.timezone.now", return_value=_at(date(2026, 3, 28))):
        services.rate(people[0], Application.objects.get(pk=cases[0].pk), score=5, answer_ids=[])
        services.rate(people[1], Application.objects.get(pk=cases[1].pk), score=2, answer_ids=[])

    client = login(hexi)
    q = "date_from=2026-03-01&date_to=2026-03-31"
    perf = client.get(f"{API}/stats/performance?level=center&{q}").json()
    assert {r["code"] for r in perf} == {c1.region.code}  # c2 concluded nothing; 南开 unseen
    [row] = perf
    # Three concluded; the 2-point rating reopened one, whose first conclusion (on time) stays
    # the statistic.
    assert (row["concluded"], row["on_time"], row["on_time_rate"]) == (3, 2, 0.6667)
    assert (row["ratings"], row["satisfaction"], row["satisfied_rate"]) == (2, 3.5, 0.5)
    [district] = client.get(f"{API}/stats/performance?level=district&{q}").json()
    assert district["code"] == "120103000000" and district["concluded"] == 3
    [street] = client.get(f"{API}/stats/performance?level=street&{q}").json()
    assert street["code"] == c1.street_code and street["name"]
    # Outside the period: nothing.
    assert client.get(f"{API}/stats/performance?date_from=2026-04-01").json() == []

    by_center = {r["code"]: r for r in client.get(f"{API}/stats/by-center?{q}").json()}
    assert by_center[c1.region.code]["total"] == 3 and by_center[c2.region.code]["total"] == 1
    assert by_center[c2.region.code]["open"] == 1
    assert nk.region.code not in by_center
    [by_item] = client.get(f"{API}/stats/by-item?{q}").json()
    assert (by_item["code"], by_item["total"], by_item["concluded"]) == (item.code, 4, 2)
    statuses = {r["status"]: r["total"] for r in client.get(f"{API}/stats/by-status?{q}").json()}
    # The 2-point rating reopened its case.
    assert statuses["rated"] == 1 and statuses["reopened"] == 1 and statuses["concluded"] == 1
    assert statuses["submitted"] == 1
    summary = client.get(f"{API}/stats/summary?{q}").json()
    assert summary["total"] == 4 and summary["concluded"] == 3 and summary["satisfaction"] == 3.5
    assert summary["open"] == 2  # the one never touched and the reopened one
    bad = client.get(f"{API}/stats/summary?date_from=2026-04-01&date_to=2026-03-01")
    assert bad.status_code == 422 and "date_from" in bad.json()["errors"]


def test_devolutions_in_scope(login, hexi, nankai, item):
    hexi_d = f.devolution(region("120103"), item)
    f.devolution(region("120104"), item, level="street", mode="received_here")
    rows = login(hexi).get(f"{API}/devolutions").json()["items"]
    assert [(r["district"]["code"], r["level"], r["in_force"]) for r in rows] == [
        ("120103000000", "community", True)
    ]
    assert rows[0]["id"] == hexi_d.pk
    assert login(nankai).get(f"{API}/devolutions").json()["items"][0]["level"] == "street"


def test_reveal_id_number_is_logged_and_refused_to_read_only_roles(login, hexi, inspector, apps):
    from lianxin.core.models import AuditLog

    app = apps["hexi1"]
    before = AuditLog.objects.count()
    response = login(hexi).post(f"{API}/applications/{app.pk}/reveal-id")
    assert response.status_code == 200 and response.json() == {"id_number": f.ID_NUMBER}
    assert AuditLog.objects.count() == before + 1
    assert login(inspector).post(f"{API}/applications/{app.pk}/reveal-id").status_code == 403
    theirs = apps["nankai"]
    assert login(hexi).post(f"{API}/applications/{theirs.pk}/reveal-id").status_code == 404
    assert AuditLog.objects.count() == before + 1
