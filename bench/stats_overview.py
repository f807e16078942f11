#!/usr/bin/env python
"""Benchmark: the overview and battle-map data endpoints for the whole city, against the raw SQL
aggregate computing the same figures on the same database in the same run.

    .venv/bin/python bench/stats_overview.py [--admin-url URL] [--db NAME] [--repeat N] [--keep]

1. drops and creates a scratch PostgreSQL database (default `lianxin_bench_stats`), migrates it,
   imports Tianjin and seeds the demo (untimed);
2. baseline: a hand-written SQL aggregate (DISTINCT ON per unit, center and level, then FILTERed
   counts per district) giving the city's figures as of the date, median of --repeat;
3. the endpoints through Django's full stack (middleware, session auth, scope, JSON), as `city`:
   GET /api/v1/stats/overview?region=12&as_of=… and GET /api/v1/stats/centers?region=<district>;
   the baseline's figures must equal the endpoint's (else the run fails);
4. writes the "Statistics endpoints" section of docs/performance.md and drops the database.

Targets (from the issue): within 2× the raw SQL, and under 300 ms on the Tianjin demo.
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

TITLE = "## Statistics endpoints (overview and battle map)"
RATIO_TARGET, MS_TARGET = 2.0, 300.0
DAYS = [date(2019, 6, 30), date(2020, 4, 23), date(2026, 11, 1)]

BASELINE_SQL = """
WITH unit AS (
    SELECT DISTINCT ON (region_id) region_id, kind, status FROM regions_regionstatus
    WHERE (valid_from IS NULL OR valid_from <= %(day)s) AND (valid_to IS NULL OR valid_to > %(day)s)
      AND status IN ('active', 'demolishing', 'converted')
    ORDER BY region_id, valid_from DESC NULLS LAST
), state AS (
    SELECT DISTINCT ON (center_id) center_id, status FROM centers_centerstatusperiod
    WHERE valid_from <= %(day)s AND (valid_to IS NULL OR valid_to > %(day)s)
    ORDER BY center_id, valid_from DESC
), lvl AS (
    SELECT center_id,
      bool_or(compliant) FILTER (WHERE level = 'area') AS area,
      bool_or(compliant) FILTER (WHERE level = 'renovation') AS renovation,
      bool_or(compliant) FILTER (WHERE level = 'use') AS use
    FROM (SELECT DISTINCT ON (center_id, level) center_id, level, compliant
          FROM centers_levelrecord WHERE effective_on <= %(day)s
          ORDER BY center_id, level, effective_on DESC, id DESC) latest
    GROUP BY center_id
)
SELECT c.district_code,
  count(*) FILTER (WHERE u.kind = 'village') AS villages,
  count(*) FILTER (WHERE u.kind = 'village' AND u.status = 'demolishing') AS villages_demolished,
  count(*) FILTER (WHERE u.kind = 'village' AND u.status <> 'demolishing' AND l.area)
    AS villages_area,
  count(*) FILTER (WHERE u.kind = 'community') AS communities,
  count(*) FILTER (WHERE u.kind = 'community' AND u.status = 'demolishing')
    AS communities_demolished,
  count(*) FILTER (WHERE u.kind = 'community' AND u.status <> 'demolishing' AND l.renovation
                   AND s.status = 'in_use') AS communities_renovated_in_use,
  count(*) FILTER (WHERE u.status <> 'demolishing' AND l.use) AS use_done
FROM centers_center c
JOIN unit u ON u.region_id = c.region_id
LEFT JOIN state s ON s.center_id = c.id
LEFT JOIN lvl l ON l.center_id = c.id
WHERE c.region_path LIKE '120000000000/%%' AND c.kind IN ('village', 'community')
GROUP BY c.district_code ORDER BY c.district_code
"""

POINTS_SQL = """
SELECT c.id, r.code, c.name, u.kind, s.status, c.longitude, c.latitude,
       a.compliant, v.compliant, x.compliant
FROM centers_center c
JOIN regions_region r ON r.id = c.region_id
JOIN regions_regionstatus u ON u.region_id = c.region_id
  AND (u.valid_from IS NULL OR u.valid_from <= %(day)s) AND (u.valid_to IS NULL OR u.valid_to > %(day)s)
  AND u.status IN ('active', 'demolishing', 'converted')
LEFT JOIN centers_centerstatusperiod s ON s.center_id = c.id
  AND s.valid_from <= %(day)s AND (s.valid_to IS NULL OR s.valid_to > %(day)s)
LEFT JOIN centers_levelrecord a ON a.center_id = c.id AND a.level = 'area'
  AND a.effective_on <= %(day)s AND (a.valid_to IS NULL OR a.valid_to > %(day)s)
LEFT JOIN centers_levelrecord v ON v.center_id = c.id AND v.level = 'renovation'
  AND v.effective_on <= %(day)s AND (v.valid_to IS NULL OR v.valid_to > %(day)s)
