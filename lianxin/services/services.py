"""Every write of the services app: the catalogue, devolution, applications and their status
changes, attachments, ratings, escalation, and the audited reveal of an ID number.

Each function checks permission, runs in one transaction, writes the audit log, and sends its
notifications (whose e-mails go out after commit). Nothing is written when it raises."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit, crypto
from lianxin.core.notifications import notify
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError, update_fields
from lianxin.core.text import pinyin_initials

from . import deadlines, workflow
from .itemform import application_form, check_upload
from .models import (
    CLOSED,
    Application,
    Attachment,
    Channel,
    Devolution,
    FormField,
    ItemType,
    Material,
    Rating,
    ServiceItem,
    ServiceLevel,
    StandardAnswer,
    Status,
    Step,
    TimeLimit,
)
from .workflow import RESIDENT, SYSTEM, UPPER, WINDOW

# --------------------------------------------------------------------------- helpers


def _covers(actor, path: str) -> bool:
    return bool(path) and scope_for(actor, CHANGE).covers_path(path)


def _require_covers(actor, path: str) -> None:
    if not _covers(actor, path):
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))


def street_path(region_path: str) -> str:
    """The street's path above a center: its path without the last segment."""
    parts = [p for p in region_path.split("/") if p]
    return "/".join(parts[:-1]) + "/" if len(parts) > 1 else ""


def roles_of(actor, application: Application) -> set[str]:
    """What `actor` is for this application: its resident, its window, the level above."""
    roles: set[str] = set()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return roles
    if application.applicant_id and application.applicant_id == actor.pk:
        roles.add(RESIDENT)
    if _covers(actor, application.region_path):
        roles.add(WINDOW)
    if _covers(actor, street_path(application.region_path)):
        roles.add(UPPER)
    return roles


def _staff_at(*region_ids, roles: Iterable[str] = ()) -> list:
    """Users holding a writing role (one of `roles`, if given) on exactly these units (the
    center's own staff, the street's staff): who should hear about a case, not every
    administrator above."""
    from lianxin.accounts.models import RoleAssignment

    assignments = RoleAssignment.objects.filter(
        region_id__in=[r for r in region_ids if r], role__can_write=True
    )
    if roles:
        assignments = assignments.filter(role__code__in=roles)
    return [
        a.user
        for a in assignments.select_related("user")
        # What notify() reads of a recipient, not the whole account (this runs on every submit).
        .only("user__id", "user__is_active", "user__email")
    ]


def _district_admins(code: str) -> list:
    from lianxin.accounts.models import RoleAssignment

    return [
        a.user
        for a in RoleAssignment.objects.filter(
            region__code=code, role__code="district_admin"
        ).select_related("user")
    ]


def _street_region_id(application: Application):
    from lianxin.regions.models import Region

    return Region.objects.filter(code=application.street_code).values_list("pk", flat=True).first()


def _url(application: Application) -> str:
    return f"/services/applications/{application.pk}/"


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _sync(stale: Application, fresh: Application) -> None:
    """Let the caller's object show what was saved."""
    if stale is not fresh:
        for f in Application._meta.concrete_fields:
            setattr(stale, f.attname, getattr(fresh, f.attname))


def _check_version(obj, version) -> None:
    if version is not None and int(version) != obj.version:
        raise ConflictError()


# --------------------------------------------------------------------------- catalogue

ITEM_FIELDS = [
    "code",
    "name",
    "name_en",
    "category",
    "department",
    "legal_basis",
    "level",
    "item_type",
    "certificate_kind",
    "eligibility",
    "fee",
    "online",
    "in_person",
    "description",
    "active",
]


def _item_search_text(name: str, code: str, category: str) -> str:
    return " ".join([name, code, category, pinyin_initials(name)])


def _check_certificate(item: ServiceItem) -> None:
    if item.item_type == ItemType.CERTIFICATE and item.certificate_kind_id is None:
        raise ValidationError({"certificate_kind": [_("证明事项须选择证明类别。")]})


