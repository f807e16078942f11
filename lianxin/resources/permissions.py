"""Who may write what in resources. The ledgers' writes are reserved to roles, each inside the
region its assignment covers (not to every writing role: a finance officer keeps the money, a
center's staff does not; a department reviewer gives opinions and edits nothing else)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from lianxin.core.scoping import VIEW, Scope

PREMISES_WRITERS = frozenset({"city_admin", "district_admin", "street_staff"})
MATCHERS = frozenset({"city_admin", "district_admin"})
FUND_WRITERS = frozenset({"city_admin", "district_admin", "finance_officer"})
APPROVAL_APPLICANTS = frozenset({"city_admin", "district_admin", "street_staff"})


def role_scope(actor, roles: frozenset[str]) -> Scope:
    """Where `actor` holds one of `roles` (cached on the user for the request)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Scope()
    cache = actor.__dict__.setdefault("_lianxin_role_scopes", {})
    if roles not in cache:
        cache[roles] = actor.compute_scope(VIEW, roles)
    return cache[roles]


def may(actor, roles: frozenset[str], path: str) -> bool:
    return role_scope(actor, roles).covers_path(path)


def require(actor, roles: frozenset[str], path: str) -> None:
    """Refuse unless `actor` holds one of `roles` over `path`. Callers have already checked the
    row is visible (a row outside the scope is a 404, not a 403)."""
    if not may(actor, roles, path):
        raise PermissionDenied(_("您没有此项操作的权限。"))
