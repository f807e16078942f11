"""The sign-off workflow as one table: (status, action) → new status, and who may act. A change
not in the table is refused with a clear error."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import SignOffStatus as S

SUBMIT, VERIFY, RETURN, REOPEN = "submit", "verify", "return", "reopen"

TRANSITIONS = {
    (S.DRAFT, SUBMIT): S.SUBMITTED,
    (S.RETURNED, SUBMIT): S.SUBMITTED,
    (S.REOPENED, SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, VERIFY): S.SIGNED_OFF,
    (S.SUBMITTED, RETURN): S.RETURNED,
    (S.SIGNED_OFF, REOPEN): S.REOPENED,
}

ACTION_LABELS = {
    SUBMIT: gettext_lazy("提交销号"),
    VERIFY: gettext_lazy("核验销号"),
    RETURN: gettext_lazy("退回"),
    REOPEN: gettext_lazy("重新打开"),
}

# The street (any role that may edit the site) submits; a district (or city) administrator
# verifies, returns and reopens.
REVIEWER_ROLES = ("district_admin", "city_admin")
NEEDS_REVIEWER = {VERIFY, RETURN, REOPEN}


def allowed(status: str) -> list[str]:
    return [action for (frm, action) in TRANSITIONS if frm == status]


def next_status(status: str, action: str) -> str:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise ValidationError(
            _("当前状态“%(s)s”下不能“%(a)s”。")
            % {"s": S(status).label, "a": ACTION_LABELS.get(action, action)}
        ) from None


def require_role(actor, action: str) -> None:
    if action in NEEDS_REVIEWER and not actor.has_role(*REVIEWER_ROLES):
        raise PermissionDenied(_("只有区级或市级管理员可以%(a)s。") % {"a": ACTION_LABELS[action]})


def may(actor, action: str) -> bool:
    return action not in NEEDS_REVIEWER or actor.has_role(*REVIEWER_ROLES)
