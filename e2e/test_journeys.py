"""What people do with the demo, in a real browser: real clicks, real typing, what they see."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .helpers import RESIDENT_PHONE, htmx_response, login, screenshot

pytestmark = pytest.mark.browser

HEXI = "120103000000"
# Some Latin text and not one Chinese character: a UI string from the English catalogue.
ENGLISH = re.compile(r"^[^\u3400-\u9fff]*[A-Za-z][^\u3400-\u9fff]*$")
EMPTY_STATE = "没有符合条件的党群服务中心。"


def shown_count(page) -> int:
    """The total the list's footer shows ("共 N 条…"), checked against its data attribute."""
    footer = page.locator("#results [data-count]")
    n = int(footer.get_attribute("data-count"))
    # Grouping follows the locale: 5916 in Chinese, 5,916 in English.
    expect(footer).to_contain_text(re.compile(rf"共 ({n}|{n:,}) 条"))
    return n


def api_count(page, query: str) -> int:
    """What the API says for the same filter, asked from inside the signed-in page."""
    return page.evaluate(
        """async (qs) => {
             const r = await fetch('/api/v1/centers/?' + qs, {credentials: 'same-origin'});
             if (!r.ok) throw new Error('API ' + r.status);
             return (await r.json()).count;
           }""",
        query,
    )


def wait_for_htmx(page, param: str):
    """Wait for the response to the filter form's HTMX request carrying `param` (callers then
    wait on something the swap changes: the pushed URL, the export link)."""
    return htmx_response(
        page,
        lambda r: (
            "/centers/?" in r.url
            and param in r.url
            and r.request.headers.get("hx-request") == "true"
        ),
    )


@pytest.fixture
def hexi_center(shared, new_page):
    """The 河西区 center journey 1 opened (found again through the API if run alone)."""
    if "hexi_center" not in shared:
        page = login(new_page(), "hexi")
        item = page.evaluate(
            "async () => (await (await fetch('/api/v1/centers/?q=hxq&page_size=1')).json())"
            ".items[0]"
        )
        shared["hexi_center"] = {"url": f"/centers/{item['id']}/", "name": item["name"]}
    return shared["hexi_center"]


def test_issue_journey_search_open_and_switch_language(new_page, shared):
    page = login(new_page(), "hexi")
    expect(page).to_have_url(re.compile(r"/$"))

    page.locator("#nav").get_by_role("link", name="党群服务中心").click()
    expect(page).to_have_url(re.compile(r"/centers/$"))
    expect(page.get_by_role("heading", name="党群服务中心", level=1)).to_be_visible()

    # Typing filters in place: HTMX swaps the table, the page itself is not reloaded.
    page.evaluate("window.__notReloaded = true")
    with wait_for_htmx(page, "q=hxq"):
        page.locator("#f-q").press_sequentially("hxq", delay=30)
    expect(page).to_have_url(re.compile(r"[?&]q=hxq"))
    assert page.evaluate("window.__notReloaded === true"), "the list page was reloaded"

    codes = page.locator("#center-table tbody td.code").all_inner_texts()
    assert codes, "no centers listed for hxq"
    assert all(c.strip().startswith("120103") for c in codes), codes
    count = shown_count(page)
    assert count == api_count(page, "q=hxq")
    assert len(codes) == min(count, 50)
    screenshot(page, "centers-list.png")

    first = page.locator("#center-table tbody tr").first
    link = first.get_by_role("link").first
    name = link.inner_text().strip()
    region_name = first.locator(".small").inner_text().strip()
    link.click()
    expect(page).to_have_url(re.compile(r"/centers/\d+/$"))
    shared["hexi_center"] = {"url": urlsplit(page.url).path, "name": name}

    expect(page.locator("h1.page-title")).to_contain_text(name)
    crumbs = page.locator("nav ol.breadcrumb")
    expect(crumbs).to_contain_text("河西区")
    expect(crumbs.locator(".breadcrumb-item.active")).to_have_text(region_name)
    expect(crumbs.get_by_role("link", name="河西区")).to_be_visible()
    # The map draws the center's own district (from the app's boundary file).
    expect(page.locator("#map canvas").first).to_be_visible()
    assert page.evaluate(
        """async () => {
             const el = document.getElementById('map');
             const geo = await (await fetch(el.dataset.geo)).json();
             return geo.features.some(f => f.properties.code === el.dataset.district);
           }"""
    ), "the map has no boundary for the center's district"
    screenshot(page, "center-detail.png")

    # The language button: same page, now in English.
    page.locator("#lang-form").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/centers/\d+/$"))
    expect(page.locator("#lang-form").get_by_role("button")).to_have_text("中文")
    expect(page.locator("h1.page-title")).to_contain_text(name)  # data is not translated
    # UI strings come from the English catalogue (lianxin/locale/en).
    expect(page.locator('#nav a[href="/centers/"]')).to_have_text(ENGLISH)
    expect(page.locator("main .card-title").first).to_have_text(ENGLISH)  # 基本信息
    expect(page.locator("main a.btn", has=page.locator(".ti-sitemap"))).to_have_text(ENGLISH)


