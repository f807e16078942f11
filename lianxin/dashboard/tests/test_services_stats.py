"""The services figures on the dashboard: the home page's card (on-time rate, satisfaction) and
/api/v1/stats/services, both in the user's scope."""

from __future__ import annotations

import re

import pytest

from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE, region
from lianxin.services.tests import factories as f

pytestmark = pytest.mark.django_db


def _concluded(center, on_time=True):
    from lianxin.services import services
    from lianxin.services.models import Application

    app = f.application(center, item_obj=f.item(materials=()))
    for to, kw in (
        ("accepted", {}),
        ("transferred", {"note": "转"}),
        ("concluded", {"result": "好"}),
    ):
        app = services.transition(f.root(), app, to, **kw)
    Application.objects.filter(pk=app.pk).update(on_time=on_time)
    return app


def _figure(body, name):
    found = re.search(rf'data-figure="{name}">([^<]+)<', body)
    return found.group(1).strip() if found else None


def test_home_card_shows_on_time_rate_in_scope(login, hexi, nankai, norole):
    hexi_center = f.center_of(region(HEXI_VILLAGE))
    _concluded(hexi_center, on_time=True)
    _concluded(hexi_center, on_time=False)
    _concluded(f.center_of(region(NANKAI_VILLAGE)), on_time=True)
    body = login(hexi).get("/").content.decode()
    assert _figure(body, "services_total") == "2"
    assert _figure(body, "services_on_time") == "50%"
    assert _figure(body, "services_satisfaction") == "—"
    assert _figure(login(nankai).get("/").content.decode(), "services_on_time") == "100%"
    # No applications in scope: no card at all.
    assert 'data-card="services"' not in login(norole).get("/").content.decode()


def test_services_endpoint_for_a_region_and_its_children(login, hexi, city):
    center = f.center_of(region(HEXI_VILLAGE))
    _concluded(center)
    _concluded(f.center_of(region(NANKAI_VILLAGE)), on_time=False)
    body = login(city).get("/api/v1/stats/services?region=12").json()
    assert body["level"] == "district" and body["summary"]["concluded"] == 2
    assert {r["code"]: r["on_time_rate"] for r in body["children"]} == {
        "120103000000": 1.0,
        "120104000000": 0.0,
    }
    mine = login(hexi).get("/api/v1/stats/services?region=120103").json()
    assert mine["level"] == "street" and [r["code"] for r in mine["children"]] == [
        center.street_code
    ]
    assert login(hexi).get("/api/v1/stats/services?region=120104").status_code == 404
    bad = login(hexi).get("/api/v1/stats/services?date_from=2026-02-01&date_to=2026-01-01")
    assert bad.status_code == 422
