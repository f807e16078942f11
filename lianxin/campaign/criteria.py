"""The sign-off checklist (销号条件): every criterion must hold for a site to be signed off. Each
is decided from the records (the rule set in force, the milestones, the center's rooms and status,
the evidence photos), never ticked by hand."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from lianxin.centers.models import CenterStatus, RuleSet

MIN_EVIDENCE_PHOTOS = 3

LABELS = {
    "area": gettext_lazy("面积达标（按现行建设标准实测）"),
    "renovation": gettext_lazy("改造验收通过（全部工期节点完成）"),
    "signage": gettext_lazy("统一标识（有标识照片）"),
    "rooms": gettext_lazy("功能室投入使用"),
    "evidence": gettext_lazy("佐证照片齐全"),
}


@dataclass
class Criterion:
    code: str
    passed: bool
    detail: str

    @property
    def label(self) -> str:
        return str(LABELS[self.code])

    def as_dict(self) -> dict:
        return asdict(self) | {"label": self.label}


def evaluate(plan, on: date | None = None) -> list[Criterion]:
    on = on or timezone.localdate()
    center = plan.center
    out = []

    rule = RuleSet.objects.in_force(on)
    required = rule.required_area(center.kind, center.households) if rule else None
    area = center.floor_area
    if required is None:
        detail = _("当日没有可用的面积标准") if rule is None else _("无法按标准判定面积")
        out.append(Criterion("area", False, detail))
    else:
        out.append(
            Criterion(
                "area",
                area is not None and area >= required,
                _("实测 %(a)s ㎡，要求 %(r)s ㎡（%(rule)s）")
                % {"a": area if area is not None else "—", "r": required, "rule": rule.name},
            )
        )

    milestones = list(plan.milestones.all())
    open_ = [m.label for m in milestones if not m.done]
    if not milestones:
        out.append(Criterion("renovation", False, _("没有工期节点")))
    elif open_:
        out.append(
            Criterion(
                "renovation",
                False,
                _("未完成：%(m)s") % {"m": pgettext("list separator", "、").join(open_)},
            )
        )
    else:
        last = max(m.completed_on for m in milestones)
        out.append(Criterion("renovation", True, _("全部节点完成，最后完成于 %(d)s") % {"d": last}))

    signoff = getattr(plan, "signoff", None) if plan.pk else None
    photos = list(signoff.photos.all()) if signoff is not None and signoff.pk else []
    signage = [p for p in photos if p.kind == "signage"]
    out.append(
        Criterion(
            "signage",
            bool(signage),
            _("标识照片 %(n)s 张") % {"n": len(signage)} if signage else _("缺少统一标识照片"),
        )
    )

    rooms = center.rooms.count()
    in_use = center.status == CenterStatus.IN_USE
    out.append(
        Criterion(
            "rooms",
            in_use and rooms > 0,
            _("功能室 %(n)s 间，中心状态：%(s)s") % {"n": rooms, "s": center.get_status_display()},
        )
    )
    out.append(
        Criterion(
            "evidence",
            len(photos) >= MIN_EVIDENCE_PHOTOS,
            _("佐证照片 %(n)s 张（至少 %(m)s 张）") % {"n": len(photos), "m": MIN_EVIDENCE_PHOTOS},
        )
    )
    return out


def failing(plan, on: date | None = None) -> list[Criterion]:
    return [c for c in evaluate(plan, on) if not c.passed]
