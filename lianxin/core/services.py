"""The shape every write takes: permission, transaction, validation, version check, audit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .scoping import CHANGE, ensure_visible


class ConflictError(Exception):
    """Someone else saved the row since it was read (optimistic locking by `version`)."""

    def __init__(self):
        super().__init__(_("该记录已被他人修改，请刷新后再编辑。"))


def require_visible(user, obj: models.Model, action: str = CHANGE) -> None:
    if not type(obj).objects.visible_to(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))


def update_fields(
    actor,
    obj: models.Model,
    data: dict,
    *,
    expected_version: int | None = None,
    action: str = "update",
    note: str = "",
    exclude_clean=(),
) -> models.Model:
    """Apply `data` to a scoped row: checked before (may the actor edit it?) and after (is it
    still inside the actor's scope?), validated, version-checked, audited — or nothing at all."""
    require_visible(actor, obj)
    with transaction.atomic():
        before = audit.snapshot(obj, list(data))
        for name, value in data.items():
            setattr(obj, name, value)
        obj.full_clean(exclude=list(exclude_clean), validate_unique=False)
        after = audit.snapshot(obj, list(data))
        changes = audit.diff(before, after)
        if not changes:
            return obj
        if hasattr(obj, "version"):
            current = obj.version if expected_version is None else expected_version
            values = {f: getattr(obj, f) for f in data} | {"version": current + 1}
            if hasattr(obj, "updated_at"):
                values["updated_at"] = timezone.now()
            updated = type(obj).objects.filter(pk=obj.pk, version=current).update(**values)
            if not updated:
                raise ConflictError()
            obj.version = current + 1
        else:
            obj.save(update_fields=list(data))
        ensure_visible(actor, obj)
        audit.record(actor, action, obj, changes=changes, note=note)
    return obj


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}