def save_item(actor, item: ServiceItem | None, data: dict) -> ServiceItem:
    """Create (item None) or update a catalogue item. `data` may carry "version" (the one the
    editor read: a stale one raises ConflictError) and, on create, "region" (the publishing
    unit; default the actor's own unit)."""
    data = dict(data)
    version = data.pop("version", None)
    region = data.pop("region", None)
    unknown = set(data) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError({k: [_("该字段不可修改。")] for k in sorted(unknown)})
    if item is None:
        region = region or getattr(actor, "org_unit", None)
        if region is None:
            raise ValidationError({"region": [_("请选择发布单位。")]})
        _require_covers(actor, region.path)
        item = ServiceItem(region=region, region_path=region.path, **data)
        item.search_text = _item_search_text(item.name, item.code, item.category)
        with transaction.atomic():
            item.full_clean()
            _check_certificate(item)
            item.save()
            audit.record(actor, "create", item, changes=audit.diff({}, audit.snapshot(item)))
        return item
    _require_covers(actor, item.region_path)
    if {"name", "code", "category"} & set(data):
        data["search_text"] = _item_search_text(
            data.get("name", item.name),
            data.get("code", item.code),
            data.get("category", item.category),
        )
    with transaction.atomic():
        item = update_fields(
            actor,
            item,
            data,
            expected_version=int(version) if version not in (None, "") else None,
        )
        _check_certificate(item)
        if "certificate_kind" in data and item.certificate_kind_id:
            _check_devolutions_allowed(item)
    return item


def _check_devolutions_allowed(item: ServiceItem) -> None:
    """A certificate item that communities may not issue cannot sit at community level."""
    kind = item.certificate_kind
    if kind is None or kind.community_may_issue:
        return
    today = timezone.localdate()
    if (
        item.devolutions.filter(level=ServiceLevel.COMMUNITY)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .exists()
    ):
        raise ValidationError(
            {
                "certificate_kind": [
                    _("“%(kind)s”不允许村（社区）出具，而该事项已下放到村（社区）。")
                    % {"kind": kind.name}
                ]
            }
        )


def set_time_limit(
    actor, item: ServiceItem, *, working_days: int, valid_from: date, note: str = ""
) -> TimeLimit:
    """A new time limit from `valid_from`; the row in force until then ends that day.
    Applications already submitted keep the limit they were submitted under."""
    _require_covers(actor, item.region_path)
    try:
        days = int(working_days)
    except (TypeError, ValueError):
        raise ValidationError({"working_days": [_("承诺时限须为整数个工作日。")]}) from None
    if days < 1 or days > 365:
        raise ValidationError({"working_days": [_("承诺时限须在 1 到 365 个工作日之间。")]})
    if not isinstance(valid_from, date):
        raise ValidationError({"valid_from": [_("请填写生效日期。")]})
    with transaction.atomic():
        ServiceItem.objects.select_for_update().filter(pk=item.pk).first()
        later = item.time_limits.filter(valid_from__gte=valid_from)
        if later.exists():
            raise ValidationError(
                {"valid_from": [_("已有自该日或更晚生效的承诺时限，生效日期须晚于它。")]}
            )
        previous = list(item.time_limits.filter(valid_to__isnull=True))
        for row in previous:
            row.valid_to = valid_from
            row.save(update_fields=["valid_to"])
        row = TimeLimit.objects.create(
            item=item, working_days=days, valid_from=valid_from, note=note[:200]
        )
        audit.record(
            actor,
            "time_limit",
            item,
            changes={
                "working_days": [previous[-1].working_days if previous else None, days],
                "valid_from": [None, valid_from.isoformat()],
            },
            note=note,
        )
    return row


MATERIAL_FIELDS = ["name", "required", "copies", "source", "check_points", "sort"]
FIELD_FIELDS = ["code", "label", "datatype", "required", "values", "description", "sort"]


