"""Data scope (数据范围), enforced in the queryset.

Every org-scoped row carries the materialised path of its region ("120000000000/120103000000/…/").
`Model.objects.visible_to(user)` is the only door for lists, details, API, exports and statistics;
`visible_to(user, "change")` counts only the roles that may write; `visible_to(user, "inspect")` the
roles that may record an inspection (every writing role, and the read-only inspector). Roles combine
by union; no role, no rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

VIEW = "view"
CHANGE = "change"
# Recording an inspection (a finding about a center, not an edit of the registry): writing roles
# and the read-only inspector role, each inside its own scope.
INSPECT = "inspect"


@dataclass(frozen=True)
class Scope:
    subtree: frozenset[str] = field(default_factory=frozenset)  # 本级及以下
    exact: frozenset[str] = field(default_factory=frozenset)  # 本级
    own_records: bool = False  # 仅本人
    everything: bool = False  # system administrators

    def is_empty(self) -> bool:
        return not (self.subtree or self.exact or self.own_records or self.everything)

    def q(self, model: type[models.Model], user) -> Q | None:
        if self.everything:
            return Q()
        path = model.scope_path_field
        parts = [Q(**{f"{path}__startswith": p}) for p in _outermost(self.subtree)]
        parts += [Q(**{path: p}) for p in sorted(self.exact)]
        owner = getattr(model, "scope_owner_field", None)
        if self.own_records and owner:
            parts.append(Q(**{owner: user}))
        return reduce(or_, parts) if parts else None

    def covers_path(self, path: str) -> bool:
        return (
            self.everything or path in self.exact or any(path.startswith(p) for p in self.subtree)
        )


def _outermost(paths) -> list[str]:
    """Drop paths already covered by an ancestor, so the SQL stays short."""
    kept: list[str] = []
    for p in sorted(paths, key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return sorted(kept)


def scope_for(user, action: str = VIEW) -> Scope:
    """The user's scope for an action, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache = user.__dict__.setdefault("_lianxin_scopes", {})
    if action not in cache:
        cache[action] = user.compute_scope(action)
    return cache[action]


class OrgScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = VIEW):
        q = scope_for(user, action).q(self.model, user)
        return self.none() if q is None else self.filter(q)


def path_and_ancestors(path: str) -> list[str]:
    """ "a/b/c/" → ["a/", "a/b/", "a/b/c/"]: the unit's own path and every unit's above it."""
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def ancestor_paths(scope: Scope) -> set[str]:
    """The paths of every unit above the scope's units ("a/b/c/" → "a/", "a/b/")."""
    return {a for path in scope.subtree | scope.exact for a in path_and_ancestors(path)[:-1]}


class AddressedDownQuerySet(OrgScopedQuerySet):
    """Documents a unit sends to the units below it (a city bulletin goes to every district and
    street): readable in the scope as usual, and by every user below the sending unit."""

    def visible_to(self, user, action: str = VIEW):
        scope = scope_for(user, action)
        q = scope.q(self.model, user)
        if q is None:
            return self.none()
        if action == VIEW and not scope.everything:
            q |= Q(**{f"{self.model.scope_path_field}__in": sorted(ancestor_paths(scope))})
        return self.filter(q)


def ensure_visible(user, obj, action: str = CHANGE) -> None:
    """Refuse a write whose row is (or has become) outside the user's scope. Called after the save
    inside the service's transaction, so moving a site out of one's own district rolls back."""
    if not type(obj).objects.visible_to(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("该记录不在您的数据范围内。"))


def under_code(code: str, field: str = "region_path") -> Q:
    """Rows at or below the unit with this division code (6 or 12 digits), by their path."""
    code = code.strip().ljust(12, "0")
    return Q(**{f"{field}__startswith": f"{code}/"}) | Q(**{f"{field}__contains": f"/{code}/"})
