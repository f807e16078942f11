"""The battle map (挂图作战) in a real browser, on the demo data: replay the campaign to
2019-06-30 (和平区 alone at 100%), click 河西区 on the map, its streets ranked and its centers as
points, a center's card, and on to the center's own page. A district user starts in the district.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import login, screenshot

pytestmark = pytest.mark.browser

TIANJIN = "120000000000"
HEXI = "120103000000"
DAY = "2019-06-30"

CHART = "echarts.getInstanceByDom(document.getElementById('map'))"


def shown(page, code: str, day: str | None = None):
    """Wait until the page has drawn `code` (as of `day`): map, ranking and table."""
    when = re.escape(day) if day else r"\d{4}-\d{2}-\d{2}"
    pattern = re.compile(rf"^{code} {when}$")
    expect(page.locator("#battlemap")).to_have_attribute("data-shown", pattern)


def drawn(page):
    """Let ECharts finish drawing (its `finished` event; 2 s at most)."""
    page.evaluate(
        f"""() => new Promise((done) => {{
             {CHART}.on('finished', done);
             setTimeout(done, 2000);
           }})"""
    )


def click_on_map(page, lon: float, lat: float) -> None:
    """A real mouse click on the canvas where the chart draws (lon, lat)."""
    drawn(page)
    x, y = page.evaluate(
        f"""([lon, lat]) => {{
             const chart = {CHART};
             const geo = chart.getModel().getComponent('geo') ? {{geoIndex: 0}} : {{seriesIndex: 0}};
             return chart.convertToPixel(geo, [lon, lat]);
           }}""",
        [lon, lat],
    )
    box = page.locator("#map").bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y, box)
    page.mouse.click(box["x"] + x, box["y"] + y)


def table_rates(page) -> dict[str, str]:
    rows = page.locator("#bm-tbody tr")
    names = rows.locator("th[scope=row]").all_inner_texts()
    rates = rows.locator("td[data-rate]").all_inner_texts()
    return dict(zip(names, rates, strict=True))


def open_a_card(page, points: list[dict]) -> str:
    """Click a center on the map; return the id the card shows."""
    point = points[len(points) // 2]
    click_on_map(page, point["lon"], point["lat"])
    card = page.locator("#bm-card")
    expect(card).to_be_visible()
    expect(card.locator("[data-level]")).to_have_count(3)
    expect(card.locator("#bm-card-asof")).to_contain_text(DAY)
    return card.get_attribute("data-center")


def test_city_replays_to_heping_and_drills_into_hexi(new_page):
    page = login(new_page(viewport={"width": 1280, "height": 1100}), "city")
    page.locator("#nav").get_by_role("link", name="挂图作战").click()
    expect(page).to_have_url(re.compile(r"/battlemap/"))
    expect(page.get_by_role("heading", name="挂图作战", level=1)).to_be_visible()
    shown(page, TIANJIN)
    assert len(table_rates(page)) == 16

    # The slider by keyboard: Home is 2019-01, five steps right is June (its last day).
    slider = page.locator("#bm-month")
    slider.focus()
    slider.press("Home")
    for _ in range(5):
        slider.press("ArrowRight")
    expect(page.locator("#bm-month-out")).to_have_text("2019-06")
    shown(page, TIANJIN, DAY)
    expect(page.locator("#bm-day")).to_have_value(DAY)
    expect(page.locator("#bm-caption")).to_contain_text(DAY)

    # 和平区 alone at 100%: in the table, first in the ranking, and so coloured on the map.
    rates = table_rates(page)
    assert len(rates) == 16
    assert rates["和平区"] == "100.0%"
    assert [n for n, r in rates.items() if r == "100.0%"] == ["和平区"], rates
    expect(page.locator("#bm-rank li").first).to_contain_text("和平区")
    values = page.evaluate(f"{CHART}.getOption().series[0].data")
    assert {v["name"]: v["value"] for v in values}["120101"] == 100
    assert sum(1 for v in values if v["value"] == 100) == 1
    screenshot(page, "battlemap.png")

    # The inner city zoomed, then a click on 河西区 where one of its centers lies.
    points = page.evaluate(
        "async (d) => (await (await fetch(`/api/v1/stats/centers?region=120103&as_of=${d}`))"
        ".json()).filter((p) => p.lon !== null)",
        DAY,
    )
    page.locator("#bm-central").click()
    expect(page.locator("#bm-central")).to_have_attribute("aria-pressed", "true")
    click_on_map(page, points[0]["lon"], points[0]["lat"])
    shown(page, HEXI, DAY)
    crumbs = page.locator("#bm-crumbs")
    expect(crumbs.get_by_role("link", name="天津市")).to_be_visible()
    expect(crumbs.locator(".active")).to_have_text("河西区")

    # Its streets ranked by the indicator, the same streets in the table; its centers as points.
    ranked = page.locator("#bm-rank li")
    expect(ranked.first.locator("button")).to_be_visible()
    streets = table_rates(page)
    assert "大营门街道" in streets and len(streets) >= 10
    assert ranked.count() == len(streets)
    shares = [
        float(t.rstrip("%")) for t in ranked.locator(".fw-bold").all_inner_texts() if t != "—"
    ]
    assert shares == sorted(shares, reverse=True)
    on_map = page.evaluate(
        f"{CHART}.getOption().series.filter(s => s.type === 'scatter')"
        ".reduce((n, s) => n + s.data.length, 0)"
    )
    assert on_map == len(points)
    expect(page.locator("#bm-status-legend")).to_be_visible()
    screenshot(page, "battlemap-district.png")

    # Back to the city, and into 河西区 again from the ranking (the keyboard's way in).
    crumbs.get_by_role("link", name="天津市").click()
    shown(page, TIANJIN, DAY)
    page.locator("#bm-rank").get_by_role("button", name=re.compile("河西区")).click()
    shown(page, HEXI, DAY)

    # A center on the map → its card → its page.
    center_id = open_a_card(page, points)
    name = page.locator("#bm-card-name").inner_text()
    link = page.locator("#bm-card").get_by_role("link", name="打开中心页面")
    expect(link).to_have_attribute("href", f"/centers/{center_id}/")
    link.click()
    expect(page).to_have_url(re.compile(rf"/centers/{center_id}/$"))
    expect(page.locator("h1.page-title")).to_contain_text(name)


def test_district_user_starts_in_the_district_on_a_phone(new_page):
    page = login(new_page(viewport={"width": 390, "height": 844}, is_mobile=True), "hexi")
    page.goto(f"/battlemap/?as_of={DAY}")
    shown(page, HEXI, DAY)
    expect(page.locator("#bm-crumbs li")).to_have_count(1)
    expect(page.locator("#bm-crumbs")).to_have_text("河西区")
    expect(page.locator("#bm-back")).to_be_hidden()
    assert "大营门街道" in table_rates(page)
    # No 南开区 anywhere: the API keeps the district user inside the district.
    expect(page.locator("main")).not_to_contain_text("南开区")
    # At phone width the map comes first, the ranking under it, and nothing overflows sideways.
    map_box = page.locator("#map").bounding_box()
    rank_box = page.locator("#bm-rank").bounding_box()
    assert rank_box["y"] >= map_box["y"] + map_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # A street from the ranking: its communities, and a tap on one opens its center's card.
    page.locator("#bm-rank").get_by_role("button", name=re.compile("大营门街道")).click()
    shown(page, "120103001000", DAY)
    page.locator("#bm-rank button").first.click()
    expect(page.locator("#bm-card")).to_be_visible()
    expect(page.locator("#bm-card [data-level]")).to_have_count(3)
    screenshot(page, "battlemap-phone.png")
