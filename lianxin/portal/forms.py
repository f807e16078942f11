"""Forms of the residents' site and of the staff's notice pages."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NoticeKind


# Browsers accept only ISO values in date/time inputs; the locale's "2026/11/28" renders empty.
def date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def time_input() -> forms.TimeInput:
    return forms.TimeInput(format="%H:%M", attrs={"type": "time"})


class NoticeForm(forms.Form):
    unit = forms.CharField(
        label=_("发布单位（区划代码）"),
        max_length=12,
        help_text=_(
            "填写中心所在社区（村）的代码，或其上级街道、区的代码：上级发布的公示在其下所有中心显示。"
        ),
    )
    kind = forms.ChoiceField(label=_("类别"), choices=NoticeKind.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    body = forms.CharField(
        label=_("内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("纯文本，按回车换行。"),
    )
    valid_from = forms.DateField(label=_("生效日期"), widget=date_input())
    valid_to = forms.DateField(
        label=_("失效日期"),
        required=False,
        widget=date_input(),
        help_text=_("不填表示长期有效，直至撤回。公示在失效日期当天起不再显示。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["unit"].widget.attrs.update({"inputmode": "numeric", "list": "unit-options"})
        if editing:
            self.fields["unit"].disabled = True
            self.fields["unit"].required = False

    def clean_unit(self):
        code = (self.cleaned_data.get("unit") or "").strip()
        if self.fields["unit"].disabled:
            return code
        if not code.isdigit() or len(code) > 12:
            raise forms.ValidationError(_("请填写 6–12 位数字的区划代码。"))
        return code.ljust(12, "0")

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end <= start:
            self.add_error("valid_to", _("失效日期须晚于生效日期。"))
        return data


class FindForm(forms.Form):
    q = forms.CharField(label=_("地址、中心名称或拼音首字母"), max_length=60, required=False)
    district = forms.CharField(max_length=12, required=False)
    street = forms.CharField(max_length=12, required=False)


class NearForm(forms.Form):
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("经度"), min_value=-180, max_value=180)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"})


def new_key() -> str:
    return uuid.uuid4().hex


def valid_key(value: str) -> str:
    """The idempotency key the form carried (a UUID), or a new one if it was tampered with."""
    try:
        return uuid.UUID(str(value)).hex
    except (ValueError, AttributeError, TypeError):
        return new_key()


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择 1–5 星。")},
    )
    answers = forms.MultipleChoiceField(
        label=_("评价（可多选）"), required=False, widget=forms.CheckboxSelectMultiple
    )
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, answers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answers"].choices = [(str(a.pk), str(a)) for a in answers]

    def answer_ids(self) -> list[int]:
        return [int(x) for x in self.cleaned_data.get("answers") or []]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class BookingForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=date_input())
    start = forms.TimeField(label=_("开始时间"), widget=time_input())
    end = forms.TimeField(label=_("结束时间"), widget=time_input())
    purpose = forms.CharField(label=_("用途"), max_length=200)
    party_size = forms.IntegerField(label=_("人数"), min_value=1, max_value=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        self.fields["party_size"].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("结束时间须晚于开始时间。"))
        return data


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("签到码"),
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
