"""Forms of the leaders, visits, rectifications and meetings pages. They check what a person can
get wrong in the browser and say which field is wrong; the service functions check again (they
are the only door for writes) and their errors come back onto the same fields."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lianxin.centers.services import check_image
from lianxin.regions.models import Level, Region

from .models import Leader, VisitKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class Styled:
    """Tabler's classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def add_service_errors(self, errors: dict) -> None:
        for field, messages in errors.items():
            self.add_error(field if field in self.fields else None, messages)


def resolve_owner(text: str):
    """(user, name) from what was typed: a staff account's user name links the account; anything
    else is the person's name."""
    text = (text or "").strip()
    if not text:
        return None, ""
    user = (
        get_user_model()
        .objects.filter(username=text, is_active=True, kind="staff")
        .only("pk", "username", "display_name", "kind", "is_active", "is_superuser")
        .first()
    )
    return (user, "") if user else (None, text)


def resolve_unit(user, text: str, levels) -> Region | None:
    """A unit the user sees, by its code (12 digits, or the leading digits) or its exact name."""
    text = (text or "").strip()
    if not text:
        return None
    qs = Region.objects.visible_to(user).filter(level__in=levels)
    if text.isdigit() and len(text) <= 12:
        return qs.filter(code=text.ljust(12, "0")).first()
    found = list(qs.filter(name=text)[:2])
    return found[0] if len(found) == 1 else None


# -- leaders -------------------------------------------------------------------------------------


