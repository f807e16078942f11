"""逐个销号: submit (the street), verify or return (another person at the district), reopen
(a district administrator, with a reason). Each step follows `workflow.TRANSITIONS`, re-checks
every criterion, is audited, and a verified sign-off records the renovation as accepted (the
build issue's 改造达标 level)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.centers.models.standards import Source
from lianxin.centers.services import check_image, record_renovations
from lianxin.core import audit
from lianxin.core.scoping import CHANGE
from lianxin.core.services import require_visible

from .. import criteria, workflow
from ..models import Health, Plan, SignOff, SignOffPhoto, SignOffStatus
from ..models.signoff import PhotoKind
from .plans import _refresh

EDITABLE_STATUSES = {SignOffStatus.DRAFT, SignOffStatus.RETURNED, SignOffStatus.REOPENED}


def _locked(plan: Plan) -> SignOff:
    """The plan's sign-off row, created if need be and locked for the transaction."""
    SignOff.objects.get_or_create(plan=plan, defaults={"region_path": plan.region_path})
    signoff = SignOff.objects.select_for_update().get(plan=plan)
    plan.signoff = signoff
    return signoff


def _step(actor, plan: Plan, action: str, *, note: str = "") -> tuple[SignOff, str, str]:
    require_visible(actor, plan, CHANGE)
    workflow.require_role(actor, action)
    signoff = _locked(plan)
    before = signoff.status
    signoff.status = workflow.next_status(before, action)
    return signoff, before, note


def _audit(actor, signoff: SignOff, action: str, before: str, note: str = "") -> None:
    audit.record(
        actor,
        f"signoff_{action}",
        signoff.plan,
        changes={"signoff": [before, signoff.status]},
        note=note,
    )


def _refuse_failing(plan: Plan, on: date) -> list[dict]:
    results = criteria.evaluate(plan, on)
    failed = [c for c in results if not c.passed]
    if failed:
        raise ValidationError(
            {
                "criteria": [
                    _("%(label)s：%(detail)s") % {"label": c.label, "detail": c.detail}
                    for c in failed
                ]
            }
        )
    return [c.as_dict() for c in results]


def add_signoff_photo(actor, plan: Plan, kind: str, upload) -> SignOffPhoto:
    require_visible(actor, plan, CHANGE)
    if kind not in PhotoKind.values:
        raise ValidationError({"kind": [_("请选择照片类别。")]})
    check_image(upload, field="image")
    with transaction.atomic():
        signoff = _locked(plan)
        if signoff.status not in EDITABLE_STATUSES:
            raise ValidationError(
                _("销号“%(s)s”期间不能更改佐证照片。") % {"s": signoff.get_status_display()}
            )
        photo = SignOffPhoto(
            signoff=signoff, region_path=plan.region_path, kind=kind, uploaded_by=actor
        )
        photo.image = upload
        photo.save()
        audit.record(actor, "signoff_photo", plan, changes={"photo": [None, kind]})
    return photo


def submit_signoff(actor, plan: Plan, note: str = "") -> SignOff:
    """The street submits the site for sign-off; refused while any criterion fails."""
    with transaction.atomic():
        signoff, before, note = _step(actor, plan, workflow.SUBMIT, note=note)
        signoff.criteria = _refuse_failing(plan, timezone.localdate())
        signoff.submitted_by = actor
        signoff.submitted_at = timezone.now()
        signoff.verified_by, signoff.verified_at, signoff.reason = None, None, ""
        signoff.version += 1
        signoff.save()
        _audit(actor, signoff, workflow.SUBMIT, before, note)
    return signoff


def verify_signoff(actor, plan: Plan, on: date | None = None) -> SignOff:
    """The district verifies: another person than the submitter, every criterion holding on the
    day. The site is signed off and its renovation recorded as accepted that day."""
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": [_("销号日期不能晚于今天。")]})
    with transaction.atomic():
        signoff, before, _n = _step(actor, plan, workflow.VERIFY)
        if signoff.submitted_by_id == actor.pk:
            raise PermissionDenied(_("提交人不能核验自己提交的销号，须由另一名区级人员核验。"))
        signoff.criteria = _refuse_failing(plan, on)
        signoff.verified_by = actor
        signoff.verified_at = timezone.now()
        signoff.signed_off_on = on
        signoff.version += 1
        signoff.save()  # the model re-checks the criteria and the two-person rule
        Plan.objects.filter(pk=plan.pk).update(
            signed_off_on=on, health=Health.DONE, version=plan.version + 1
        )
        plan.signed_off_on, plan.health, plan.version = on, Health.DONE, plan.version + 1
        record_renovations(
            actor, [(plan.center, on, True)], source=Source.CAMPAIGN, note=_("销号验收")
        )
        _audit(actor, signoff, workflow.VERIFY, before, str(on))
    return signoff


def return_signoff(actor, plan: Plan, reason: str) -> SignOff:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因。")]})
    with transaction.atomic():
        signoff, before, _n = _step(actor, plan, workflow.RETURN)
        signoff.reason = reason[:300]
        signoff.version += 1
        signoff.save()
        _audit(actor, signoff, workflow.RETURN, before, reason)
    return signoff


def reopen_signoff(actor, plan: Plan, reason: str) -> SignOff:
    """Only a district (or city) administrator, with a reason; the renovation is recorded as no
    longer accepted from today, and the site goes back into the campaign."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写重新打开的原因。")]})
    today = timezone.localdate()
    with transaction.atomic():
        signoff, before, _n = _step(actor, plan, workflow.REOPEN)
        signoff.reason = reason[:300]
        signoff.signed_off_on = None  # the audit log keeps the day it had been signed off
        signoff.version += 1
        signoff.save()
        Plan.objects.filter(pk=plan.pk).update(signed_off_on=None, version=plan.version + 1)
        plan.signed_off_on, plan.version = None, plan.version + 1
        record_renovations(
            actor, [(plan.center, today, False)], source=Source.CAMPAIGN, note=reason[:200]
        )
        _refresh([plan])
        _audit(actor, signoff, workflow.REOPEN, before, reason)
    return signoff