def _save_child(actor, item, obj, model, names, data, label):
    _require_covers(actor, item.region_path)
    data = {k: v for k, v in data.items() if k != "version"}
    unknown = set(data) - set(names)
    if unknown:
        raise ValidationError({k: [_("该字段不可修改。")] for k in sorted(unknown)})
    if obj is not None and obj.item_id != item.pk:
        raise PermissionDenied(_("该记录不属于此事项。"))
    with transaction.atomic():
        before = audit.snapshot(obj, names) if obj is not None else {}
        obj = obj or model(item=item)
        for k, v in data.items():
            setattr(obj, k, v)
        obj.full_clean(exclude=["item"])
        if model is FormField:
            _check_field(obj)
        obj.save()
        changes = audit.diff(before, audit.snapshot(obj, names))
        ServiceItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
        audit.record(actor, f"{label}_save", item, changes=changes, note=str(obj))
    return obj


def _check_field(ff: FormField) -> None:
    from .models import Datatype

    if FormField.objects.filter(item_id=ff.item_id, code=ff.code).exclude(pk=ff.pk).exists():
        raise ValidationError({"code": [_("该事项已有代码为“%(c)s”的字段。") % {"c": ff.code}]})
    if ff.datatype in (Datatype.SINGLE, Datatype.MULTI):
        values = ff.values or []
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, dict) and str(v.get("key", "")).strip() for v in values)
        ):
            raise ValidationError(
                {"values": [_("单选、多选字段须至少有一个选项，每个选项须有 key。")]}
            )
        keys = [str(v["key"]) for v in values]
        if len(set(keys)) != len(keys):
            raise ValidationError({"values": [_("选项的 key 不能重复。")]})


def save_material(actor, item: ServiceItem, material: Material | None, data: dict) -> Material:
    return _save_child(actor, item, material, Material, MATERIAL_FIELDS, data, "material")


def delete_material(actor, material: Material) -> None:
    item = material.item
    _require_covers(actor, item.region_path)
    if Attachment.objects.filter(material=material).exists():
        raise ValidationError(
            {"material": [_("已有办件提交了“%(n)s”，不能删除。") % {"n": material.name}]}
        )
    with transaction.atomic():
        audit.record(actor, "material_delete", item, changes={"material": [material.name, None]})
        material.delete()


def save_field(actor, item: ServiceItem, field: FormField | None, data: dict) -> FormField:
    return _save_child(actor, item, field, FormField, FIELD_FIELDS, data, "field")


def delete_field(actor, field: FormField) -> None:
    item = field.item
    _require_covers(actor, item.region_path)
    with transaction.atomic():
        audit.record(actor, "field_delete", item, changes={"field": [field.code, None]})
        field.delete()


# --------------------------------------------------------------------------- devolution


def devolve(
    actor,
    district_region,
    item: ServiceItem,
    *,
    level: str,
    handling_mode: str,
    valid_from: date | None = None,
    note: str = "",
) -> Devolution:
    """权下放: from `valid_from` (default today) `item` is received in this district at `level`
    with `handling_mode`; the devolution in force until then ends that day."""
    from lianxin.regions.models import Level

    from .models import HandlingMode

    if district_region is None or district_region.level != Level.COUNTY:
        raise ValidationError({"district": [_("请选择一个区。")]})
    _require_covers(actor, district_region.path)
    if level not in ServiceLevel.values:
        raise ValidationError({"level": [_("请选择受理层级。")]})
    if handling_mode not in HandlingMode.values:
        raise ValidationError({"handling_mode": [_("请选择办理方式。")]})
    kind = item.certificate_kind
    if level == ServiceLevel.COMMUNITY and (
        (kind is not None and not kind.community_may_issue)
        or (kind is None and item.item_type == ItemType.CERTIFICATE)
    ):
        raise ValidationError(
            {
                "level": [
                    _(
                        "“%(item)s”出具的“%(kind)s”不在村（社区）可出具的证明范围内，"
                        "不能下放到村（社区）。"
                    )
                    % {"item": item.name, "kind": kind.name if kind else _("证明")}
                ]
            }
        )
    valid_from = valid_from or timezone.localdate()
    with transaction.atomic():
        rows = Devolution.objects.select_for_update().filter(district=district_region, item=item)
        if rows.filter(valid_from__gte=valid_from).exists():
            raise ValidationError(
                {"valid_from": [_("该区已有自该日或更晚生效的下放设置，生效日期须晚于它。")]}
            )
        for row in rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)):
            row.valid_to = valid_from
            row.save(update_fields=["valid_to"])
        devolution = Devolution.objects.create(
            district=district_region,
            region_path=district_region.path,
            item=item,
            level=level,
            handling_mode=handling_mode,
            valid_from=valid_from,
            note=note[:200],
        )
        audit.record(
            actor,
            "devolve",
            devolution,
            changes={
                "level": [None, level],
                "handling_mode": [None, handling_mode],
                "valid_from": [None, valid_from.isoformat()],
            },
            note=note,
        )
    return devolution