class LeaderForm(Styled, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    position = forms.CharField(
        label=_("职务"), max_length=100, help_text=_("如：区委常委、组织部部长。")
    )
    region = forms.ChoiceField(label=_("所在单位"), required=False)
    username = forms.CharField(
        label=_("登录账号"),
        max_length=150,
        required=False,
        help_text=_("领导本人的系统账号（用户名），关联后可在“我的包保”查看包保站点；可留空。"),
    )
    active = forms.BooleanField(label=_("在岗"), required=False, initial=True)

    def __init__(self, *args, units=(), with_region=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("请填写姓名。")
        self.fields["position"].error_messages["required"] = _("请填写职务。")
        if with_region:
            self.fields["region"].choices = [(u.code, u.name) for u in units]
            self.fields["region"].required = True
            self.units = {u.code: u for u in units}
        else:
            del self.fields["region"]
            self.units = {}

    def clean_username(self):
        text = self.cleaned_data["username"].strip()
        if not text:
            return None
        user = get_user_model().objects.filter(username=text).first()
        if user is None:
            raise ValidationError(_("找不到账号“%(u)s”。") % {"u": text})
        return user

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {
            "name": d["name"],
            "position": d["position"],
            "user": d["username"],
            "active": d["active"],
        }
        if "region" in self.fields:
            data["region"] = self.units[d["region"]]
        return data

    def add_service_errors(self, errors: dict) -> None:
        mapped = {("username" if k == "user" else k): v for k, v in errors.items()}
        super().add_service_errors(mapped)


class AssignForm(Styled, forms.Form):
    unit = forms.CharField(
        label=_("包保单位"),
        max_length=100,
        help_text=_("区、街镇或村（社区）：填写区划代码或完整名称。"),
    )
    since = forms.DateField(label=_("开始日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].error_messages["required"] = _("请填写包保单位。")
        self.fields["unit"].widget.attrs["list"] = "unit-options"

    def clean_unit(self):
        text = self.cleaned_data["unit"]
        unit = resolve_unit(self.user, text, (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE))
        if unit is None:
            raise ValidationError(
                _("找不到单位“%(t)s”，或它不在您的数据范围内（请填写区划代码）。") % {"t": text}
            )
        return unit

    def add_service_errors(self, errors: dict) -> None:
        super().add_service_errors({("unit" if k == "region" else k): v for k, v in errors.items()})


class EndAssignmentForm(Styled, forms.Form):
    valid_to = forms.DateField(label=_("结束日期"), widget=DATE)


# -- visits and rectifications -------------------------------------------------------------------


class VisitForm(Styled, forms.Form):
    kind = forms.ChoiceField(
        label=_("方式"),
        choices=VisitKind.choices,
        widget=forms.RadioSelect,
        initial=VisitKind.ANNOUNCED,
    )
    visited_on = forms.DateField(label=_("督导日期"), widget=DATE)
    leader = forms.ModelChoiceField(
        label=_("带队领导"), queryset=Leader.objects.none(), required=False, empty_label="—"
    )
    team = forms.CharField(
        label=_("督导组"),
        max_length=80,
        required=False,
        help_text=_("无带队领导时必填，如“市委组织部暗访组”“滨海新区第3调研组”。"),
    )
    organizer = forms.ChoiceField(label=_("组织单位"), required=False)
    summary = forms.CharField(
        label=_("督导情况"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, leaders=None, organizers=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["kind"].error_messages["required"] = _("请选择督导方式。")
        self.fields["visited_on"].error_messages["required"] = _("请填写督导日期。")
        if leaders is not None:
            self.fields["leader"].queryset = leaders
        self.organizers = {u.code: u for u in organizers}
        self.fields["organizer"].choices = [("", _("（按带队领导或本人单位）"))] + [
            (u.code, u.name) for u in organizers
        ]

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if self.today and day > self.today:
            raise ValidationError(_("督导日期不能晚于今天。"))
        return day

    def clean(self):
        data = super().clean()
        if not data.get("leader") and not (data.get("team") or "").strip():
            self.add_error("team", _("请选择带队领导或填写督导组。"))
        return data

    def service_args(self) -> dict:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "visited_on": d["visited_on"],
            "leader": d["leader"],
            "team": d["team"],
            "organizer": self.organizers.get(d["organizer"]),
            "summary": d["summary"],
        }


class ItemRowForm(Styled, forms.Form):
    """One row of a dynamic list (a finding of a visit, an action item of a meeting). A row left
    wholly blank is skipped; a row with anything in it must be complete."""

    text = forms.CharField(max_length=300, required=False)
    owner = forms.CharField(label=_("责任人"), max_length=150, required=False)
    due_on = forms.DateField(label=_("期限"), required=False, widget=DATE)

    text_label = _("事项")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = self.text_label
        self.fields["owner"].widget.attrs["placeholder"] = _("姓名或系统账号")

    def clean(self):
        data = super().clean()
        if not self.has_changed() or not any(data.get(k) for k in ("text", "owner", "due_on")):
            data["skip"] = True
            return data
        data["skip"] = False
        if not (data.get("text") or "").strip():
            self.add_error("text", _("请填写%(f)s。") % {"f": self.text_label})
        if not (data.get("owner") or "").strip():
            self.add_error("owner", _("请填写责任人。"))
        if data.get("due_on") is None and "due_on" not in self.errors:
            self.add_error("due_on", _("请填写期限。"))
        return data

    def item(self, text_field: str) -> dict:
        d = self.cleaned_data
        owner, name = resolve_owner(d["owner"])
        return {
            text_field: d["text"].strip(),
            "owner": owner,
            "owner_name": name,
            "due_on": d["due_on"],
        }


class FindingRowForm(ItemRowForm):
    text_label = _("发现问题")


class ActionRowForm(ItemRowForm):
    text_label = _("事项")


FindingFormSet = forms.formset_factory(FindingRowForm, extra=1, max_num=50, validate_max=True)
ActionFormSet = forms.formset_factory(ActionRowForm, extra=1, max_num=50, validate_max=True)


def rows_of(formset, text_field: str) -> tuple[list[dict], list[int]]:
    """The filled rows as service items, and for each the index of its form (for errors)."""
    items, where = [], []
    for i, form in enumerate(formset.forms):
        if form.cleaned_data.get("skip", True):
            continue
        items.append(form.item(text_field))
        where.append(i)
    return items, where


def put_row_errors(formset, where: list[int], errors: dict, key: str, text_field: str) -> dict:
    """Service errors "<key>.<n>.<field>" onto the rows' fields; returns the rest."""
    rest = {}
    for name, messages in errors.items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == key and parts[1].isdigit():
            n = int(parts[1])
            form = formset.forms[where[n]] if n < len(where) else None
            field = {text_field: "text"}.get(parts[2], parts[2])
            if form is not None:
                form.add_error(field if field in form.fields else None, messages)
                continue
        rest[name] = messages
    return rest


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        for f in cleaned:
            try:
                check_image(f, field="photos")
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["photos"]) from None
        return cleaned


class RectificationCloseForm(Styled, forms.Form):
    closed_on = forms.DateField(label=_("整改完成日期"), widget=DATE)
    closed_note = forms.CharField(
        label=_("整改情况"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(
        label=_("整改佐证照片"),
        required=False,
        help_text=_("JPEG、PNG 或 WebP，每张不超过 10 MB，最多 9 张；须上传照片或说明整改情况。"),
    )

    def __init__(self, *args, today=None, visited_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.visited_on = today, visited_on
        self.fields["closed_on"].error_messages["required"] = _("请填写整改完成日期。")
        self.fields["photos"].widget.attrs.update({"accept": "image/*", "multiple": True})

    def clean_closed_on(self):
        day = self.cleaned_data["closed_on"]
        if self.today and day > self.today:
            raise ValidationError(_("整改完成日期不能晚于今天。"))
        if self.visited_on and day < self.visited_on:
            raise ValidationError(
                _("整改完成日期不能早于督导日期 %(d)s。") % {"d": self.visited_on.isoformat()}
            )
        return day

    def add_service_errors(self, errors: dict) -> None:
        super().add_service_errors(
            {("closed_note" if k == "status" else k): v for k, v in errors.items()}
        )


# -- meetings ------------------------------------------------------------------------------------


class MeetingForm(Styled, forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=120)
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    attendees = forms.CharField(
        label=_("参会人员"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    agenda = forms.CharField(
        label=_("议程"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    decisions = forms.CharField(
        label=_("会议决定"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["title"].error_messages["required"] = _("请填写会议名称。")
        self.fields["held_on"].error_messages["required"] = _("请填写会议日期。")

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if self.today and day > self.today:
            raise ValidationError(_("会议日期不能晚于今天（会后记录会议）。"))
        return day

    def service_data(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in ("title", "held_on", "agenda", "attendees", "decisions")
        }


class ActionItemForm(Styled, forms.Form):
    """One more action item on a meeting's page."""

    text = forms.CharField(label=_("事项"), max_length=300)
    owner = forms.CharField(label=_("责任人"), max_length=150)
    due_on = forms.DateField(label=_("完成期限"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = _("请填写事项。")
        self.fields["owner"].error_messages["required"] = _("请填写责任人。")
        self.fields["due_on"].error_messages["required"] = _("请填写完成期限。")
        self.fields["owner"].widget.attrs["placeholder"] = _("姓名或系统账号")

    def item(self) -> dict:
        owner, name = resolve_owner(self.cleaned_data["owner"])
        return {
            "text": self.cleaned_data["text"],
            "owner": owner,
            "owner_name": name,
            "due_on": self.cleaned_data["due_on"],
        }


class ActionItemCloseForm(Styled, forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=DATE)
    done_note = forms.CharField(
        label=_("完成情况"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, today=None, held_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.held_on = today, held_on
        self.fields["done_on"].error_messages["required"] = _("请填写完成日期。")

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        if self.today and day > self.today:
            raise ValidationError(_("完成日期不能晚于今天。"))
        if self.held_on and day < self.held_on:
            raise ValidationError(
                _("完成日期不能早于会议日期 %(d)s。") % {"d": self.held_on.isoformat()}
            )
        return day

    def add_service_errors(self, errors: dict) -> None:
        super().add_service_errors(
            {("done_note" if k == "status" else k): v for k, v in errors.items()}
        )
