"""联系包保: leaders with positions, each assigned to districts, streets or sites."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.periods import covering
from lianxin.core.scoping import OrgScopedQuerySet


class Leader(models.Model):
    name = models.CharField(_("姓名"), max_length=60)
    position = models.CharField(_("职务"), max_length=100)
    # The leader's own unit (the district or the city department), which decides who sees them.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leader",
    )
    active = models.BooleanField(_("在岗"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("包保领导")
        verbose_name_plural = _("包保领导")
        ordering = ["region_path", "id"]

    def __str__(self):
        return f"{self.name}（{self.position}）"


class AssignmentQuerySet(OrgScopedQuerySet):
    def on(self, day):
        return self.filter(covering(day, start="since"))


class LeaderAssignment(models.Model):
    """A leader answers for a unit (a district, a street or one site) from `since` until
    `valid_to` (exclusive; empty = still)."""

    leader = models.ForeignKey(
        Leader, verbose_name=_("包保领导"), on_delete=models.CASCADE, related_name="assignments"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("包保单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    since = models.DateField(_("开始日期"))
    valid_to = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = AssignmentQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("包保关系")
        verbose_name_plural = _("包保关系")
        ordering = ["leader_id", "region_path"]

    def __str__(self):
        return f"{self.leader} → {self.region}"
