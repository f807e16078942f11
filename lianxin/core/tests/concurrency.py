"""Racing writes on a real database (PostgreSQL): the calls run in threads released together."""

from __future__ import annotations

import threading

from django.db import connections


def race(*calls) -> list:
    """Run the calls in threads released together; each result is the value or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the loser's error is the point
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results
