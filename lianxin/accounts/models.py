"""Staff and residents, roles and their data scopes."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.core import crypto
from lianxin.core.scoping import CHANGE, INSPECT, Scope

# Read-only roles that may nevertheless record inspections: an inspection is a finding about a
# center (a score, photos, follow-ups), not an edit of the registry, and recording findings is what
# 督查 do. Any writing role may inspect too.
INSPECTING_ROLES = frozenset({"inspector"})


class AccountKind(models.TextChoices):
    STAFF = "staff", _("工作人员")
    RESIDENT = "resident", _("居民")


class User(AbstractUser):
    kind = models.CharField(
        _("账号类型"), max_length=10, choices=AccountKind.choices, default=AccountKind.STAFF
    )
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    org_unit = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Residents sign in with their phone: kept encrypted, found by keyed digest.
    phone_encrypted = models.TextField(_("手机号（加密）"), blank=True)
    phone_digest = models.CharField(_("手机号摘要"), max_length=64, blank=True, db_index=True)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_digest"],
                condition=~models.Q(phone_digest=""),
                name="unique_phone_digest",
            )
        ]

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_resident(self) -> bool:
        return self.kind == AccountKind.RESIDENT

    @property
    def is_staff_member(self) -> bool:
        return self.kind == AccountKind.STAFF

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone_encrypted else ""

    def set_phone(self, phone: str) -> None:
        phone = crypto.normalize_phone(phone)
        self.phone_encrypted = crypto.encrypt(phone)
        self.phone_digest = crypto.digest(phone) if phone else ""

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())

    def compute_scope(self, action: str, roles: frozenset[str] | None = None) -> Scope:
        """The user's scope for `action`; with `roles`, only what those roles grant (a write
        reserved to, say, finance officers asks where the user is one)."""
        if self.is_superuser:
            return Scope(everything=True)
        if not self.is_staff_member:
            return Scope()  # residents see no staff data at all
        subtree, exact, own = set(), set(), False
        for code, can_write, scope, path, custom in self._grants():
            if roles is not None and code not in roles:
                continue
            if action == CHANGE and not can_write:
                continue
            if action == INSPECT and not (can_write or code in INSPECTING_ROLES):
                continue
            if scope == DataScope.SUBTREE:
                subtree.add(path)
            elif scope == DataScope.UNIT:
                exact.add(path)
            elif scope == DataScope.OWN:
                own = True
            elif scope == DataScope.CUSTOM:
                subtree.update(custom)
        return Scope(subtree=frozenset(subtree), exact=frozenset(exact), own_records=own)

    def _grants(self) -> list[tuple]:
        """(role code, can write, data scope, region path, custom paths) of each assignment, read
        once per user object (one query; a second only where a custom scope exists): every
        action's and every role set's scope is computed from it, so a request that both reads
        and writes asks the database once. `forget_grants()` after changing assignments."""
        if "_lianxin_grants" not in self.__dict__:
            rows = list(
                self.role_assignments.values_list(
                    "pk", "role__code", "role__can_write", "scope", "region__path"
                )
            )
            custom: dict[int, list[str]] = {}
            if any(scope == DataScope.CUSTOM for _pk, _c, _w, scope, _p in rows):
                through = RoleAssignment.custom_regions.through.objects
                for pk, path in through.filter(roleassignment__in=[r[0] for r in rows]).values_list(
                    "roleassignment_id", "region__path"
                ):
                    custom.setdefault(pk, []).append(path)
            self.__dict__["_lianxin_grants"] = [
                (code, can_write, scope, path, tuple(custom.get(pk, ())))
                for pk, code, can_write, scope, path in rows
            ]
        return self.__dict__["_lianxin_grants"]

    def forget_grants(self) -> None:
        """Drop what this object remembers of its roles and scopes (after they changed)."""
        for key in ("_lianxin_grants", "_lianxin_scopes", "_lianxin_role_scopes"):
            self.__dict__.pop(key, None)

    def has_role(self, *codes: str) -> bool:
        return self.is_superuser or any(grant[0] in codes for grant in self._grants())


class DataScope(models.TextChoices):
    SUBTREE = "subtree", _("本级及以下")
    UNIT = "unit", _("本级")
    OWN = "own", _("仅本人")
    CUSTOM = "custom", _("自定义单位")


class Role(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    can_write = models.BooleanField(_("可编辑"), default=False)
    can_admin_users = models.BooleanField(_("可管理用户与审计"), default=False)
    default_scope = models.CharField(
        _("默认数据范围"), max_length=10, choices=DataScope.choices, default=DataScope.SUBTREE
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["id"]

    def __str__(self):
        from django.utils.translation import get_language

        return (
            self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name
        )


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.ForeignKey(Role, verbose_name=_("角色"), on_delete=models.PROTECT)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(_("数据范围"), max_length=10, choices=DataScope.choices)
    custom_regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("自定义单位"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")

    def __str__(self):
        return f"{self.user} · {self.role} · {self.region} · {self.get_scope_display()}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal access token: shown once, stored as a hash, revocable."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "lx_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)


def _user_region_path(self) -> str:
    return self.org_unit.path if self.org_unit_id else ""


User.region_path = property(_user_region_path)
