"""A premises' page: the heading keeps code and name apart; the change history (变更记录) names
each action (新建, 修改, 预留, 取消预留, 配置) and the fields changed, before → after, by label and
with values people read (choices, yes/no, region and plan by name), never raw codes."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from lianxin.campaign.tests import factories as campaign_f
from lianxin.core.tests.factories import HEXI, HEXI_STREET, HEXI_VILLAGE
from lianxin.resources.models import Premises
from lianxin.resources.queries_premises import premises_history
from lianxin.resources.services import premises as services

from .factories_premises import point_in, short_center

pytestmark = pytest.mark.django_db


@pytest.fixture
def premises(hexi, region):
    lon, lat = point_in(region(HEXI_STREET), 1)
    return services.create_premises(
        hexi,
        {
            "kind": "housing_stock",
            "code": "HX-H1",
            "name": "友谊路库存房源",
            "address": "友谊路 1 号",
            "region": region(HEXI_STREET),
            "longitude": lon,
            "latitude": lat,
            "floor_area": Decimal("200"),
            "owner": "区国资委",
            "condition": "good",
            "divisible": False,
            "available_from": datetime.date(2026, 12, 1),
            "note": "",
        },
    )


def test_history_names_actions_and_changes(hexi, login, region, premises):
    short_center(region(HEXI_VILLAGE))
    plan = campaign_f.plan(region(HEXI_VILLAGE))
    obj = Premises.objects.get(pk=premises.pk)
    services.update_premises(
        hexi, obj, {"floor_area": Decimal("230"), "condition": "poor", "divisible": True}
    )
    run, _r = services.run_matching(hexi, region(HEXI))
    services.accept_proposal(hexi, run.proposals.get())
    obj = Premises.objects.get(pk=premises.pk)
    services.release(hexi, obj, "产权单位收回")

    rows = premises_history(obj)
    assert [r["label"] for r in rows] == ["取消预留", "预留", "修改", "新建"]
    changes = {c["field"]: (c["before"], c["after"]) for c in rows[2]["changes"]}
    assert changes == {
        "建筑面积（㎡）": ("200.00", "230.00"),
        "房屋状况": ("良好", "较差（需改造）"),
        "可分割": ("否", "是"),
    }
    reserve = {c["field"]: (c["before"], c["after"]) for c in rows[1]["changes"]}
    assert reserve["使用状态"] == ("空闲", "已预留")
    assert reserve["配置给"] == ("—", str(plan.center))

    body = login(hexi).get(f"/resources/premises/{obj.pk}/").content.decode()
    history = re.sub(r"<[^>]+>", "", body[body.index("变更记录") :])
    for raw in ("· update", "· reserve", "· create", "· release"):
        assert raw not in history
    assert "建筑面积（㎡）：200.00 → 230.00" in history
    assert "使用状态：已预留 → 空闲" in history
    assert "类别：库存房源" in history  # the new row's values, without arrows
    assert "区划路径" not in history and "region_path" not in history


def test_heading_keeps_code_and_name_apart(hexi, login, premises):
    body = login(hexi).get(f"/resources/premises/{premises.pk}/").content.decode()
    start = body.index('id="premises-heading"')
    heading = body[start : body.index("</h1>", start)]
    assert "column-gap-2" in body[start - 80 : start]
    assert '<span class="badge bg-secondary-lt code fs-4">HX-H1</span> <span>' in heading
