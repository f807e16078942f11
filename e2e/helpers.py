"""What the journeys share: signing in through the form, optional screenshots."""

from __future__ import annotations

import os
from contextlib import contextmanager
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


@contextmanager
def htmx_response(page, predicate):
    """Expect the response to the HTMX request the block's action sets off.

    htmx is a deferred script: a page can show its heading before htmx has bound the form's
    triggers, and a change made in that gap sends nothing (CI saw this as a 10 s timeout). So
    wait for the load event and htmx first, and give the server more time than a locator gets,
    since the whole suite shares one small machine."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !!window.htmx")
    with page.expect_response(predicate, timeout=30_000):
        yield


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


# -- shared by the services and venues journeys (issue 5) -----------------------------------------

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LOCAL_SCHEMES = {"data", "blob", "about"}


def is_local(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1"


class Watch:
    """Every request that would leave 127.0.0.1 is refused and remembered, and so is every
    console error; `check(page)` asserts none so far and, at phone size, no sideways scroll."""

    def __init__(self):
        self.outside: list[str] = []
        self.console: list[str] = []

    def attach(self, page):
        def on_request(request):
            if not is_local(request.url):
                self.outside.append(request.url)

        def on_console(msg):
            if msg.type == "error":
                self.console.append(f"{page.url}: {msg.text}")

        page.context.on("request", on_request)
        page.context.route(lambda url: not is_local(url), lambda route: route.abort())
        page.on("console", on_console)
        return page

    def check(self, page, width: int | None = None) -> None:
        assert not self.outside, f"requests left 127.0.0.1: {self.outside}"
        assert not self.console, f"console errors: {self.console}"
        if width is not None:
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            assert scroll <= width + 1, f"{page.url} scrolls sideways at {width}px ({scroll}px)"


def server_env(base_url: str) -> dict[str, str]:
    """The environment for `manage.py` against the e2e demo server on `base_url`: e2e/conftest.py
    keeps its environment to itself, so it is rebuilt by the same rules: the var dir is the
    `lianxin-e2e-*` temporary directory whose runserver.log names this port (the SQLite file
    lives there), and PostgreSQL's database is `<configured name>_e2e`."""
    import tempfile
    from urllib.parse import unquote, urlsplit, urlunsplit

    address = f"127.0.0.1:{urlsplit(base_url).port}/"
    var_dir = None
    for candidate in Path(tempfile.gettempdir()).glob("lianxin-e2e-*"):
        log = candidate / "runserver.log"
        if log.is_file() and address in log.read_text(errors="replace"):
            var_dir = candidate
            break
    assert var_dir is not None, f"no lianxin-e2e-* directory with a server on {address}"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env |= {
        "LIANXIN_VAR_DIR": str(var_dir),
        "LIANXIN_DEBUG": "1",
        "LIANXIN_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "lianxin.settings",
    }
    configured = env.pop("LIANXIN_DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://", "pgsql://")):
        parts = urlsplit(configured)
        name = unquote(parts.path.lstrip("/")) or "lianxin"
        env["LIANXIN_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}_e2e"))
    return env


def manage_shell(base_url: str, code: str) -> str:
    """Run `manage.py shell -c code` against the e2e server's database; its stdout."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=server_env(base_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"manage.py shell failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout


def id_number(first17: str) -> str:
    """A valid 18-digit resident ID number (GB 11643 check digit) from its first 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def png_bytes(rgb: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    """A real PNG made with Pillow (the server decodes uploads)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, rgb).save(out, format="PNG")
    return out.getvalue()
