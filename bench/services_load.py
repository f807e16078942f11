#!/usr/bin/env python
"""Benchmark: 200 concurrent residents submitting and reading applications for 60 s through
Open311, against the app served by gunicorn on PostgreSQL — throughput against a bare Django JSON
endpoint on the same server in the same run, p95/p99 latency, errors, and a count afterwards
(zero lost, zero duplicated).

    .venv/bin/python bench/services_load.py [--admin-url URL] [--db NAME] [--users 200]
        [--seconds 60] [--baseline-seconds 30] [--workers 3] [--threads 2] [--keep]

1. drops and creates a scratch PostgreSQL database (default `lianxin_bench_services`), migrates
   it, imports Tianjin, seeds a small catalogue (6 items with typed form fields, no required
   upload: a hotline cannot carry files), 40 in-use centers in two districts and the hotline's
   staff account (city scope) with a personal access token (untimed);
2. starts gunicorn (gthread, --workers × --threads) on a free port with a settings overlay that
   adds one bare JSON view at /bench/ping (bench/services_load_site/; not in production urls);
3. baseline: --users connections hammering /bench/ping for --baseline-seconds;
4. the mix: --users virtual residents, each in a loop: POST /api/v1/open311/requests.json
   (form-encoded with `attribute[...]`, Bearer token, a unique Idempotency-Key), then GET
   /api/v1/open311/requests/{id}.json; every 20th submit is sent twice with the same key (a
   double click) and must return the same request (200) instead of a new one;
5. afterwards: the applications in the database must be exactly the distinct ids answered 201;
6. writes the "Services under load" section of docs/performance.md, stops gunicorn and drops
   the database.

The client is one asyncio process speaking HTTP/1.1 with keep-alive (the standard library only),
on the same machine as the server: its CPU is taken from the server in both phases alike.
Targets (from the issue): at least 40% of the baseline's throughput; p99 under 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, log, machine, write_section  # noqa: E402

TITLE = "## Services under load (Open311 submit and read, gunicorn)"
RATIO_TARGET, P99_TARGET = 0.40, 500.0
DISTRICTS = ["120103", "120104"]  # 河西区, 南开区
CENTERS_PER_DISTRICT = 20
DOUBLE_EVERY = 20

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n: int) -> str:
    """A valid GB 11643 number (the check digit computed) for the n-th resident."""
    body = f"120103{1950 + n % 50:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


# -- the HTTP client ------------------------------------------------------------------------------


class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        try:
            status_line = await self.reader.readline()
            if not status_line:
                raise ConnectionError("closed")
            status = int(status_line.split()[1])
            length, chunked, close = 0, False, False
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
                elif name == "connection" and value.lower() == "close":
                    close = True
            if chunked:
                parts = []
                while True:
                    size = int((await self.reader.readline()).strip() or b"0", 16)
                    if size == 0:
                        await self.reader.readline()
                        break
                    parts.append(await self.reader.readexactly(size))
                    await self.reader.readline()
                data = b"".join(parts)
            else:
                data = await self.reader.readexactly(length) if length else b""
        except Exception:
            self.close()
            raise
        if close:
            self.close()
        return status, data

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Tally:
    def __init__(self):
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.created: set[str] = set()
        self.duplicates_ok = 0
        self.count = 0

    def ok(self, kind: str, ms: float):
        self.latencies.setdefault(kind, []).append(ms)
        self.count += 1

    def error(self, what: str):
        self.errors[what] = self.errors.get(what, 0) + 1


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1)]


async def timed(conn, tally, kind, method, path, headers, body=b""):
    t = time.perf_counter()
    try:
        status, data = await conn.request(method, path, headers, body)
    except Exception as exc:  # a refused or broken connection is an error, never a crash
        tally.error(f"{kind}: {type(exc).__name__}")
        return None, b""
    ms = (time.perf_counter() - t) * 1000
    return (status, data, ms), data


async def baseline_user(host, port, until, tally):
    conn = Conn(host, port)
    while time.monotonic() < until:
        result, _ = await timed(conn, tally, "ping", "GET", "/bench/ping", {})
        if result is None:
            await asyncio.sleep(0.05)
            continue
        status, data, ms = result
        if status == 200:
            tally.ok("ping", ms)
        else:
            tally.error(f"ping: HTTP {status}")
    conn.close()


async def resident(n, host, port, until, tally, token, items, centers, run):
    import json

    conn = Conn(host, port)
    rng = random.Random(n)
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    serial = 0
    while time.monotonic() < until:
        serial += 1
        code, grade_keys = rng.choice(items)
        form = {
            "service_code": code,
            "center_id": rng.choice(centers),
            "last_name": "王",
            "first_name": f"居民{n}",
            "phone": f"139{n % 10000:04d}{serial % 10000:04d}",
            "id_number": id_number(n),
            "description": "压力测试：申请办理",
            "attribute[household]": "天津市河西区",
            "attribute[grade]": rng.choice(grade_keys),
        }
        body = urlencode(form).encode()
        headers = auth | {
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": f"bench-{run}-{n}-{serial}",
        }
        result, data = await timed(
            conn, tally, "submit", "POST", "/api/v1/open311/requests.json", headers, body
        )
        if result is None:
            await asyncio.sleep(0.05)
            continue
        status, data, ms = result
        if status != 201:
            tally.error(f"submit: HTTP {status} {data[:120].decode(errors='replace')}")
            continue
        tally.ok("submit", ms)
        number = json.loads(data)[0]["service_request_id"]
        if number in tally.created:
            tally.error("submit: a new key answered with an existing request")
        tally.created.add(number)
        if serial % DOUBLE_EVERY == 0:  # the double click: the same key again
            result, data = await timed(
                conn, tally, "submit", "POST", "/api/v1/open311/requests.json", headers, body
            )
            if result is not None:
                status, data, ms = result
                if status == 200 and json.loads(data)[0]["service_request_id"] == number:
                    tally.ok("submit", ms)
                    tally.duplicates_ok += 1
                else:
                    tally.error(f"repeat submit: HTTP {status}")
        result, data = await timed(
            conn, tally, "read", "GET", f"/api/v1/open311/requests/{number}.json", auth
        )
        if result is None:
            continue
        status, data, ms = result
        if status == 200 and json.loads(data)[0]["service_request_id"] == number:
            tally.ok("read", ms)
        else:
            tally.error(f"read: HTTP {status}")
    conn.close()


async def phase(make, users: int, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    start = time.monotonic()
    until = start + seconds
    await asyncio.gather(*(make(i, until, tally) for i in range(users)))
    return tally, time.monotonic() - start


# -- setup ---------------------------------------------------------------------------------------


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=900,
    )


def seed() -> tuple[str, list, list]:
    """The catalogue, centers and hotline account, through the services as the app would."""
    from lianxin.accounts import services as accounts
    from lianxin.centers.models import Center
    from lianxin.core.tests.factories import make_center
    from lianxin.regions.models import Level, Region
    from lianxin.services import services

    root = accounts.create_staff(None, username="bench-root", password="x" * 12, superuser=True)
    city = Region.objects.get(code="120000000000")
    items = []
    for n, name in enumerate(["残疾人证", "老年证", "低保申请", "就业登记", "居住证明", "优待证"]):
        item = services.save_item(
            root,
            None,
            {
                "code": f"BENCH-{n:02d}",
                "name": f"{name}办理",
                "category": "基本公共服务",
                "department": "区民政局",
                "level": "street",
                "item_type": "public_service",
                "region": city,
            },
        )
        services.set_time_limit(root, item, working_days=3 + n, valid_from=date(2020, 1, 1))
        services.save_field(
            root,
            item,
            None,
            {"code": "household", "label": "户籍地", "datatype": "string", "required": True},
        )
        keys = ["1", "2", "3"]
        services.save_field(
            root,
            item,
            None,
            {
                "code": "grade",
                "label": "类别",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": k, "name": f"{k}类"} for k in keys],
            },
        )
        services.save_material(root, item, None, {"name": "身份证复印件", "required": False})
        items.append((item.code, keys))
    centers = []
    for district in DISTRICTS:
        units = Region.objects.filter(
            path__startswith=Region.objects.get(code=district.ljust(12, "0")).path,
            level=Level.VILLAGE,
        ).order_by("code")[:CENTERS_PER_DISTRICT]
        for unit in units:
            center = Center.objects.filter(region=unit).first() or make_center(unit)
            centers.append(center.pk)
    hotline = accounts.create_staff(
        root, username="hotline-12345", password="x" * 12, display_name="12345 热线", org_unit=city
    )
    accounts.assign_role(root, hotline, "city_admin", city, "subtree")
    _token, raw = accounts.issue_token(hotline, "bench")
    return raw, items, centers


def cost_per_request(token: str, items: list, centers: list, repeat: int = 20) -> dict:
    """Queries and in-process milliseconds (median) of one submit and one read through Django's
    test client on the same database, the server idle: what each request costs by itself."""
    import json

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/json"}
    out = {"submit": [], "read": [], "submit_q": 0, "read_q": 0}
    for n in range(repeat + 1):  # the first one warms up
        code, keys = items[n % len(items)]
        form = {
            "service_code": code,
            "center_id": centers[n % len(centers)],
            "last_name": "王",
            "first_name": f"单测{n}",
            "phone": f"1370000{n:04d}",
            "id_number": id_number(20_000 + n),
            "attribute[household]": "天津市河西区",
            "attribute[grade]": keys[0],
        }
        key = {"Idempotency-Key": f"cost-{time.time_ns()}-{n}"}
        with CaptureQueriesContext(connection) as posted:
            t = time.perf_counter()
            r = client.post("/api/v1/open311/requests.json", form, headers=key, **auth)
            ms = (time.perf_counter() - t) * 1000
        number = json.loads(r.content)[0]["service_request_id"]
        with CaptureQueriesContext(connection) as read:
            t = time.perf_counter()
            client.get(f"/api/v1/open311/requests/{number}.json", **auth)
            read_ms = (time.perf_counter() - t) * 1000
        if n:
            out["submit"].append(ms)
            out["read"].append(read_ms)
            out["submit_q"], out["read_q"] = len(posted), len(read)
    return {
        "submit_ms": statistics.median(out["submit"]),
        "read_ms": statistics.median(out["read"]),
        "submit_q": out["submit_q"],
        "read_q": out["read_q"],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc, seconds: float = 60) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /bench/ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")


def summary_row(name: str, tally: Tally, seconds: float, kinds) -> tuple:
    lat = [ms for k in kinds for ms in tally.latencies.get(k, [])]
    errors = sum(tally.errors.values())
    return (
        name,
        tally.count,
        tally.count / seconds,
        statistics.median(lat) if lat else float("nan"),
        pct(lat, 95),
        pct(lat, 99),
        errors,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LIANXIN_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--db", default="lianxin_bench_services")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-write", action="store_true", help="don't touch docs/performance.md")
    args = parser.parse_args()

    import psycopg

    url = args.admin_url.rsplit("/", 1)[0] + "/" + args.db
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db}"')
    env = os.environ | {
        "LIANXIN_DATABASE_URL": url,
        "LIANXIN_DEBUG": "0",
        "LIANXIN_SECRET_KEY": "bench-services-load-not-a-secret",
        "LIANXIN_TASKS": "immediate",
        "LIANXIN_LOG_LEVEL": "ERROR",
    }
    log(f"database {args.db}: migrate, import Tianjin, seed a catalogue and centers (untimed)")
    manage(env, "migrate", "--noinput")
    manage(env, "import_regions", "--province", "12")

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from lianxin.services.models import Application

    token, items, centers = seed()
    connection.close()

    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server_env = env | {
        "DJANGO_SETTINGS_MODULE": "services_load_site.settings",
        "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
    }
    cmd = [
        str(gunicorn),
        "lianxin.wsgi:application",
        "--worker-class",
        "gthread",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    log(f"gunicorn on :{port}, {args.workers} workers × {args.threads} threads (gthread)")
    import tempfile

    server_log = tempfile.NamedTemporaryFile("w+", prefix="services_load_", suffix=".log")
    server = subprocess.Popen(
        cmd, cwd=ROOT, env=server_env, start_new_session=True, stderr=server_log
    )
    try:
        wait_for(port, server)
        host, run = "127.0.0.1", f"{int(time.time())}"

        async def go():
            # Warm-up (untimed): every worker imports, connects and compiles its templates.
            await phase(lambda i, u, t: baseline_user(host, port, u, t), 50, 3)
            await phase(
                lambda i, u, t: resident(10_000 + i, host, port, u, t, token, items, centers, run),
                20,
                3,
            )
            log(
                f"baseline: {args.users} connections on /bench/ping for {args.baseline_seconds:.0f} s"
            )
            base = await phase(
                lambda i, u, t: baseline_user(host, port, u, t), args.users, args.baseline_seconds
            )
            log(f"mix: {args.users} residents submitting and reading for {args.seconds:.0f} s")
            mix = await phase(
                lambda i, u, t: resident(i, host, port, u, t, token, items, centers, run),
                args.users,
                args.seconds,
            )
            return base, mix

        (base, base_s), (mix, mix_s) = asyncio.run(go())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    # What the server said went wrong (its exceptions, by kind), for the section.
    import re
    from collections import Counter

    server_log.seek(0)
    exceptions = Counter(
        m.group(1)[:160]
        for m in re.finditer(r"^((?:\w+\.)*\w+(?:Error|Exception): .*)$", server_log.read(), re.M)
    )
    server_log.close()
    # The count afterwards: the warm-up's requests belong to residents 10,000+.
    stored = set(Application.objects.filter(channel="open311").values_list("number", flat=True))
    warm = set(
        Application.objects.filter(
            channel="open311", applicant_name__regex=r"^王居民1\d{4}$"
        ).values_list("number", flat=True)
    )
    stored -= warm
    lost = mix.created - stored
    extra = stored - mix.created
    log(
        f"stored {len(stored)}, answered 201 {len(mix.created)}, lost {len(lost)}, "
        f"unexpected {len(extra)}, double clicks answered with the same request "
        f"{mix.duplicates_ok}"
    )
    if mix.errors:
        for what, n in sorted(mix.errors.items(), key=lambda x: -x[1])[:8]:
            log(f"  error ×{n}: {what}")

    cost = cost_per_request(token, items, centers)
    log(
        f"one request by itself: submit {cost['submit_q']} queries {cost['submit_ms']:.1f} ms, "
        f"read {cost['read_q']} queries {cost['read_ms']:.1f} ms"
    )

    rows = [
        summary_row("bare JSON endpoint (baseline)", base, base_s, ["ping"]),
        summary_row("mix: Open311 submit + read", mix, mix_s, ["submit", "read"]),
        summary_row("  of which submits (POST)", mix, mix_s, ["submit"]),
        summary_row("  of which reads (GET)", mix, mix_s, ["read"]),
    ]
    # A part's count and errors are its own, not the whole mix's.
    sub_n = len(mix.latencies.get("submit", []))
    read_n = len(mix.latencies.get("read", []))
    rows[2] = (
        rows[2][0],
        sub_n,
        sub_n / mix_s,
        *rows[2][3:6],
        sum(n for k, n in mix.errors.items() if "submit" in k),
    )
    rows[3] = (
        rows[3][0],
        read_n,
        read_n / mix_s,
        *rows[3][3:6],
        sum(n for k, n in mix.errors.items() if k.startswith("read")),
    )
    for r in rows:
        log(
            f"{r[0]}: {r[1]} requests, {r[2]:.0f}/s, p50 {r[3]:.0f} ms, p95 {r[4]:.0f} ms, "
            f"p99 {r[5]:.0f} ms, errors {r[6]}"
        )
    ratio = rows[1][2] / rows[0][2] if rows[0][2] else 0
    p99 = rows[1][5]
    errors = sum(mix.errors.values()) + sum(base.errors.values())
    info = machine()
    table = [
        "| requests | count | per second | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r[0].strip()} | {r[1]:,} | {r[2]:,.0f} | {r[3]:.0f} | {r[4]:.0f} | {r[5]:.0f} | "
            f"{r[6]} |"
            for r in rows
        ),
    ]
    met = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    section = "\n".join(
        [
            TITLE,
            "",
            f"Measured by `bench/services_load.py` on {date.today()}: {info['nproc']} CPUs "
            f"({info['cpu']}), {info['memory']}, Python {info['python']}, PostgreSQL; load "
            f"average {info['load']} at the end. gunicorn, {args.workers} workers × "
            f"{args.threads} threads (gthread), on the same machine as the client: one asyncio "
            f"process holding {args.users} keep-alive connections (its CPU comes out of the "
            "server's in both phases alike). Baseline: a bare Django view returning a small JSON "
            "object through the same middleware on the same server (`/bench/ping`, added by the "
            "bench's settings overlay only), "
            f"{args.baseline_seconds:.0f} s. The mix, {args.seconds:.0f} s: {args.users} virtual "
            "residents, each submitting through Open311 (`POST requests.json`, form-encoded with "
            "`attribute[...]`, the hotline's Bearer token, a unique Idempotency-Key) and then "
            "reading the request back (`GET requests/{id}.json`); every "
            f"{DOUBLE_EVERY}th submit is sent twice with the same key. Catalogue: "
            f"{len(items)} items with two typed fields each; {len(centers)} in-use centers in "
            "河西区 and 南开区; Tianjin's division tree.",
            "",
            *table,
            "",
            f"- Throughput of the mix: {ratio:.0%} of the baseline's; target ≥ 40%: "
            f"{met(ratio >= RATIO_TARGET)}.",
            f"- p99 of the mix: {p99:.0f} ms; target < 500 ms: {met(p99 < P99_TARGET)}.",
            f"- Errors: {errors}; target zero: {met(errors == 0)}.",
            f"- Counted afterwards: {len(stored):,} applications stored for "
            f"{len(mix.created):,} distinct requests answered 201; lost {len(lost)}, "
            f"unexpected {len(extra)}; {mix.duplicates_ok:,} repeated submits answered with the "
            f"first request (200), none stored twice: "
            f"{met(not lost and not extra)}.",
            *(f"- Server log: {n:,} × `{text}`" for text, n in exceptions.most_common(3)),
            "",
            "What the targets mean here. The clients are closed-loop (each waits for its answer "
            "before the next request), so by Little's law latency ≈ clients ÷ throughput: "
            f"{args.users} clients and a p99 under 500 ms need well over "
            f"{args.users / 0.5:,.0f} requests/s, i.e. under "
            f"{info['nproc'] * 1000 / (args.users / 0.5):.1f} ms of CPU per request across the "
            f"{info['nproc']} cores — shared with PostgreSQL and the load client. Measured: the mix "
            f"ran at {rows[1][2]:,.0f} requests/s, at most "
            f"{info['nproc'] * 1000 / rows[1][2] if rows[1][2] else 0:.0f} ms of machine CPU per "
            f"request; one request by itself, through Django's test client on the same database "
            "with the server idle but not the machine (median of 20): a submit "
            f"{cost['submit_q']} queries and "
            f"{cost['submit_ms']:.0f} ms, a read {cost['read_q']} queries and "
            f"{cost['read_ms']:.0f} ms. A submit is a transaction of several writes (the "
            "application, its number, the first step, the audit row, the staff's notifications) "
            "after the token, the data scope, the item's form, the devolution and the working-day "
            "calendar have been read (in a cProfile of 30 submits in-process, about a fifth of the "
            "time was spent waiting on PostgreSQL, the rest in Python: the ORM building queries, "
            "the form, the middleware). Done so far: the item's fields and materials read once "
            "per submit (prefetched, the form built once instead of twice), the center's region "
            "read with the center; the user's role assignments read once per request for both "
            "the reading and the writing scope (23 → 19 queries per submit, 4 → 3 per read), "
            "both deadlines from one read of the calendar, the read's columns named instead of "
            "every column of three wide tables (building that SQL cost more than running it). "
            "Before all of this (9faf645, 4 workers × 8 threads), on the same machine the same "
            "evening: 79 requests/s, p99 7,590 ms. "
            "Workers, the same code and machine, 30 s runs: 4 workers × 8 threads "
            "gave 83 requests/s (p99 8.7 s), 2 × 4 122/s, 4 × 2 124/s, 6 × 1 130/s, 2 × 2 122/s, "
            "3 × 4 129/s and 3 × 2 141/s (p99 3.4 s): with more threads than cores the threads of "
            "one process queue on its interpreter lock, so the default is now 3 × 2. What would "
            "get closer, not measured here: more cores (the work is CPU bound and spreads over "
            "processes), the load client on another machine, PgBouncer in front of PostgreSQL, "
            "read replicas for the reads, a compiled-query cache for the hot paths.",
        ]
    )
    print(section)
    if not args.no_write:
        write_section(TITLE, section)
    if not args.keep:
        connection.close()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
