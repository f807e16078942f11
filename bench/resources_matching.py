#!/usr/bin/env python
"""Benchmark: matching premises to centers short of area for the whole city (三本账), against
the assignment solver alone on the prepared cost matrix, in the same run.

    .venv/bin/python bench/resources_matching.py [--premises N] [--divisible F] [--repeat N]
                                                 [--distance M] [--no-docs] [--check]

In a child process on a scratch SQLite database (a temporary directory):

1. untimed: migrate, import Tianjin's division tree, the centers' demo (every village and
   community of the city with synthetic coordinates and areas); N synthetic free premises
   generated in memory (half near the centers short of area, half anywhere in the city's
   districts; areas 60–600 m²; a share divisible);
2. timed, the full matching as `resources.services.premises.run_matching` does it before storing:
   the centers short of area read from the database (the standard in force, the city user's
   scope), the candidate pairs within the distance (haversine over centers × premises), the
   components solved exactly (SciPy `linear_sum_assignment`, or the two-phase MILP where a
   divisible premises is involved) and every proposal explained; wall time and peak Python
   memory (tracemalloc);
3. baseline, timed likewise: `scipy.optimize.linear_sum_assignment` alone on the prepared dense
   rectangular cost matrix (short centers × premises, covered m² negated);
4. best of --repeat; the parent writes the section of docs/performance.md.

Target (from the issue): the full matching under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, log, machine, write_section  # noqa: E402

TITLE = "## Premises matching: the whole city"
TARGET_S = 5.0


def _timed(fn):
    """(result, wall seconds, peak Python bytes): timed without tracing (tracemalloc slows
    Python down several times), then run once more under tracemalloc for the peak."""
    started = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    fn()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, elapsed, peak


def child(n_premises: int, divisible: float, distance: int, repeat: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from decimal import Decimal

    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone
    from scipy.optimize import linear_sum_assignment

    from lianxin.accounts import services as accounts
    from lianxin.centers.demo import DemoBuilder
    from lianxin.core import geo
    from lianxin.regions.importer import import_regions
    from lianxin.regions.models import Level, Region
    from lianxin.resources import matching
    from lianxin.resources.services import premises as services

    call_command("migrate", verbosity=0, interactive=False)
    import_regions(settings.DIVISION_SOURCE, "12")
    DemoBuilder(seed=20200423).run()
    city = Region.objects.get(code="120000000000")
    user = accounts.create_staff(
        None, username="bench-city", password="bench-only-1!", org_unit=city
    )
    accounts.assign_role(None, user, "city_admin", city)
    today = timezone.localdate()

    centers, needs, _rule = services.short_centers(user, city, today)
    rng = random.Random(20200423)
    districts = list(Region.objects.filter(level=Level.COUNTY, code__startswith="12"))
    located = [n for n in needs if n.latitude is not None]
    offers = []
    for k in range(n_premises):
        if k % 2 == 0 and located:
            n = rng.choice(located)
            code = rng.choice(centers).district_code
            lon, lat = geo.random_point(code, rng, near=(n.longitude, n.latitude), spread=0.02)
        else:
            lon, lat = geo.random_point(rng.choice(districts).code, rng)
        offers.append(
            matching.Offer(k, lat, lon, Decimal(rng.randint(60, 600)), rng.random() < divisible)
        )

    def full():
        _c, fresh, _r = services.short_centers(user, city, today)
        return matching.match(fresh, offers, distance)

    cand = matching.candidates(needs, offers, distance)
    cost = matching.cost_matrix(cand, len(needs), len(offers))

    best = {"full": None, "solver": None, "read": None, "candidates": None, "solve": None}

    def keep(key, t, m=0):
        if best[key] is None or t < best[key][0]:
            best[key] = (t, m)

    result = None
    for _ in range(repeat):
        result, t_full, m_full = _timed(full)
        keep("full", t_full, m_full)
        _a, t_lsa, m_lsa = _timed(lambda: linear_sum_assignment(cost))
        keep("solver", t_lsa, m_lsa)
        # the parts of the full run, for the record
        t = time.perf_counter()
        services.short_centers(user, city, today)
        keep("read", time.perf_counter() - t)
        t = time.perf_counter()
        c2 = matching.candidates(needs, offers, distance)
        keep("candidates", time.perf_counter() - t)
        t = time.perf_counter()
        matching.solve(c2, len(needs), len(offers))
        keep("solve", time.perf_counter() - t)
    return {
        "engine": "sqlite",
        "centers_short": len(needs),
        "located": len(located),
        "premises": len(offers),
        "divisible": sum(o.divisible for o in offers),
        "candidates": result.candidates,
        "components": result.components,
        "proposals": len(result.proposals),
        "missing": str(result.missing_area),
        "covered": str(result.covered_area),
        "solver": result.solver,
        "matrix": [len(needs), len(offers)],
        "best": best,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--premises", type=int, default=3000)
    parser.add_argument("--divisible", type=float, default=0.2)
    parser.add_argument("--distance", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out = child(args.premises, args.divisible, args.distance, args.repeat)
        print(json.dumps(out, default=str))
        return

    base = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
    base |= {"LIANXIN_SECRET_KEY": "bench-only-not-secret", "LIANXIN_TASKS": "immediate"}
    info = machine()
    with tempfile.TemporaryDirectory(prefix="lx-bench-matching-") as var:
        env = base | {"LIANXIN_VAR_DIR": var}
        log("sqlite: migrate, import Tianjin, the centers' demo, synthetic premises; measure")
        proc = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                "--premises",
                str(args.premises),
                "--divisible",
                str(args.divisible),
                "--distance",
                str(args.distance),
                "--repeat",
                str(args.repeat),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    (t_full, m_full), (t_lsa, m_lsa) = r["best"]["full"], r["best"]["solver"]
    ok = t_full < TARGET_S
    log(f"full matching {t_full:.3f} s ({m_full / 2**20:.1f} MiB); solver alone {t_lsa:.3f} s")
    rows, cols = r["matrix"]
    section = "\n".join(
        [
            TITLE,
            "",
            f"Measured by `bench/resources_matching.py` on {time.strftime('%Y-%m-%d')}: "
            f"{info['nproc']} CPUs ({info['cpu']}), {info['memory']}, Python {info['python']}, "
            f"SQLite; load average {info['load']}. The centers' demo (every village and community "
            f"of Tianjin); {r['centers_short']:,} centers short of area under the standard in "
            f"force ({r['located']:,} with coordinates) against {r['premises']:,} synthetic free "
            f"premises ({r['divisible']:,} divisible; half near the short centers, half anywhere "
            f"in the city), maximum distance {args.distance:,} m; best of {args.repeat}. "
            f"{r['candidates']:,} candidate pairs in {r['components']:,} components; "
            f"{r['proposals']:,} proposals cover {r['covered']} of {r['missing']} m² missing "
            f"({r['solver']}).",
            "",
            "| run | time s | peak Python memory MiB (tracemalloc) | × solver alone |",
            "|---|---|---|---|",
            f"| baseline: `linear_sum_assignment` alone on the prepared {rows:,} × {cols:,} "
            f"cost matrix | {t_lsa:.3f} | {m_lsa / 2**20:.2f} | 1.0× |",
            f"| full matching: short centers read, candidates (haversine), exact solve per "
            f"component, explanations | {t_full:.3f} | {m_full / 2**20:.1f} | "
            f"{t_full / t_lsa if t_lsa else 0:.1f}× |",
            "",
            f"- Target: the full matching under {TARGET_S:.0f} s: "
            f"{'met' if ok else '**not met**'}.",
            f"- Where the full run's time goes (best of {args.repeat}): reading the city's "
            f"centers and judging them against the standard {r['best']['read'][0]:.3f} s, "
            f"candidate pairs {r['best']['candidates'][0]:.3f} s, the exact solve of every "
            f"component {r['best']['solve'][0]:.3f} s.",
            "- The baseline is one dense assignment without the distance tie-break or divisible "
            "premises (which a plain assignment cannot express: a divisible premises serving "
            "several centers up to its area needs the MILP), on a matrix prepared beforehand. "
            "The full run reads every center of the city and solves each distance-limited "
            "component exactly; the components with a divisible premises take the two-phase "
            "MILP (most covered area, then shortest distance), which is most of the solve time.",
        ]
    )
    print(section)
    if not args.no_docs:
        write_section(TITLE, section)
    if args.check and not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
