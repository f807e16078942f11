"""The resources demo: Hedong's premises ledgers with matches (河东 三本账), Baodi's and Ninghe's
fund ledgers (资金专账), Nankai's joint approvals with a few letters in lieu of permits (以函代证).
Each part lives in its own module with the same three functions: `accounts(password)`, `clear()`
and `build(seed, today)`; this one runs them in order (the approvals and funds stand on the
campaign's plans, the matches on the centers' ledger)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from . import demo_approvals, demo_funds, demo_premises

PARTS = (demo_premises, demo_funds, demo_approvals)


def accounts(password: str) -> list[str]:
    """The demo accounts each district story needs, made once; returns those created."""
    made: list[str] = []
    for part in PARTS:
        made += part.accounts(password)
    return made


def present() -> bool:
    from .models import ApprovalCase, FundSource, Premises

    return any(
        m.objects.filter(is_demo=True).exists() for m in (Premises, FundSource, ApprovalCase)
    )


def clear() -> None:
    for part in reversed(PARTS):
        part.clear()


@transaction.atomic
def build(seed: int = 20200423, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    clear()
    counts: dict = {}
    for part in PARTS:
        counts |= part.build(seed, today)
    return counts
