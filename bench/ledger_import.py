#!/usr/bin/env python
"""Benchmark: importing a 6,000-row ledger (工作台账) on PostgreSQL, against baselines measured in
the same run on the same database.

    .venv/bin/python bench/ledger_import.py [--admin-url URL] [--db NAME] [--reuse-seed]
                                            [--keep-seed] [--no-docs] [--check]

1. a scratch database seeded once (untimed): migrate, `import_regions --province 12`, `seed_demo`
   (5,916 demo centers), kept as a template (`<db>_seed`) and cloned for the run, so the import
   always starts from the same rows;
2. the ledger: the city's own export of every center, edited the way districts edit theirs —
   every floor area changed and written as "1,234㎡" / "1234平方米" / full-width digits, household
   counts as "1,200户", codes as number cells and in scientific notation, every tenth name in
   traditional characters, status changes dated like "2026年1月5日", renovation acceptances
   as "2021/5/6" — plus repeated identical rows, 6,000 rows in all;
3. baselines, best of 3: (a) python-calamine reading the same file into Python rows, nothing else;
   (b) raw SQL: one `UPDATE centers_center SET floor_area, households, version` per center
   (psycopg `executemany` in one transaction, rolled back) — what storing the changed values
   costs the database alone, without checks, history, levels or audit;
4. the import as the `city` user through `ledger.import_ledger`: a dry run (read, parse, plan),
   then the real import, all through centers.services (scope, version, audit, area
   re-assessment); checks that every center holds the file's values and that every write left
   an audit row; then the same file again: "nothing changed", and nothing written;
5. writes the "Ledger import" section of docs/performance.md (other sections are kept) and drops
   the run's database (and the template unless --keep-seed).

Target (from the issue): a 6,000-row ledger imports in under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _common import DOCS, log, machine, write_section  # noqa: E402

SECTION = "## Ledger import (6,000 rows)"
TARGET_S = 10.0
ROWS = 6000
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=900,
    )


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


# --- the ledger ------------------------------------------------------------------------------


def build_ledger(city, today: dt.date) -> tuple[bytes, dict]:
    """The city's export, edited like a district's ledger; and what each center should become."""
    import openpyxl

    from lianxin.centers import ledger
    from lianxin.centers.ledger import COLUMNS, to_simplified
    from lianxin.centers.models import Center
    from lianxin.centers.queries import visible_centers

    col = {c.key: i for i, c in enumerate(COLUMNS)}
    _flt, qs = visible_centers(city, {})
    exported = io.BytesIO()
    ledger.write_ledger(exported, ledger.ledger_rows(qs, today))
    book = openpyxl.load_workbook(io.BytesIO(exported.getvalue()))
    ws = book.worksheets[0]
    import opencc

    traditional = opencc.OpenCC("s2t")
    status_day = f"{today.year}年{today.month}月{today.day}日"
    expected: dict[str, dict] = {}
    kinds = dict(Center.objects.values_list("region__code", "kind"))
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    out = openpyxl.Workbook()
    sheet = out.active
    sheet.title = "台账"
    sheet.append([c.value for c in ws[1]])
    for i, row in enumerate(rows):
        row = list(row)
        code = row[col["code"]]
        area = (row[col["floor_area"]] or 300) + 10 + i % 7
        want = {"floor_area": round(area, 2), "kind": kinds[code]}
        spelled = [f"{area:,.0f}㎡", f"{area:.0f}平方米", f"{area:.0f}".translate(FULL_WIDTH)]
        row[col["floor_area"]] = spelled[i % 3]
        if row[col["households"]] is not None:
            households = row[col["households"]] + 1
            row[col["households"]] = f"{households:,}户"
            want["households"] = households
        row[col["code"]] = float(code) if i % 2 else (f"{int(code):.11E}" if i % 5 == 0 else code)
        if i % 10 == 0:
            row[col["name"]] = " " + traditional.convert(row[col["name"]]) + " "
            want["name"] = to_simplified(row[col["name"]].strip())
        if i % 12 == 0 and row[col["status"]] != "已投入使用":
            row[col["status"]] = "已投入使用"
            row[col["status_from"]] = status_day
            want["status"] = "in_use"
        if i % 15 == 0 and row[col["renovation"]] == "未评估":
            row[col["renovation"]] = "是"
            row[col["renovation_on"]] = "2021/5/6"
            want["renovation"] = dt.date(2021, 5, 6)
        sheet.append(row)
        expected[code] = want
    for row in list(sheet.iter_rows(min_row=2, max_row=ROWS - len(rows) + 1, values_only=True)):
        sheet.append(list(row))  # repeated identical rows, understood once
    data = io.BytesIO()
    out.save(data)
    return data.getvalue(), expected


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LIANXIN_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--db", default="lianxin_bench_ledger")
    parser.add_argument("--reuse-seed", action="store_true", help="reuse <db>_seed if it exists")
    parser.add_argument("--keep-seed", action="store_true", help="keep <db>_seed afterwards")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        sys.exit("--db: lower-case letters, digits and _ only")

    import psycopg

    seed = f"{args.db}_seed"
    base = args.admin_url.rsplit("/", 1)[0]
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [seed]).fetchone()
        if not (exists and args.reuse_seed):
            admin.execute(f'DROP DATABASE IF EXISTS "{seed}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{seed}"')
            env = os.environ | {"LIANXIN_DATABASE_URL": f"{base}/{seed}", "LIANXIN_DEBUG": "1"}
            log(f"database {seed}: migrate, import Tianjin, seed the demo (untimed)")
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "import_regions", "--province", "12")
            manage(env, "seed_demo")
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db}" TEMPLATE "{seed}"')
    log(f"database {args.db} cloned from {seed}; migrating (the seed may predate a migration)")
    manage(
        os.environ | {"LIANXIN_DATABASE_URL": f"{base}/{args.db}", "LIANXIN_DEBUG": "1"},
        "migrate",
        "--noinput",
        "-v0",
    )

    os.environ.update(
        LIANXIN_DATABASE_URL=f"{base}/{args.db}",
        LIANXIN_DEBUG="1",
        DJANGO_SETTINGS_MODULE="lianxin.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from lianxin.accounts.models import User
    from lianxin.centers import ledger
    from lianxin.centers.models import Center, Level, LevelRecord
    from lianxin.core.models import AuditLog

    info = machine()
    try:
        city = User.objects.get(username="city")
        today = timezone.localdate()
        log("building the ledger from the city's export (untimed)")
        data, expected = build_ledger(city, today)
        centers = len(expected)
        log(f"{ROWS:,} rows for {centers:,} centers, {len(data) / 1e6:.1f} MB")

        def upload():
            return SimpleUploadedFile("ledger.xlsx", data)

        read_s = best(
            lambda: (
                CalamineWorkbook.from_filelike(io.BytesIO(data))
                .get_sheet_by_index(0)
                .to_python(skip_empty_area=False)
            )
        )
        ids = dict(Center.objects.values_list("region__code", "id"))
        values = [
            (str(w["floor_area"]), w.get("households"), ids[code]) for code, w in expected.items()
        ]

        def raw_update():
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(
                    "UPDATE centers_center SET floor_area = %s,"
                    " households = COALESCE(%s, households), version = version + 1"
                    " WHERE id = %s",
                    values,
                )
                transaction.set_rollback(True)

        update_s = best(raw_update)
        log(f"baselines: calamine read {read_s:.2f}s, raw UPDATE {update_s:.2f}s")

        started = time.perf_counter()
        dry = ledger.import_ledger(city, upload(), dry_run=True)
        dry_s = time.perf_counter() - started
        if dry.problems:
            sys.exit("the ledger has problems:\n" + "\n".join(str(p) for p in dry.problems[:20]))
        log(f"dry run (read, parse, plan): {dry_s:.2f}s, {dry.changed:,} centers to change")

        audit_before = AuditLog.objects.count()
        levels_before = LevelRecord.objects.count()
        started = time.perf_counter()
        result = ledger.import_ledger(city, upload())
        import_s = time.perf_counter() - started
        if not result.applied:
            sys.exit("the import failed:\n" + "\n".join(str(p) for p in result.problems[:20]))
        log(f"import: {import_s:.2f}s; {result.changed:,} centers changed")

        # Every center holds the file's values; every write left an audit row.
        wrong = []
        stored = {
            c.region.code: c
            for c in Center.objects.select_related("region").filter(region__code__in=expected)
        }
        renovated = set(
            LevelRecord.objects.filter(
                level=Level.RENOVATION, source="ledger", effective_on=dt.date(2021, 5, 6)
            ).values_list("center__region__code", flat=True)
        )
        for code, want in expected.items():
            c = stored[code]
            got = {"floor_area": float(c.floor_area), "kind": c.kind}
            for key in ("households", "name", "status"):
                if key in want:
                    got[key] = getattr(c, key)
            if "renovation" in want:
                got["renovation"] = want["renovation"] if code in renovated else None
            if got != want:
                wrong.append((code, want, got))
        if wrong:
            sys.exit(f"{len(wrong)} centers differ from the file, e.g. {wrong[:3]}")
        assessed = sum(1 for w in expected.values() if w["kind"] in ("village", "community"))
        writes = result.changed + assessed + result.status_changes + result.renovations
        audited = AuditLog.objects.count() - audit_before
        if audited != writes:
            sys.exit(f"{writes} writes but {audited} audit rows")
        new_levels = LevelRecord.objects.count() - levels_before
        log(f"checked: values as in the file, {audited:,} audit rows, {new_levels:,} level records")

        audit_before = AuditLog.objects.count()
        started = time.perf_counter()
        again = ledger.import_ledger(city, upload())
        again_s = time.perf_counter() - started
        unchanged = again.ok and again.changed == 0 and AuditLog.objects.count() == audit_before
        if not unchanged:
            sys.exit(f"the second import changed something: {again.changed} centers")
        log(f"same file again: {again_s:.2f}s, nothing changed")
    finally:
        connection.close()
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            if not args.keep_seed:
                admin.execute(f'DROP DATABASE IF EXISTS "{seed}" WITH (FORCE)')
        log(f"database {args.db} dropped" + ("" if args.keep_seed else f", and {seed}"))

    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ok = import_s < TARGET_S
    rows = [
        ("python-calamine reads the file (baseline a)", read_s, None),
        ("raw SQL: one UPDATE per center, no checks or audit (baseline b)", update_s, None),
        ("import, dry run: read, parse, plan (bulk reads)", dry_s, None),
        ("import: all of it, through centers.services", import_s, import_s),
        ("the same file again: nothing changed", again_s, None),
    ]
    print()
    print(f"{'step':<66} {'wall s':>7} {'× a':>6} {'× b':>6}")
    for name, secs, _ in rows:
        print(f"{name:<66} {secs:>7.2f} {secs / read_s:>6.1f} {secs / update_s:>6.1f}")
    print(f"\ntarget (< {TARGET_S:g} s): {'met' if ok else 'NOT met'} ({import_s:.2f} s)")
    if args.no_docs:
        sys.exit(1 if args.check and not ok else 0)

    table = "\n".join(
        ["| step | wall time | × calamine read | × raw UPDATE |", "|---|---|---|---|"]
        + [
            f"| {name} | {secs:.2f} s | {secs / read_s:.1f}× | {secs / update_s:.1f}× |"
            for name, secs, _ in rows
        ]
    )
    per_center = import_s / max(1, result.changed) * 1000
    section = "\n\n".join(
        [
            SECTION,
            f"Measured by `bench/ledger_import.py` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}:"
            f" {info['nproc']} CPUs ({info['cpu']}), {info['memory']} of memory, PostgreSQL,"
            f" Python {info['python']}; load average {info['load']} at the start and {load_end}"
            " at the end.",
            f"The ledger: the `city` user's export of the Tianjin demo ({centers:,} centers), edited"
            " as districts edit theirs — every floor area changed and written as “1,234㎡”,"
            " “1234平方米” or in full-width digits, household counts as “1,200户”, codes as number"
            " cells and in scientific notation, every tenth name in traditional characters, status"
            " changes dated like “2026年1月5日”, renovation acceptances dated “2021/5/6” — plus"
            f" {ROWS - centers} repeated identical rows: {ROWS:,} rows, {len(data) / 1e6:.1f} MB."
            " Baselines, best of 3, on the same file and database: (a) python-calamine reading"
            " the sheet into Python rows; (b) one raw `UPDATE` per center of the new floor area,"
            " households and version (psycopg `executemany`, one transaction, rolled back).",
            table,
            "\n".join(
                [
                    f"- Target, under {TARGET_S:g} s: {'met' if ok else '**not met**'}"
                    f" ({import_s:.2f} s; {per_center:.2f} ms per changed center).",
                    f"- What the import did: {result.changed:,} centers changed"
                    f" ({result.field_changes:,} field changes, {result.status_changes:,} status"
                    f" changes, {result.renovations:,} renovation acceptances), {assessed:,} area"
                    f" re-assessments, {audited:,} audit rows; {result.duplicates} repeated rows"
                    " understood once. Every center was checked to hold the file's values.",
                    "- Every change goes through `centers.services`, in its set-based form"
                    " (`update_centers`, `set_centers_status`, `record_renovations`: the rules of"
                    " `update_center`, `set_center_status` and `record_renovation`, a few queries"
                    " per 2,000 centers): the actor's scope checked before and after the write,"
                    " the rows locked and their versions compared, each center validated by the"
                    " model, an audit row per change, the area level re-assessed with the rule"
                    " set read once; all in one transaction. The plan (what each row changes,"
                    " every problem found) reads in bulk too: centers, open status periods and"
                    " renovation records, a few queries per 2,000 codes.",
                    "- How it got here: calling `update_center` once per center took 61 s"
                    " (about 13 queries a center: scope before and after, the foreign-key check,"
                    " the update, the audit row, the rule set, the rooms' area, the level record"
                    " and its audit row); the set-based services with Django's `bulk_update` took"
                    " 20 s (it builds a CASE per row and field in Python); sending the updates"
                    " with `executemany` (psycopg pipelines them) brought it to the figure above.",
                ]
            ),
        ]
    )
    write_section(SECTION, section + "\n")
    log(f"wrote {DOCS.relative_to(ROOT)}")
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
