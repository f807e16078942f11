"""Resources in the permission matrix (see lianxin/core/tests/test_permission_matrix.py): each
subject's module adds its endpoints, writes, rows (`populate`) and fingerprint."""

from __future__ import annotations

from . import matrix_approvals, matrix_funds, matrix_premises

PARTS = (matrix_premises, matrix_funds, matrix_approvals)

ENDPOINTS: list = [e for part in PARTS for e in part.ENDPOINTS]
WRITES: list = [w for part in PARTS for w in part.WRITES]


def populate(ctx) -> None:
    for part in PARTS:
        part.populate(ctx)


def fingerprint():
    return tuple(part.fingerprint() for part in PARTS)
