"""Rooms and activities (用好): structured opening hours, room bookings, activities with sign-up,
waitlist and check-in.

Every row carries its center's region path, so `visible_to(user)` is the staff's door; residents
find their own rows with `mine(user)` (they have no staff scope).

No double booking is a database guarantee on every engine: a booking (or an activity held in a
room) occupies fixed 30-minute `BookingSlot` rows, unique per (room, start), written in the same
transaction. Two residents clicking at the same instant: one insert wins, the other gets an
IntegrityError that the service turns into "该时段已被预约".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet

SLOT_MINUTES = 30


class Weekday(models.IntegerChoices):
    MON = 0, _("星期一")
    TUE = 1, _("星期二")
    WED = 2, _("星期三")
    THU = 3, _("星期四")
    FRI = 4, _("星期五")
    SAT = 5, _("星期六")
    SUN = 6, _("星期日")


class OpeningHours(models.Model):
    """One opening interval of a center on a weekday. The schedule in force on a day is the set of
    rows with the latest `valid_from` on or before it (a new schedule is a new set of rows, so
    hours can change without rewriting the past); several intervals a day are allowed."""

    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.CASCADE,
        related_name="hours",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    opens = models.TimeField(_("开始时间"))
    closes = models.TimeField(_("结束时间"))
    valid_from = models.DateField(_("生效日期"))

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        ordering = ["center_id", "valid_from", "weekday", "opens"]
        indexes = [models.Index(fields=["center", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="venues_hours_closes_after_opens"
            )
        ]

    def __str__(self):
        return f"{self.center} {self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OwnedQuerySet(OrgScopedQuerySet):
    """Staff: `visible_to(user)`; residents: `mine(user)`, the rows they own."""

    def mine(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(resident=user)


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")
    USED = "used", _("已使用")
    NO_SHOW = "no_show", _("未到场")


class Booking(models.Model):
    room = models.ForeignKey(
        "centers.Room",
        verbose_name=_("功能室"),
        # A room deleted from the registry keeps its booking history (by name).
        null=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    room_name = models.CharField(_("功能室名称"), max_length=80)
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约居民"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="venue_bookings",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代为预约的工作人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    day = models.DateField(_("日期"), db_index=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    purpose = models.CharField(_("用途"), max_length=200)
    party_size = models.PositiveIntegerField(_("人数"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=BookingStatus.choices,
        default=BookingStatus.BOOKED,
        db_index=True,
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取消人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = OwnedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("功能室预约")
        verbose_name_plural = _("功能室预约")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["center", "day"]), models.Index(fields=["room", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="venues_booking_ends_after"
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="venues_booking_party"),
        ]

    def __str__(self):
        return f"{self.room_name} {self.starts_at:%Y-%m-%d %H:%M} {self.purpose}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class ActivityKind(models.TextChoices):
    PARTY_DAY = "party_day", _("主题党日")
    CULTURE_SPORTS = "culture_sports", _("文体活动")
    ELDERLY = "elderly", _("为老服务")
    CHILDREN = "children", _("儿童活动")
    VOLUNTEER = "volunteer", _("志愿服务")
    OTHER = "other", _("其他")


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")
    FINISHED = "finished", _("已结束")


class Activity(models.Model):
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    kind = models.CharField(_("类别"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("活动名称"), max_length=120)
    description = models.TextField(_("活动内容"), blank=True)
    room = models.ForeignKey(
        "centers.Room",
        verbose_name=_("功能室"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    signup_opens_at = models.DateTimeField(_("报名开始"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("报名截止"), null=True, blank=True)
    checkin_code = models.CharField(_("签到码"), max_length=6)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ActivityStatus.choices,
        default=ActivityStatus.PUBLISHED,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["center", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="venues_activity_ends_after"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="venues_activity_capacity"),
        ]

    def __str__(self):
        return self.title


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    ATTENDED = "attended", _("已签到")
    CANCELLED = "cancelled", _("已取消")


# The sign-ups that hold a place (the capacity counts these).
HOLDING = (SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED)


class SignUp(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("居民"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="venue_signups",
    )
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代为报名的工作人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=12, choices=SignUpStatus.choices, db_index=True)
    # The waitlist is served in the order of sign-up.
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    attended_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    # Wrong check-in codes typed: a 6-digit code must not be guessable by trying them all.
    # (db_default: the demo inserts sign-ups with raw SQL.)
    checkin_failures = models.PositiveSmallIntegerField(
        _("签到码错误次数"), default=0, db_default=0
    )

    objects = OwnedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["activity_id", "created_at", "id"]
        constraints = [
            # One live sign-up per resident and activity; cancelled ones stay as history.
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=~Q(status="cancelled"),
                name="venues_one_signup_per_resident",
            )
        ]

    def __str__(self):
        return f"{self.activity} · {self.resident} · {self.get_status_display()}"

    @property
    def position(self) -> int | None:
        """1-based place on the waitlist (None unless waitlisted)."""
        if self.status != SignUpStatus.WAITLISTED:
            return None
        return (
            SignUp.objects.filter(activity_id=self.activity_id, status=SignUpStatus.WAITLISTED)
            .filter(
                Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, id__lt=self.id)
            )
            .count()
            + 1
        )


class BookingSlot(models.Model):
    """A 30-minute slot of a room held by one booking or one activity: the unique (room, start)
    is what makes double booking impossible, on SQLite and PostgreSQL alike."""

    room = models.ForeignKey(
        "centers.Room", verbose_name=_("功能室"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("时段开始"))
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="slots"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="slots"
    )

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.UniqueConstraint(
                fields=["room", "starts_at"], name="venues_one_holder_per_slot"
            ),
            models.CheckConstraint(
                condition=Q(booking__isnull=False, activity__isnull=True)
                | Q(booking__isnull=True, activity__isnull=False),
                name="venues_slot_has_one_holder",
            ),
        ]

    def __str__(self):
        return f"{self.room_id} {self.starts_at:%Y-%m-%d %H:%M}"
