"""Browser journeys against a real demo server.

Once per run of the e2e package: a fresh database (a SQLite file in a temporary directory, or,
when LIANXIN_DATABASE_URL points at PostgreSQL, a separate database `<name>_e2e` dropped and
created here), then `migrate`, `import_regions --province 12`, `seed_demo` and
`runserver --noreload` on a free port, each in a subprocess, exactly as `make demo` does.

These tests never touch pytest-django's test database: nothing here asks for `db`, and the
server is another process with its own database. Playwright's sync API keeps an event loop
running in this thread, which would make Django's ORM refuse to run in later tests of the same
session, so the browser is package-scoped: it is closed as soon as the journeys are done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SETUP_TIMEOUT = 180  # seconds for each management command (PostgreSQL on a slow CI box)
START_TIMEOUT = 30  # seconds for runserver to answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_recreate(url: str) -> str:
    """Drop and create `<name>_e2e` next to the configured database; return its URL."""
    import psycopg

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or "lianxin"
    e2e_name = f"{name}_e2e"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{e2e_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{e2e_name}"')
    return urlunsplit(parts._replace(path=f"/{e2e_name}"))


def _pg_drop(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with (
        contextlib.suppress(Exception),
        psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn,
    ):
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
    )
    if done.returncode:
        pytest.fail(
            f"manage.py {' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}",
            pytrace=False,
        )


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"runserver exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"runserver did not answer {url} in {START_TIMEOUT}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="package")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"browser journeys need Debian chromium at {CHROMIUM} "
            "(apt-get install chromium); it is not installed here"
        )
    return CHROMIUM


@pytest.fixture(scope="package")
def live_server_url(chromium_path):
    """Base URL (no trailing slash) of a demo server on a freshly built database."""
    var_dir = Path(tempfile.mkdtemp(prefix="lianxin-e2e-"))
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION"}}
    env |= {
        "LIANXIN_VAR_DIR": str(var_dir),
        "LIANXIN_DEBUG": "1",
        "LIANXIN_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "lianxin.settings",
        "PYTHONUNBUFFERED": "1",
    }
    configured = env.pop("LIANXIN_DATABASE_URL", "")
    pg_url = None
    if configured.startswith(("postgres://", "postgresql://", "pgsql://")):
        pg_url = _pg_recreate(configured)
        env["LIANXIN_DATABASE_URL"] = pg_url

    proc = None
    log = var_dir / "runserver.log"
    try:
        _manage(env, "migrate", "--noinput", "-v0")
        _manage(env, "import_regions", "--province", "12")
        _manage(env, "seed_demo")
        port = _free_port()
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(proc, f"{base}/login/", log)
        yield base
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if pg_url:
            _pg_drop(pg_url)
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_server_url):
    """new_page(**context_options) → a page in a fresh context (own cookies), closed after."""
    contexts, errors = [], []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "zh-CN")
        options.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(base_url=live_server_url, accept_downloads=True, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


@pytest.fixture(scope="package")
def shared() -> dict:
    """What one journey found and another uses (e.g. the 河西区 center's URL)."""
    return {}
