"""The resources demo: funds (see resources/demo.py)."""

from __future__ import annotations

from datetime import date


def accounts(password: str) -> list[str]:
    return []


def clear() -> None:
    pass


def build(seed: int, today: date) -> dict:
    return {}
