"""Forms of the staff pages; the checks that matter are in `services` (forms only parse)."""

from __future__ import annotations

import re
from datetime import time

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.accounts.models import AccountKind, User
from lianxin.core import crypto

from .models import ActivityKind, Weekday

# Browsers accept only ISO values in date/time inputs; the locale's "2026/11/28" renders empty.
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TIME = forms.TimeInput(
    attrs={"type": "time", "step": 1800, "class": "form-control"}, format="%H:%M"
)
DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
)


class ServiceErrorsMixin:
    def style(self) -> None:
        """Tabler classes on every widget, the invalid ones marked."""
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = css

    def add_service_errors(self, errors: dict) -> None:
        for field, msgs in errors.items():
            self.add_error(field if field in self.fields else None, msgs)


class BookingForm(ServiceErrorsMixin, forms.Form):
    """Staff booking a room on a resident's behalf: the resident is found by phone."""

    phone = forms.CharField(label=_("居民手机号"), max_length=20)
    day = forms.DateField(label=_("日期"), widget=DATE)
    start = forms.TimeField(label=_("开始时间"), widget=TIME)
    end = forms.TimeField(label=_("结束时间"), widget=TIME)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    party_size = forms.IntegerField(label=_("人数"), min_value=1, max_value=10000)

    def clean_phone(self):
        phone = crypto.normalize_phone(self.cleaned_data["phone"])
        user = User.objects.filter(
            phone_digest=crypto.digest(phone), kind=AccountKind.RESIDENT, is_active=True
        ).first()
        if user is None:
            raise ValidationError(_("找不到该手机号的居民账号。"))
        self.resident = user
        return phone

    def add_service_errors(self, errors: dict) -> None:
        super().add_service_errors(
            {("phone" if k == "on_behalf_of" else k): v for k, v in errors.items()}
        )


class ActivityForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("活动名称"), max_length=120)
    description = forms.CharField(
        label=_("活动内容"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    room = forms.ModelChoiceField(label=_("功能室"), queryset=None, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=100000)
    signup_opens_at = forms.DateTimeField(label=_("报名开始"), required=False, widget=DATETIME)
    signup_closes_at = forms.DateTimeField(label=_("报名截止"), required=False, widget=DATETIME)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = center.rooms.order_by("name")
        self.fields["room"].empty_label = _("（不占用功能室）")

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})\s*$")


def parse_spans(text: str) -> list[tuple[time, time]]:
    """ "08:30-12:00, 14:00-17:30" → intervals; empty = closed."""
    out = []
    for part in re.split(r"[,，;；、\s]+(?=\d)", (text or "").strip()):
        if not part.strip():
            continue
        m = _SPAN.match(part)
        if not m:
            raise ValidationError(_("格式应为 08:30-12:00，多个时段用逗号分隔。"))
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        try:
            out.append((time(h1, m1), time(h2, m2)))
        except ValueError:
            raise ValidationError(_("时间无效：%(t)s") % {"t": part.strip()}) from None
    return out


class HoursForm(ServiceErrorsMixin, forms.Form):
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE)

    def __init__(self, *args, week=None, **kwargs):
        super().__init__(*args, **kwargs)
        for wd in Weekday:
            spans = (week or {}).get(wd.value, [])
            self.fields[f"d{wd.value}"] = forms.CharField(
                label=wd.label,
                required=False,
                initial=", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in spans),
                widget=forms.TextInput(attrs={"placeholder": _("不开放"), "class": "form-control"}),
            )
        if not self.is_bound:
            self.fields["valid_from"].initial = timezone.localdate()

    def intervals(self) -> list[tuple[int, time, time]]:
        out = []
        for wd in Weekday:
            try:
                spans = parse_spans(self.cleaned_data.get(f"d{wd.value}", ""))
            except ValidationError as exc:
                self.add_error(f"d{wd.value}", exc)
                continue
            out += [(wd.value, a, b) for a, b in spans]
        return out
