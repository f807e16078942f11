"""The workbench queue and the statistics: counts, on-time rate (concluded on or before the
deadline / concluded) and satisfaction, in scope."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, HEXI_VILLAGE_2, NANKAI_VILLAGE
from lianxin.core.tests.factories import region as get
from lianxin.services import queries, queries_stats, services
from lianxin.services.models import Application, Status
from lianxin.services.tests import factories as f


def conclude(app, staff, *, late=False):
    for to in (Status.ACCEPTED, Status.IN_PROGRESS):
        services.transition(staff, app, to)
    if late:  # as if the deadline had passed before the conclusion
        Application.objects.filter(pk=app.pk).update(
            deadline=timezone.localdate() - timedelta(days=1)
        )
        app.refresh_from_db()
    return services.transition(staff, app, Status.CONCLUDED, result="办结")


@pytest.fixture
def data(db, root, resident):
    """九江路: 3 concluded (2 on time, 1 late), 1 open; 荣华里: 1 open; 南开 光明路: 1 concluded."""
    item = f.item(materials=())
    f.devolution(get(HEXI), item)
    f.devolution(get(NANKAI_VILLAGE[:6]), item)
    jjl, rhl = f.center_of(get(HEXI_VILLAGE)), f.center_of(get(HEXI_VILLAGE_2))
    nk = f.center_of(get(NANKAI_VILLAGE))
    done = [conclude(f.application(jjl, item_obj=item), root) for _ in range(2)]
    rated = conclude(
        f.application(jjl, item_obj=item, actor=resident, channel="online"), root, late=True
    )
    services.rate(resident, rated, score=4, answer_ids=[])
    open_ = [
        f.application(jjl, item_obj=item, applicant_name="李四"),
        f.application(rhl, item_obj=item),
    ]
    other = conclude(f.application(nk, item_obj=item), root)
    return {
        "item": item,
        "jjl": jjl,
        "rhl": rhl,
        "nk": nk,
        "done": done,
        "rated": rated,
        "open": open_,
        "other": other,
    }


def test_on_time_rate_per_center(data, hexi):
    rows = {r["key"]: r for r in queries_stats.performance(hexi, "center")}
    assert set(rows) == {data["jjl"].pk}  # 荣华里 concluded nothing; 南开 is out of scope
    jjl = rows[data["jjl"].pk]
    assert (jjl["concluded"], jjl["on_time"], jjl["on_time_rate"]) == (3, 2, round(2 / 3, 4))
    assert (jjl["ratings"], jjl["satisfaction"], jjl["satisfied_rate"]) == (1, 4.0, 1.0)
    units = {
        r["key"]: r
        for r in queries_stats.unit_rows("center", queries_stats.by_unit(hexi, "center"))
    }
    assert (units[data["jjl"].pk]["total"], units[data["jjl"].pk]["open"]) == (4, 1)
    rhl = units[data["rhl"].pk]
    assert rhl["total"] == 1 and rhl["on_time_rate"] is None and rhl["satisfaction"] is None


def test_per_street_and_district(data, city):
    streets = {
        r["key"]: r
        for r in queries_stats.unit_rows("street", queries_stats.by_unit(city, "street"))
    }
    assert streets["120103001000"]["total"] == 5
    assert streets["120103001000"]["name"].endswith("街道")
    districts = {r["key"]: r for r in queries_stats.performance(city, "district")}
    assert districts["120103000000"]["on_time_rate"] == round(2 / 3, 4)
    assert districts["120104000000"]["on_time_rate"] == 1.0
    assert districts["120104000000"]["name"] == "南开区"


def test_units_sort_in_sql(data, city):
    rows = queries_stats.by_unit(city, "district", sort="-total")
    assert [r["district_code"] for r in rows] == ["120103000000", "120104000000"]
    rows = queries_stats.by_unit(city, "district", sort="-on_time_rate")
    assert [r["district_code"] for r in rows] == ["120104000000", "120103000000"]


def test_summary_and_counts(data, hexi, nankai):
    s = queries_stats.summary(hexi)
    assert (s["total"], s["concluded"], s["on_time"], s["open"]) == (5, 3, 2, 2)
    assert s["on_time_rate"] == round(2 / 3, 4)
    assert queries_stats.summary(nankai)["total"] == 1
    by_status = {
        r["status"]: r["total"] for r in queries_stats.applications_by(hexi, "status") if r["total"]
    }
    assert by_status == {"concluded": 2, "rated": 1, "submitted": 2}
    by_center = {r["id"]: r["total"] for r in queries_stats.applications_by(hexi, "center")}
    assert by_center == {data["jjl"].pk: 4, data["rhl"].pk: 1}
    assert queries_stats.applications_by(hexi, "item")[0]["total"] == 5


def test_date_range(data, hexi):
    today = timezone.localdate()
    assert queries_stats.summary(hexi, date_from=today, date_to=today)["total"] == 5
    assert queries_stats.summary(hexi, date_to=today - timedelta(days=1))["total"] == 0


def test_nobody_sees_figures_out_of_scope(data, resident, norole):
    assert queries_stats.summary(resident)["total"] == 0
    assert queries_stats.performance(norole, "center") == []


def test_the_statistics_live_in_one_module():
    """queries_stats is the one statistics module; queries keeps the queue and routing."""
    for name in ("counts_by", "performance", "summary", "on_time_rate"):
        assert not hasattr(queries, name)


def test_workbench_in_scope_ordered_by_deadline(data, center_staff, root):
    late = data["open"][0]
    Application.objects.filter(pk=late.pk).update(deadline=date(2020, 1, 1), overdue=1)
    queue = list(queries.workbench(center_staff, {}))
    assert queue[0].pk == late.pk
    assert {a.center_id for a in queue} == {data["jjl"].pk}  # 本级 only
    assert all(a.status not in ("concluded", "rated") for a in queue)  # default: open
    assert [a.deadline for a in queue] == sorted(a.deadline for a in queue)
    assert len(queries.workbench(center_staff, {"status": "all"})) == 4
    assert list(queries.workbench(center_staff, {"status": "rated"})) == [data["rated"]]
    assert list(queries.workbench(center_staff, {"overdue": "1"})) == [late]
    assert list(queries.workbench(center_staff, {"q": "李四"})) == [late]
    assert list(queries.workbench(center_staff, {"q": late.number})) == [late]
    assert list(queries.workbench(center_staff, {"q": late.number[:10], "status": "all"}))
    assert list(queries.workbench(center_staff, {"channel": "online", "status": "all"})) == [
        data["rated"]
    ]
    assert not queries.workbench(center_staff, {"center": data["rhl"].pk}).exists()
    assert not queries.workbench(center_staff, {"center": "abc"}).exists()
    assert len(queries.workbench(root, {"item": data["item"].pk, "status": "all"})) == 6


def test_residents_have_no_workbench(data, resident):
    assert not queries.workbench(resident, {"status": "all"}).exists()
    assert list(Application.objects.mine(resident)) == [data["rated"]]