def end_devolution(actor, devolution: Devolution, *, valid_to: date) -> Devolution:
    _require_covers(actor, devolution.region_path)
    if not isinstance(valid_to, date):
        raise ValidationError({"valid_to": [_("请填写失效日期。")]})
    if devolution.valid_from and valid_to <= devolution.valid_from:
        raise ValidationError({"valid_to": [_("失效日期须晚于生效日期。")]})
    with transaction.atomic():
        before = devolution.valid_to
        devolution.valid_to = valid_to
        devolution.save(update_fields=["valid_to"])
        audit.record(
            actor,
            "end_devolution",
            devolution,
            changes={"valid_to": [before.isoformat() if before else None, valid_to.isoformat()]},
        )
    return devolution


# --------------------------------------------------------------------------- applications


def _number(day: date, pk: int) -> str:
    """SQ + the day of receipt + the row's id: unique without a shared counter, so concurrent
    submits never queue on one another (a per-day MAX()+1 retried under 200 concurrent residents
    in the load bench and failed)."""
    return f"SQ{day:%Y%m%d}{pk:08d}"


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _validate(
    item, *, applicant_name, id_number, phone, description, form_data, files, verified=()
):
    """Everything the resident typed, checked by the item's form; returns (form, files by
    material). Raises ValidationError({field: [...]}) naming the form's fields."""
    from django import forms

    if not isinstance(form_data, dict):
        raise ValidationError({"form_data": [_("表单内容格式不正确。")]})
    data = {
        "applicant_name": applicant_name or "",
        "id_number": id_number or "",
        "phone": phone or "",
        "description": description or "",
    }
    errors: dict[str, list[str]] = {}
    try:
        by_material = {int(k): _as_list(v) for k, v in (files or {}).items()}
    except (TypeError, ValueError):
        raise ValidationError({"files": [_("材料编号无效。")]}) from None
    first = {f"m_{mid}": uploads[0] for mid, uploads in by_material.items() if uploads}
    # One form, built once (its fields come from the item's rows): `data` is filled in below,
    # before the form is validated — the form holds the very same dict.
    form = application_form(item, data=data, files=first, verified=verified)
    for code, name in form.form_fields.items():
        value = form_data.get(code)
        if value is None:
            continue
        field = form.fields[name]
        if isinstance(field, forms.MultipleChoiceField):
            data[name] = [str(v) for v in _as_list(value)]
        elif isinstance(value, list | tuple | dict):
            errors[name] = [_("“%(label)s”只能填写一个值。") % {"label": field.label}]
        else:
            data[name] = value if isinstance(value, date) else str(value)
    if not form.is_valid():
        for k, v in form.errors.items():
            errors.setdefault(k, []).extend(str(m) for m in v)
    materials = {m.pk: m for m in form.material_fields.values()}
    for mid, uploads in by_material.items():
        if mid not in materials:
            errors.setdefault("files", []).append(_("材料编号 %(id)s 不属于该事项。") % {"id": mid})
            continue
        for upload in uploads[1:]:
            try:
                check_upload(upload, field=f"m_{mid}")
            except ValidationError as exc:
                errors.setdefault(f"m_{mid}", []).extend(exc.message_dict[f"m_{mid}"])
    if errors:
        raise ValidationError(errors)
    return form, {materials[mid]: uploads for mid, uploads in by_material.items() if uploads}


