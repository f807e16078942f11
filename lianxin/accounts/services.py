"""Writes to accounts: users, roles, tokens, login results. Each is audited."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit, crypto

from .models import AccountKind, ApiToken, DataScope, Role, RoleAssignment, User


def record_login(user: User | None, identifier: str, ok: bool) -> None:
    """Count failures; lock the account for LOGIN_LOCK_MINUTES after LOGIN_MAX_FAILURES."""
    with transaction.atomic():
        if user is not None:
            if ok:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            else:
                failures = user.failed_logins + 1
                locked = None
                if failures >= settings.LOGIN_MAX_FAILURES:
                    locked = timezone.now() + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
                    failures = 0
                User.objects.filter(pk=user.pk).update(failed_logins=failures, locked_until=locked)
                user.failed_logins, user.locked_until = failures, locked
        audit.record(
            user if ok else None,
            "login" if ok else "login_failed",
            user,
            target_type="accounts.user",
            target_repr=(user.username if user else identifier[:3] + "…"),
        )


def create_staff(
    actor,
    *,
    username: str,
    password: str,
    display_name: str = "",
    org_unit=None,
    superuser: bool = False,
) -> User:
    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name,
            org_unit=org_unit,
            kind=AccountKind.STAFF,
            is_staff=superuser,
            is_superuser=superuser,
        )
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        audit.record(actor, "create", user, changes={"username": [None, username]})
    return user


def create_resident(actor, *, phone: str, password: str, display_name: str = "") -> User:
    phone = crypto.normalize_phone(phone)
    if not crypto.PHONE_RE.match(phone):
        raise ValidationError({"phone": _("请输入 11 位中国大陆手机号。")})
    if User.objects.filter(phone_digest=crypto.digest(phone)).exists():
        raise ValidationError({"phone": _("该手机号已注册。")})
    with transaction.atomic():
        user = User(
            username="r_" + crypto.digest(phone)[:20],
            display_name=display_name,
            kind=AccountKind.RESIDENT,
        )
        user.set_phone(phone)
        user.set_password(password)
        user.save()
        audit.record(actor, "create", user, changes={"phone": [None, crypto.mask_phone(phone)]})
    return user


def assign_role(
    actor, user: User, role_code: str, region, scope: str | None = None, custom_regions=()
) -> RoleAssignment:
    if not user.is_staff_member:
        raise ValidationError({"user": _("居民账号不能授予工作人员角色。")})
    role = Role.objects.get(code=role_code)
    scope = scope or role.default_scope
    if scope not in DataScope.values:
        raise ValidationError({"scope": _("未知的数据范围：%(s)s") % {"s": scope}})
    if actor is not None and not (
        actor.is_superuser
        or actor.compute_scope("change").covers_path(region.path)
        and actor.has_role("city_admin", "district_admin")
    ):
        raise PermissionDenied(_("您不能在该单位授予角色。"))
    with transaction.atomic():
        assignment = RoleAssignment.objects.create(user=user, role=role, region=region, scope=scope)
        if custom_regions:
            assignment.custom_regions.set(custom_regions)
        audit.record(
            actor,
            "assign_role",
            user,
            changes={"role": [None, f"{role.code}@{region.code}:{scope}"]},
        )
    user.forget_grants()
    return assignment


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal access token; the raw key is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌名称。")})
    raw = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:60], prefix=raw[:10], key_hash=ApiToken.hash(raw)
        )
        audit.record(user, "create", token, target_repr=str(token))
    return token, raw


def revoke_token(user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise PermissionDenied(_("只能撤销自己的令牌。"))
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit.record(user, "revoke", token, target_repr=str(token))
