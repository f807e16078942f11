"""What the journeys share: signing in through the form, optional screenshots."""

from __future__ import annotations

import os
from pathlib import Path

PASSWORD = "demo12345"
RESIDENT_PHONE = "13800138000"
SCREENSHOTS = os.environ.get("LIANXIN_SCREENSHOTS") == "1"
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def login(page, username: str, password: str = PASSWORD):
    """Sign in through the login form; returns the page (on wherever the app sent it)."""
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).click()
    return page


def screenshot(page, name: str) -> None:
    """Only with LIANXIN_SCREENSHOTS=1, so ordinary runs (CI) leave docs/ alone."""
    if SCREENSHOTS:
        if page.locator("#map").count():
            # Let ECharts finish drawing (its `finished` event; 2 s at most).
            page.wait_for_function(
                "!window.echarts || !!echarts.getInstanceByDom(document.getElementById('map'))"
            )
            page.evaluate(
                """() => new Promise((done) => {
                     const chart = window.echarts &&
                       echarts.getInstanceByDom(document.getElementById('map'));
                     if (!chart) return done();
                     chart.on('finished', done);
                     setTimeout(done, 2000);
                   })"""
            )
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / name), full_page=False)
