"""Forms of joint review: applying for a plan, a department's opinion, a resubmission."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Decision, Department
from .services.approvals import MAX_ATTACHMENTS


class Styled:
    """Tabler's classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            widget = f.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_service_errors(self, errors: dict) -> None:
        """Errors from a service's ValidationError, beside their fields where there is one."""
        for name, messages in errors.items():
            self.add_error(name if name in self.fields else None, messages)


class SubmitForm(Styled, forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label=_("联审部门"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个联审部门。")},
        help_text=_("各部门并联审查，按各自办理时限（工作日）出具意见。"),
    )
    title = forms.CharField(
        label=_("事项"),
        max_length=160,
        required=False,
        help_text=_("不填则为“某中心建设方案联合审查”。"),
    )
    description = forms.CharField(
        label=_("申报内容"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Department.objects.filter(active=True).order_by("sort", "id")
        self.fields["departments"].queryset = active
        if not self.is_bound:
            self.initial.setdefault("departments", list(active.values_list("pk", flat=True)))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.ofd,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        single = super().clean
        return [single(f, initial) for f in files if f]


DECISIONS = [(d, label) for d, label in Decision.choices if d != Decision.PENDING]


class OpinionForm(Styled, forms.Form):
    decision = forms.ChoiceField(
        label=_("意见"),
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择意见。")},
    )
    comment = forms.CharField(
        label=_("意见说明"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回修改或不同意须写明理由。"),
    )
    conditions = forms.CharField(
        label=_("附加条件"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("附条件同意须写明。"),
    )
    letter_in_lieu = forms.BooleanField(
        label=_("以函代证"),
        required=False,
        help_text=_("以本部门出具的函件代替许可证件（仅同意或附条件同意时）。"),
    )
    letter_no = forms.CharField(label=_("函件文号"), required=False, max_length=80)
    permit_replaced = forms.CharField(label=_("所代证件"), required=False, max_length=80)
    attachments = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args, department: Department, **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department
        # Translated per request, in the user's language (a lazy string %-formatted at import
        # would be frozen in the default language).
        self.fields["attachments"].help_text = gettext(
            "PDF、OFD、Word、Excel 或图片，最多 %(n)s 个，每个不超过 20 MB。"
        ) % {"n": MAX_ATTACHMENTS}
        if department.may_issue_letter:
            self.fields["permit_replaced"].initial = department.permit_name
            self.fields["permit_replaced"].widget.attrs["placeholder"] = department.permit_name
        else:
            for name in ("letter_in_lieu", "letter_no", "permit_replaced"):
                del self.fields[name]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "decision": data["decision"],
            "comment": data.get("comment", ""),
            "conditions": data.get("conditions", ""),
            "letter_in_lieu": data.get("letter_in_lieu", False),
            "letter_no": data.get("letter_no", ""),
            "permit_replaced": data.get("permit_replaced", ""),
            "attachments": data.get("attachments") or [],
        }


class ResubmitForm(Styled, forms.Form):
    note = forms.CharField(
        label=_("修改说明"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请说明按意见作了哪些修改。")},
    )


class WithdrawForm(Styled, forms.Form):
    note = forms.CharField(label=_("撤回原因"), max_length=300, required=False)