def submit_application(
    actor,
    *,
    item: ServiceItem,
    center,
    applicant_name: str,
    id_number: str,
    phone: str,
    form_data: dict,
    description: str = "",
    files: dict | None = None,
    channel: str,
    idempotency_key: str = "",
    applicant=None,
    external_id: str = "",
    latitude=None,
    longitude=None,
    now: datetime | None = None,
    verified_materials=(),
) -> tuple[Application, bool]:
    """One window receives every item (一窗受理): the application is routed to the level the
    district's devolution gives, its deadline counted in working days from the time limit in
    force on the day of submission. Returns (application, created): the same idempotency key
    on the same channel returns the application it created the first time.

    verified_materials: ids of the item's materials whose paper original the window clerk
    checked (原件已核验) instead of uploading a scan; only on the "window" channel — residents
    online (and integrated systems) must upload."""
    from .queries import offering

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录。"))
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("未知的申请渠道。")]})
    idempotency_key = (idempotency_key or "").strip()[:64]
    if idempotency_key:
        existing = _existing(actor, channel, idempotency_key)
        if existing is not None:
            return existing, False

    is_staff = getattr(actor, "is_staff_member", False) and not getattr(actor, "is_resident", False)
    if channel == Channel.WINDOW or (channel == Channel.OPEN311 and is_staff):
        # At the window (or from an integrated system) staff receive on the resident's behalf.
        _require_covers(actor, center.region_path)
        received_by = actor
    else:
        received_by = None
        applicant = actor
    if channel == Channel.ONLINE and not getattr(actor, "is_resident", False):
        raise PermissionDenied(_("网上申请须使用居民账号；工作人员请在窗口代办。"))

    errors = {}
    if not item.active:
        errors["item"] = [_("该事项已停用。")]
    if channel == Channel.ONLINE and not item.online:
        errors["channel"] = [_("“%(item)s”不能网上申请，请到窗口办理。") % {"item": item.name}]
    now = now or timezone.now()
    received = timezone.localdate(now)
    limit = item.time_limit_on(received)
    if limit is None:
        errors["item"] = [_("“%(item)s”未设置承诺时限，暂不能受理。") % {"item": item.name}]
    verified = _verified_ids(item, channel, verified_materials, errors)
    if errors:
        raise ValidationError(errors)
    form, uploads = _validate(
        item,
        applicant_name=applicant_name,
        id_number=id_number,
        phone=phone,
        description=description,
        form_data=form_data,
        files=files,
        verified=verified,
    )
    cleaned = form.cleaned_data
    level, mode = offering(center, item, received)
    due = deadlines.due_dates(received, limit.working_days)
    app = Application(
        item=item,
        center=center,
        region_path=center.region_path,
        street_code=center.street_code,
        district_code=center.district_code,
        handling_level=level,
        handling_mode=mode,
        channel=channel,
        applicant=applicant,
        received_by=received_by,
        applicant_name=cleaned["applicant_name"],
        id_number_encrypted=crypto.encrypt(cleaned["id_number"]),
        id_number_digest=crypto.digest(cleaned["id_number"]),
        phone_encrypted=crypto.encrypt(cleaned["phone"]),
        form_data=form.cleaned_form_data(),
        description=cleaned.get("description", ""),
        status=Status.SUBMITTED,
        submitted_at=now,
        time_limit_days=limit.working_days,
        deadline=due[0],
        grave_deadline=due[1],
        idempotency_key=idempotency_key,
        external_id=(external_id or "")[:64],
        latitude=latitude,
        longitude=longitude,
        verified_materials=sorted(verified),
    )
    with transaction.atomic():
        # A placeholder that is unique until the id is known.
        app.number = "T" + uuid.uuid4().hex[:23]
        try:
            with transaction.atomic():
                app.save(force_insert=True)
        except IntegrityError:
            if idempotency_key:
                # The other submit of a double click won the race: it is this one.
                existing = _existing(actor, channel, idempotency_key)
                if existing is not None:
                    return existing, False
            raise
        app.number = _number(received, app.pk)
        Application.objects.filter(pk=app.pk).update(number=app.number)
        for material, files_ in uploads.items():
            for upload in files_:
                _attach(actor, app, material, upload)
        Step.objects.create(
            application=app,
            region_path=app.region_path,
            from_status="",
            to_status=Status.SUBMITTED,
            actor=actor,
            at=now,
            note=_("%(channel)s提交") % {"channel": Channel(channel).label},
        )
        audit.record(
            actor,
            "submit",
            app,
            changes={
                "status": [None, Status.SUBMITTED],
                "handling_mode": [None, mode],
                "deadline": [None, app.deadline.isoformat()],
            }
            | (
                {"verified_materials": [None, [verified[i] for i in sorted(verified)]]}
                if verified
                else {}
            ),
        )
        title = _("新办件：%(number)s %(item)s") % {"number": app.number, "item": item.name}
        notify(
            _staff_at(center.region_id),
            title,
            _("办结期限 %(d)s") % {"d": app.deadline.isoformat()},
            url=_url(app),
            target=app,
        )
        if app.applicant_id:
            notify(
                [app.applicant],
                _("您的申请已提交：%(number)s") % {"number": app.number},
                _("%(item)s，承诺 %(n)s 个工作日内办结（%(d)s 前）。")
                % {"item": item.name, "n": app.time_limit_days, "d": app.deadline.isoformat()},
                url=reverse("portal_application", args=[app.number]),
                target=app,
            )
    return app, True


