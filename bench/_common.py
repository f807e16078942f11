"""What the benchmarks share: the machine's facts, a log line, and docs/performance.md sections."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
INTRO = """# Performance

Figures measured by the scripts in `bench/` (not by the test suite: timed tests are flaky). Each
figure is a ratio against a baseline measured in the same run on the same machine, so runs on
different machines compare; absolute times are given for context only. Each script rewrites its
own section below and leaves the others alone.
"""


def log(msg: str) -> None:
    print(f"[bench {dt.datetime.now(dt.UTC):%H:%M:%S}] {msg}", flush=True)


def machine() -> dict:
    info = {"nproc": len(os.sched_getaffinity(0)), "python": platform.python_version()}
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        info["memory"] = "?"
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        info["cpu"] = cpu.group(1).strip()
    except (OSError, AttributeError):
        info["cpu"] = platform.processor() or "?"
    info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def write_section(title: str, section: str) -> None:
    """Replace (or append) the section headed `title` in docs/performance.md."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else INTRO
    section = section.rstrip("\n") + "\n"
    start = text.find(title)
    if start >= 0:
        after = text.find("\n## ", start + len(title))
        end = len(text) if after < 0 else after + 1
        text = text[:start] + section + ("\n" if after >= 0 else "") + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def median_ms(fn, repeat: int) -> float:
    """Median wall time of `fn()` in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
