"""Helpers the services pages share: the items a staff member may read, the units they may
publish for, the parts a status change may be made in (window or upper level), filters' small
parsers, and how a service's ValidationError comes back onto a page."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.core.scoping import CHANGE, VIEW, ancestor_paths, scope_for
from lianxin.core.services import field_errors
from lianxin.regions.models import Level, Region

from . import services, workflow
from .models import ServiceItem


def is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def clip(params, name: str, limit: int = 60) -> str:
    return (params.get(name) or "").strip()[:limit]


def day(params, name: str) -> date | None:
    try:
        return date.fromisoformat(clip(params, name, 10))
    except ValueError:
        return None


def code12(value: str) -> str:
    return value.ljust(12, "0") if value.isdigit() and len(value) <= 12 else ""


def pk_param(params, name: str) -> int | None:
    value = clip(params, name, 12)
    return int(value) if value.isdigit() else None


def items_for(user, action: str = VIEW):
    """The catalogue a staff member reads: the items of their own units and those published
    above them (the city's list reaches every district, a district's own list stays there)."""
    scope = scope_for(user, action)
    q = scope.q(ServiceItem, user)
    if q is None:
        return ServiceItem.objects.none()
    if action == VIEW and not scope.everything:
        q |= Q(region_path__in=sorted(ancestor_paths(scope)))
    return ServiceItem.objects.filter(q)


def publishing_units(user) -> list[Region]:
    """Units a user may publish catalogue items for: the city or districts inside their writing
    scope (a street does not keep a catalogue of its own)."""
    scope = scope_for(user, CHANGE)
    if scope.is_empty():
        return []
    return list(
        Region.objects.visible_to(user, CHANGE).filter(level__lte=Level.COUNTY).order_by("code")
    )


def districts_for(user) -> list[Region]:
    return list(Region.objects.visible_to(user).filter(level=Level.COUNTY).order_by("code"))


def next_statuses(user, application) -> list[str]:
    """The changes the user may make now as staff (window or the level above), once each, in
    the table's order: the buttons of the application page."""
    roles = services.roles_of(user, application) - {workflow.RESIDENT}
    out: list[str] = []
    for role in (workflow.WINDOW, workflow.UPPER):
        if role in roles:
            out += [s for s in workflow.next_statuses(application, role) if s not in out]
    return out


def errors_of(exc: ValidationError) -> dict[str, list[str]]:
    return field_errors(exc)


def flash(request, exc: ValidationError, labels: dict | None = None) -> None:
    for field, msgs in field_errors(exc).items():
        label = (labels or {}).get(field)
        text = " ".join(msgs)
        messages.error(request, _("%(l)s：%(e)s") % {"l": label, "e": text} if label else text)


def flash_form(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = " ".join(errors)
        messages.error(request, _("%(l)s：%(e)s") % {"l": label, "e": text} if label else text)
