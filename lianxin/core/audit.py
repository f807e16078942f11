"""The audit log: every service function calls `record` inside its transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .middleware import current_request_info
from .models import AuditLog

# Fields whose values never go into the log in clear (they are personal data).
SECRET_SUFFIXES = ("_encrypted", "_digest", "password")


def _plain(value):
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _as_stored(obj: models.Model, name: str, value):
    """A Decimal at its column's scale (250 → 250.00), so that an equal value never reads as a
    change (which would bump the version and write a false audit row)."""
    if isinstance(value, Decimal) and value.is_finite():
        try:
            places = getattr(obj._meta.get_field(name), "decimal_places", None)
            if places is not None:
                return value.quantize(Decimal(1).scaleb(-places))
        except (FieldDoesNotExist, InvalidOperation):
            pass
    return value


def snapshot(obj: models.Model, fields=None) -> dict:
    names = fields or [f.attname for f in obj._meta.concrete_fields if not f.primary_key]
    out = {}
    for name in names:
        if name.endswith(SECRET_SUFFIXES):
            out[name] = "***"
        else:
            out[name] = _plain(_as_stored(obj, name, getattr(obj, name)))
    return out


def diff(before: dict, after: dict) -> dict:
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(actor, action: str, target: models.Model | None = None, **details) -> AuditLog:
    """Write one audit row now (see `entry` for the arguments)."""
    row = entry(actor, action, target, **details)
    row.save()
    return row


def entry(
    actor,
    action: str,
    target: models.Model | None = None,
    *,
    changes=None,
    note="",
    target_type: str = "",
    target_repr: str = "",
) -> AuditLog:
    """The audit row `record` writes, unsaved: services that write many rows at once (the ledger
    import) collect one per row and save them with one bulk insert, in the same transaction."""
    info = current_request_info()
    actor_obj = actor if getattr(actor, "pk", None) else None
    return AuditLog(
        actor=actor_obj,
        actor_repr=(actor.get_username() if actor_obj else "system")[:150],
        action=action,
        target_type=target_type or (target._meta.label_lower if target is not None else ""),
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=(target_repr or (str(target) if target is not None else ""))[:200],
        changes=changes or {},
        note=note[:300],
        ip=info.get("ip"),
        user_agent=info.get("user_agent", ""),
        region_path=getattr(target, "region_path", "") or getattr(target, "path", "") or "",
    )
