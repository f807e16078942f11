"""Resources in the permission matrix: funds."""

from __future__ import annotations

ENDPOINTS: list = []
WRITES: list = []


def populate(ctx) -> None:
    pass


def fingerprint():
    return ()