def test_scope_journey_other_district_is_not_found(new_page, hexi_center):
    page = login(new_page(), "nankai")

    response = page.goto(hexi_center["url"])
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(hexi_center["name"])

    response = page.goto(f"/centers/?district={HEXI}")
    assert response.status == 200
    expect(page.locator("#center-table tbody")).to_contain_text(EMPTY_STATE)
    assert shown_count(page) == 0
    expect(page.locator(f'#f-district option[value="{HEXI}"]')).to_have_count(0)
    expect(page.locator('#f-district option[value="120104000000"]')).to_have_count(1)


def test_resident_journey_lands_on_the_portal(new_page):
    page = login(new_page(), RESIDENT_PHONE)
    # A resident's own page is the residents' site (/me/ sends them there).
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator("main")).to_contain_text("138****8000")
    expect(page.locator("main")).not_to_contain_text(RESIDENT_PHONE)
    expect(page.locator("#nav")).to_have_count(0)  # no staff menu

    page.goto("/centers/")
    expect(page).to_have_url(re.compile(r"/portal/$"))


def test_lockout_journey(new_page):
    page = new_page()
    alert = page.locator("main .alert-danger")
    for attempt in range(1, 6):
        login(page, "leader", f"wrong-{attempt}")
        expect(page).to_have_url(re.compile(r"/login/$"))
        if attempt < 5:
            expect(alert).to_have_text("账号或密码不正确。")
    expect(alert).to_contain_text("锁定")

    login(page, "leader")  # the right password, too late
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(alert).to_contain_text("锁定")
    page.goto("/centers/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))


def test_mobile_journey(new_page):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, "city")

    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#nav")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    toggler.click()
    expect(menu).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    menu.get_by_role("link", name="党群服务中心").click()
    expect(page).to_have_url(re.compile(r"/centers/$"))

    table = page.locator("#center-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first.get_by_role("link")).to_be_visible()
    # Usable on a phone: the code/households/kind columns are hidden and anything wider
    # scrolls inside its own container, not the page.
    expect(table.locator("tbody td.code").first).to_be_hidden()
    overflow = page.evaluate(
        "getComputedStyle(document.querySelector('#center-table').closest('.table-responsive'))"
        ".overflowX"
    )
    assert overflow in {"auto", "scroll"}
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, f"the page scrolls sideways ({page_width}px)"
    assert shown_count(page) > 5000  # the whole city


def test_export_journey(new_page, tmp_path):
    from python_calamine import CalamineWorkbook

    page = login(new_page(), "hexi")
    page.goto("/centers/")
    with wait_for_htmx(page, "status=in_use"):
        page.locator("#f-status").select_option(label="已投入使用")
    expect(page).to_have_url(re.compile(r"[?&]status=in_use"))
    export = page.get_by_role("link", name="导出 Excel")
    expect(export).to_have_attribute("href", re.compile(r"status=in_use"))
    count = shown_count(page)
    assert count > 0

    with page.expect_download() as info:
        export.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header, body = rows[0], [r for r in rows[1:] if any(cell not in ("", None) for cell in r)]
    assert header[0] == "区划代码"
    assert len(body) == count
    assert all(str(r[0]).startswith("120103") for r in body)
    assert {r[5] for r in body} == {"已投入使用"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_staff_menu_fits_every_desktop_width(new_page, live_server_url, language):
    """English labels are longer: from 1200 px (the menu unfolds) to 1920 px the header stays one
    line and the page never scrolls sideways, for the account with the most menu items."""
    page = login(new_page(viewport={"width": 1200, "height": 800}), "city")
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server_url}]
    )
    for width in (1200, 1280, 1366, 1440, 1536, 1600, 1680, 1920):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/resources/premises/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        scroll = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll <= width, f"{language}: the page scrolls sideways at {width}px ({scroll}px)"
        header = page.evaluate("document.querySelector('header').getBoundingClientRect().height")
        assert header < 70, f"{language}: the menu wraps at {width}px ({header}px high)"
