#!/usr/bin/env python
"""Benchmark: the campaign's busiest pages on the whole Tianjin demo — server time and query
count — against a bare page through the same stack in the same run.

    .venv/bin/python bench/campaign_pages.py [--admin-url URL] [--db NAME] [--repeat N] [--keep]

1. drops and creates a scratch PostgreSQL database (default `lianxin_bench_pages`), migrates it,
   imports Tianjin and seeds the demo with its campaign (untimed);
2. baseline: the notifications page of the same user — the same middleware, session, scope
   lookup and page chrome, with almost nothing to show;
3. the pages, through Django's full stack: the campaign overview as `city` (16 districts) and as
   `hexi` (its streets), the plan list as `city`, the leader's "my sites" as `leader`, the
   leader list as `city`; the query count of each (a fixed number: the committed baselines in
   lianxin/campaign/tests/query_counts.json are checked by the test suite at two sizes);
4. writes the "Campaign pages" section of docs/performance.md and drops the database.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, log, machine, median_ms, write_section  # noqa: E402

TITLE = "## Campaign pages (overview, my sites, lists)"
PAGES = [
    ("campaign overview (2019–2020 campaign), city", "city", "/campaign/?campaign={campaign}"),
    ("campaign overview (2019–2020 campaign), 河西区", "hexi", "/campaign/?campaign={campaign}"),
    ("plan list, city, first page", "city", "/campaign/plans/?campaign={campaign}"),
    ("my sites, the 河西区 leader", "leader", "/campaign/my-sites/"),
    ("leader list, city", "city", "/campaign/leaders/"),
]


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=900,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LIANXIN_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--db", default="lianxin_bench_pages")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    import psycopg

    url = args.admin_url.rsplit("/", 1)[0] + "/" + args.db
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db}"')
    env = os.environ | {
        "LIANXIN_DATABASE_URL": url,
        "LIANXIN_DEBUG": "1",
        "LIANXIN_TASKS": "immediate",
    }
    log(f"database {args.db}: migrate, import Tianjin, seed the demo (untimed)")
    manage(env, "migrate", "--noinput")
    manage(env, "import_regions", "--province", "12")
    manage(env, "seed_demo")

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lianxin.accounts.models import User
    from lianxin.campaign.models import Campaign, Plan

    # As Django's test client does in tests: keep the connection across requests, so that the
    # queries of one request can be counted (and no reconnect is timed).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    campaign = Campaign.objects.get(starts_on__year=2019).pk
    clients = {}

    def client(username):
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        return clients[username]

    def get(username, path):
        def fetch():
            response = client(username).get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return fetch

    rows = []
    for name, username, pattern in PAGES:
        path = pattern.format(campaign=campaign)
        page, bare = get(username, path), get(username, "/notifications/")
        page()
        reset_queries()  # DEBUG keeps a log that each request clears: count from empty
        with CaptureQueriesContext(connection) as ctx:
            page()
        base_ms, page_ms = median_ms(bare, args.repeat), median_ms(page, args.repeat)
        rows.append((name, base_ms, page_ms, len(ctx.captured_queries)))
        log(f"{name}: bare {base_ms:.1f} ms, page {page_ms:.1f} ms, {len(ctx)} queries")

    info = machine()
    lines = [
        "| page | bare page ms | page ms | × bare | queries |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {base:.1f} | {ms:.1f} | {ms / base:.1f}× | {queries} |"
            for name, base, ms, queries in rows
        ),
    ]
    section = "\n".join(
        [
            TITLE,
            "",
            f"Measured by `bench/campaign_pages.py` on {date.today()}: {info['nproc']} CPUs "
            f"({info['cpu']}), {info['memory']}, Python {info['python']}, PostgreSQL, the Tianjin "
            f"demo ({Plan.objects.count():,} plans); load average {info['load']}. Medians of "
            f"{args.repeat} requests after a warm-up, in-process through Django's full stack "
            "(session, scope, templates). Baseline: the same user's notifications page (the same "
            "stack and page chrome, almost no content). The query counts do not grow with the "
            "number of sites: the test suite checks each page at two sizes against the committed "
            "counts in `lianxin/campaign/tests/query_counts.json`.",
            "",
            *lines,
        ]
    )
    write_section(TITLE, section)
    if not args.keep:
        connection.close()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