LEFT JOIN centers_levelrecord x ON x.center_id = c.id AND x.level = 'use'
  AND x.effective_on <= %(day)s AND (x.valid_to IS NULL OR x.valid_to > %(day)s)
WHERE c.district_code = %(district)s AND c.kind IN ('village', 'community')
ORDER BY r.code
"""


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LIANXIN_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--db", default="lianxin_bench_stats")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    import psycopg

    url = args.admin_url.rsplit("/", 1)[0] + "/" + args.db
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        admin.execute(f'CREATE DATABASE "{args.db}"')
    env = os.environ | {"LIANXIN_DATABASE_URL": url, "LIANXIN_DEBUG": "1"}
    log(f"database {args.db}: migrate, import Tianjin, seed the demo (untimed)")
    manage(env, "migrate", "--noinput")
    manage(env, "import_regions", "--province", "12")
    manage(env, "seed_demo")

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from lianxin.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="city"))
    info = machine()
    rows = []
    ok = True
    for day in DAYS:

        def raw(day=day):
            with connection.cursor() as cur:
                cur.execute(BASELINE_SQL, {"day": day})
                return cur.fetchall()

        def endpoint(day=day):
            response = client.get(f"/api/v1/stats/overview?region=12&as_of={day}")
            assert response.status_code == 200, response.content[:300]
            return response.json()

        body, baseline = endpoint(), raw()
        got = sorted(
            (
                c["code"],
                c["villages"]["total"],
                c["villages"]["demolished"],
                c["villages"]["area_compliant"],
                c["communities"]["total"],
                c["communities"]["demolished"],
                c["communities"]["renovated_in_use"],
                c["levels"]["use"]["done"],
            )
            for c in body["children"]
        )
        if got != [tuple(r) for r in baseline]:
            sys.exit(f"figures differ on {day}:\n endpoint {got[:3]}…\n raw SQL {baseline[:3]}…")
        sql_ms, api_ms = median_ms(raw, args.repeat), median_ms(endpoint, args.repeat)
        rows.append((f"overview, city, as of {day}", sql_ms, api_ms))
        log(f"overview {day}: raw SQL {sql_ms:.1f} ms, endpoint {api_ms:.1f} ms")

    district, day = "120116000000", DAYS[1]

    def raw_points():
        with connection.cursor() as cur:
            cur.execute(POINTS_SQL, {"day": day, "district": district})
            return cur.fetchall()

    def points():
        response = client.get(f"/api/v1/stats/centers?region={district}&as_of={day}")
        assert response.status_code == 200
        return response.json()

    if [p["id"] for p in points()] != [r[0] for r in raw_points()]:
        sys.exit("the points endpoint and the raw SQL list different centers")
    sql_ms, api_ms = median_ms(raw_points, args.repeat), median_ms(points, args.repeat)
    rows.append((f"battle-map points, 滨海新区, as of {day}", sql_ms, api_ms))
    log(f"points: raw SQL {sql_ms:.1f} ms, endpoint {api_ms:.1f} ms")

    lines = [
        "| request | raw SQL ms | endpoint ms | × raw SQL |",
        "|---|---|---|---|",
    ]
    for name, sql_ms, api_ms in rows:
        ratio = api_ms / sql_ms
        ok &= ratio <= RATIO_TARGET and api_ms < MS_TARGET
        lines.append(f"| {name} | {sql_ms:.1f} | {api_ms:.1f} | {ratio:.1f}× |")
    worst_ratio = max(api / sql for _n, sql, api in rows)
    worst_ms = max(api for _n, _s, api in rows)
    section = "\n".join(
        [
            TITLE,
            "",
            f"Measured by `bench/stats_overview.py` on {date.today()}: {info['nproc']} CPUs "
            f"({info['cpu']}), {info['memory']}, Python {info['python']}, PostgreSQL, the Tianjin "
            f"demo (5,916 centers); load average {info['load']}. Medians of {args.repeat} runs after "
            "a warm-up. Baseline: a hand-written SQL aggregate (DISTINCT ON per unit, center and "
            "level, FILTERed counts per district) giving the same figures, which the run checks "
            "equal; endpoint: the full request through Django as `city` (session, scope, JSON).",
            "",
            *lines,
            "",
            f"- Target within {RATIO_TARGET:g}× the raw SQL: {'met' if worst_ratio <= RATIO_TARGET else '**not met**'} "
            f"(worst {worst_ratio:.1f}×).",
            f"- Target under {MS_TARGET:g} ms: {'met' if worst_ms < MS_TARGET else '**not met**'} "
            f"(worst {worst_ms:.0f} ms).",
        ]
    )
    write_section(TITLE, section)
    print("\n".join(lines))
    if not args.keep:
        connection.close()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
