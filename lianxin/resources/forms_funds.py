"""Forms of the fund ledger's pages. They say which field is wrong; the service functions check
everything again (they are the only door for writes), and their errors come back beside the
field they name."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SourceKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class Styled:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if isinstance(f.widget, forms.Select):
                f.widget.attrs["class"] = "form-select"
            elif not isinstance(f.widget, forms.HiddenInput):
                f.widget.attrs["class"] = "form-control"

    def add_service_errors(self, errors: dict) -> None:
        for name, messages in errors.items():
            self.add_error(name if name in self.fields else None, messages)


class AmountField(forms.CharField):
    """Kept as text: the service parses it (Decimal, 2 places) and names the field."""

    def __init__(self, **kwargs):
        super().__init__(max_length=24, widget=AMOUNT, **kwargs)


class SourceForm(Styled, forms.Form):
    kind = forms.ChoiceField(label=_("资金来源类型"), choices=SourceKind.choices)
    name = forms.CharField(label=_("名称"), max_length=120)
    region = forms.ModelChoiceField(label=_("管理单位"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("年度"))
    document_no = forms.CharField(label=_("文件文号"), max_length=80, required=False)
    amount = AmountField(label=_("首笔到位金额（元）"))
    booked_on = forms.DateField(label=_("到位日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)
    attachments = MultipleFileField(label=_("文件（PDF、图片等）"), required=False)

    def __init__(self, *args, regions=None, **kwargs):
        kwargs.setdefault("initial", {})
        today = timezone.localdate()
        kwargs["initial"] = {"year": today.year, "booked_on": today} | kwargs["initial"]
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class ReceiptForm(Styled, forms.Form):
    amount = AmountField(label=_("到位金额（元）"))
    booked_on = forms.DateField(label=_("到位日期"), widget=DATE)
    document_no = forms.CharField(label=_("文号"), max_length=80, required=False)
    note = forms.CharField(label=_("摘要"), max_length=300, required=False)
    attachments = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"booked_on": timezone.localdate()} | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)


class PlanChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.center.name}（{obj.center.region.code}）· {obj.get_works_type_display()}"


class AllocationForm(Styled, forms.Form):
    plan = PlanChoice(label=_("建设方案（一村一策）"), queryset=None)
    amount = AmountField(label=_("分配金额（元）"))
    booked_on = forms.DateField(label=_("记账日期"), widget=DATE)
    document_no = forms.CharField(label=_("文号"), max_length=80, required=False)
    note = forms.CharField(label=_("摘要"), max_length=300, required=False)

    def __init__(self, *args, plans=None, **kwargs):
        kwargs["initial"] = {"booked_on": timezone.localdate()} | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans


class PaymentForm(Styled, forms.Form):
    plan = PlanChoice(label=_("建设方案（一村一策）"), queryset=None)
    amount = AmountField(label=_("支付金额（元）"))
    voucher_no = forms.CharField(label=_("凭证号"), max_length=80)
    payee = forms.CharField(label=_("收款单位"), max_length=120)
    booked_on = forms.DateField(label=_("支付日期"), widget=DATE)
    note = forms.CharField(label=_("摘要"), max_length=300, required=False)
    attachments = MultipleFileField(label=_("凭证附件"), required=False)

    def __init__(self, *args, plans=None, **kwargs):
        kwargs["initial"] = {"booked_on": timezone.localdate()} | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans


class ReversalForm(Styled, forms.Form):
    reason = forms.CharField(
        label=_("冲销原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    booked_on = forms.DateField(label=_("记账日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"booked_on": timezone.localdate()} | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)