def _verified_ids(item, channel: str, ids, errors: dict) -> dict[int, str]:
    """The materials checked in the original at the window: {id: name}; errors go to `errors`
    under "verified_materials"."""
    if not ids:
        return {}
    if channel != Channel.WINDOW:
        errors["verified_materials"] = [
            _("只有窗口受理时可由工作人员核验原件；网上申请请上传材料。")
        ]
        return {}
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        errors["verified_materials"] = [_("材料编号无效。")]
        return {}
    names = dict(item.materials.filter(pk__in=wanted).values_list("pk", "name"))
    unknown = sorted(wanted - set(names))
    if unknown:
        errors["verified_materials"] = [
            _("材料编号 %(id)s 不属于该事项。") % {"id": ", ".join(map(str, unknown))}
        ]
        return {}
    return names


def _existing(actor, channel: str, key: str) -> Application | None:
    # Nearly every key is new: ask for the id alone, and read the row only when there is one.
    pk = (
        Application.objects.filter(channel=channel, idempotency_key=key)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        return None
    found = Application.objects.get(pk=pk)
    if not roles_of(actor, found):
        # Someone else's key: never hand over their application.
        raise ValidationError({"idempotency_key": [_("该幂等键已被其他申请使用。")]})
    return found


def _attach(actor, application: Application, material: Material, upload) -> Attachment:
    content_type = check_upload(upload, field=f"m_{material.pk}")
    att = Attachment(
        application=application,
        region_path=application.region_path,
        material=material,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    original = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    att.original_name = original[:255]
    att.file.save(original[:80] or "file", upload, save=False)
    att.save()
    return att


def upload_attachment(actor, application: Application, material: Material, file) -> Attachment:
    """A material added later: by the resident while the case waits for them (submitted or
    returned for more material), by the window while the case is open."""
    roles = roles_of(actor, application)
    if material.item_id != application.item_id:
        raise ValidationError({"material": [_("该材料不属于此事项。")]})
    waiting = application.status in (Status.SUBMITTED, Status.RETURNED)
    if not (
        (RESIDENT in roles and waiting)
        or ((WINDOW in roles or UPPER in roles) and application.status not in CLOSED)
    ):
        if not roles:
            raise PermissionDenied(_("该办件不在您的数据范围内。"))
        raise ValidationError(
            {"file": [_("办件“%(s)s”时不能补充材料。") % {"s": application.get_status_display()}]}
        )
    with transaction.atomic():
        att = _attach(actor, application, material, file)
        audit.record(actor, "attach", application, changes={"material": [None, material.name]})
    return att


def _change(actor, app: Application, to_status: str, role: str, *, note="", result="", now=None):
    """Apply one allowed change to a locked row: timestamps, Step, audit, notice."""
    now = now or timezone.now()
    before = app.status
    values: dict = {"status": to_status, "version": app.version + 1, "updated_at": now}
    if to_status == Status.ACCEPTED:
        values["accepted_at"] = now
    if to_status == Status.CONCLUDED:
        values["result"] = result or note
        # The first conclusion is the statistic (on time against the original deadline); a
        # reopened case concluded again keeps it, the second round is in its timeline.
        if app.on_time is None:
            values["concluded_at"] = now
            values["on_time"] = timezone.localdate(now) <= app.deadline
    if to_status == Status.REOPENED:
        # The reopened case gets its time limit afresh from today: judged by the old deadline it
        # would show at once as (3×) overdue. Its first conclusion's on_time stays.
        today = timezone.localdate(now)
        values["deadline"], values["grave_deadline"] = deadlines.due_dates(
            today, app.time_limit_days
        )
        values["overdue"] = 0
    old = {name: getattr(app, name) for name in ("deadline", "grave_deadline", "overdue")}
    updated = Application.objects.filter(pk=app.pk, version=app.version).update(**values)
    if not updated:
        raise ConflictError()
    for k, v in values.items():
        setattr(app, k, v)
    Step.objects.create(
        application=app,
        region_path=app.region_path,
        from_status=before,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
        note=note or result,
    )
    changes = {"status": [before, to_status]}
    for name in ("deadline", "grave_deadline", "overdue"):
        if name in values and values[name] != old[name]:
            changes[name] = [_plain(old[name]), _plain(values[name])]
    audit.record(
        actor,
        workflow.ACTIONS.get(to_status, to_status) if role != SYSTEM else "reopen",
        app,
        changes=changes,
        note=note or result,
    )
    if app.applicant_id:
        notify(
            [app.applicant],
            _("您的办件 %(number)s：%(status)s")
            % {"number": app.number, "status": Status(to_status).label},
            note or result,
            url=reverse("portal_application", args=[app.number]),
            target=app,
        )
    if to_status == Status.TRANSFERRED:
        notify(
            _staff_at(_street_region_id(app)),
            _("转来办件：%(number)s %(item)s") % {"number": app.number, "item": app.item.name},
            note,
            url=_url(app),
            target=app,
        )
    return app


def transition(
    actor,
    application: Application,
    to_status: str,
    *,
    note: str = "",
    result: str = "",
    version=None,
) -> Application:
    """Change the status by the one table (workflow.TRANSITIONS), as the resident, the window
    or the level above — whichever the actor is and the table allows."""
    note, result = (note or "").strip(), (result or "").strip()
    if to_status not in Status.values:
        raise ValidationError({"status": [_("未知的状态。")]})
    with transaction.atomic():
        app = (
            Application.objects.select_for_update(of=("self",))
            .select_related("item", "applicant")
            .get(pk=application.pk)
        )
        _check_version(app, version)
        roles = roles_of(actor, app)
        if not roles:
            raise PermissionDenied(_("该办件不在您的数据范围内。"))
        role = next(
            (
                r
                for r in (WINDOW, UPPER, RESIDENT)
                if r in roles and workflow.allowed(app, to_status, r)
            ),
            None,
        )
        if role is None:
            who = workflow.TRANSITIONS.get((app.status, to_status), frozenset())
            if who and not (who & roles) and who != {SYSTEM}:
                raise PermissionDenied(
                    _("您不能将办件从“%(from)s”变为“%(to)s”。")
                    % {"from": Status(app.status).label, "to": Status(to_status).label}
                )
            workflow.check(app, to_status, next(iter(roles)))
        if to_status in (Status.RETURNED, Status.REJECTED) and not note:
            raise ValidationError({"note": [_("请填写原因，申请人会看到它。")]})
        if to_status == Status.CONCLUDED and not (result or note):
            raise ValidationError({"result": [_("请填写办理结果。")]})
        _change(actor, app, to_status, role, note=note, result=result)
    _sync(application, app)
    return app


def rate(
    actor, application: Application, *, score: int, answer_ids: list[int], comment: str = ""
) -> Rating:
    """The resident rates a concluded case (1–5 with standard answers). A score of 2 or less, or
    an answer that reopens, sends the case back to the center (RATED → REOPENED, by the system)."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationError({"score": [_("请选择 1 到 5 分。")]}) from None
    if not 1 <= score <= 5:
        raise ValidationError({"score": [_("请选择 1 到 5 分。")]})
    try:
        ids = {int(i) for i in answer_ids or []}
    except (TypeError, ValueError):
        raise ValidationError({"answers": [_("评价选项无效。")]}) from None
    answers = list(StandardAnswer.objects.filter(pk__in=ids, active=True))
    if len(answers) != len(ids):
        raise ValidationError({"answers": [_("评价选项无效。")]})
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        app = (
            Application.objects.select_for_update(of=("self",))
            .select_related("item", "applicant", "center")
            .get(pk=application.pk)
        )
        roles = roles_of(actor, app)
        if RESIDENT not in roles:
            raise PermissionDenied(_("只有申请人本人可以评价。"))
        workflow.check(app, Status.RATED, RESIDENT)
        if Rating.objects.filter(application=app).exists():
            # A case reopened and concluded again keeps its one rating.
            raise ValidationError({"score": [_("该办件已评价过。")]})
        now = timezone.now()
        rating = Rating.objects.create(
            application=app, region_path=app.region_path, score=score, comment=comment, at=now
        )
        rating.answers.set(answers)
        _change(actor, app, Status.RATED, RESIDENT, note=_("评分 %(s)s 分") % {"s": score}, now=now)
        if score <= 2 or any(a.reopens for a in answers):
            rating.reopened = True
            rating.save(update_fields=["reopened"])
            reason = _("居民评价不满意（%(s)s 分），重新办理。") % {"s": score}
            _change(None, app, Status.REOPENED, SYSTEM, note=reason)
            # For the center's head to take in hand; a center without one: all its staff.
            region_id = app.center.region_id
            notify(
                _staff_at(region_id, roles=["center_head"]) or _staff_at(region_id),
                _("【重办】%(number)s 居民不满意") % {"number": app.number},
                "；".join([str(a) for a in answers] + ([comment] if comment else [])),
                url=_url(app),
                level="warning",
                target=app,
            )
    _sync(application, app)
    return rating


def escalate_overdue(today: date | None = None) -> dict[str, int]:
    """Each morning: open cases past their deadline become overdue (the window hears), past 3×
    the time limit gravely overdue (the district's administrators hear too). Each level is
    raised once. A case returned for more material waits for the resident and is not counted
    (补正期间不计入承诺时限)."""
    today = today or timezone.localdate()
    sent = {"overdue": 0, "overdue_3x": 0}
    candidates = (
        Application.objects.exclude(status__in=CLOSED)
        .exclude(status=Status.RETURNED)
        .filter(deadline__lt=today, overdue__lt=3)
        .select_related("item", "center")
    )
    with transaction.atomic():
        for app in candidates:
            level = deadlines.overdue_level(today, app.deadline, app.grave_deadline)
            if level <= app.overdue:
                continue
            # Conditional update: two workers running the same morning raise it once.
            if not Application.objects.filter(pk=app.pk, overdue=app.overdue).update(overdue=level):
                continue
            audit.record(None, "overdue", app, changes={"overdue": [app.overdue, level]})
            recipients = _staff_at(app.center.region_id)
            if app.status == Status.TRANSFERRED:  # the street holds it now
                recipients += _staff_at(_street_region_id(app))
            if level == 3:
                recipients += _district_admins(app.district_code)
                title = _("【超期三倍】%(number)s %(item)s，期限 %(d)s")
                sent["overdue_3x"] += 1
            else:
                title = _("【超期】%(number)s %(item)s，期限 %(d)s")
                sent["overdue"] += 1
            notify(
                recipients,
                title % {"number": app.number, "item": app.item.name, "d": app.deadline},
                url=_url(app),
                level="danger" if level == 3 else "warning",
                target=app,
            )
    return sent


def reveal_id_number(actor, application: Application) -> str:
    """The full ID number, for staff whose writing scope covers the case (its window or the level
    above), logged as a view of personal data."""
    roles = roles_of(actor, application) - {RESIDENT}
    if not roles:
        raise PermissionDenied(_("您无权查看该申请人的完整身份证号。"))
    with transaction.atomic():
        audit.record(actor, "view", application, note=_("查看完整身份证号"))
    return application.id_number
