"""The typed application form of one service item: the applicant's identity, one field per
FormField (Open311 datatypes) named "f_<code>", one file field per Material named "m_<id>".

The page, the portal and `services.submit_application` all validate through this one form, so a
resident sees the same message beside the same field whichever way they apply."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core import crypto

from .models import Datatype, MaterialSource

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def check_upload(upload, *, field: str) -> str:
    """A material's file: a JPEG/PNG/WebP image (decoded by Pillow, so a renamed text file or a
    truncated image is refused whatever its name) or a PDF (by its %PDF- header), ≤ 10 MB.
    Returns the content type found; raises ValidationError({field: …})."""
    from PIL import Image, UnidentifiedImageError

    name = getattr(upload, "name", "") or _("文件")
    size = getattr(upload, "size", None) or 0
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({field: [_("“%(name)s”超过 10 MB。") % {"name": name}]})
    if not size:
        raise ValidationError({field: [_("“%(name)s”是空文件。") % {"name": name}]})
    try:
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        if head == b"%PDF-":
            return "application/pdf"
        try:
            with Image.open(upload) as image:
                kind = image.format
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()  # verify() checks the structure; load() finds truncated pixel data
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            kind = None
        except Image.DecompressionBombError:
            kind = None
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(
            {
                field: [
                    _("“%(name)s”不是 JPEG、PNG、WebP 图片或 PDF 文件，或文件已损坏。")
                    % {"name": name}
                ]
            }
        )
    return IMAGE_FORMATS[kind]


def _plain(value):
    """A cleaned value as JSON can keep it."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _field_for(ff) -> forms.Field:
    common = {
        "label": ff.label,
        "required": ff.required,
        "help_text": ff.description,
    }
    label = ff.label
    if ff.datatype == Datatype.NUMBER:
        return forms.DecimalField(
            max_digits=18,
            decimal_places=6,
            error_messages={
                "invalid": _("“%(label)s”须为数字。") % {"label": label},
                "max_digits": _("“%(label)s”的数字过长。") % {"label": label},
                "max_decimal_places": _("“%(label)s”最多 6 位小数。") % {"label": label},
                "max_whole_digits": _("“%(label)s”的数字过长。") % {"label": label},
            },
            **common,
        )
    if ff.datatype == Datatype.DATETIME:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}),
            error_messages={
                "invalid": _("“%(label)s”须为日期（如 2026-05-01）。") % {"label": label}
            },
            **common,
        )
    if ff.datatype in (Datatype.SINGLE, Datatype.MULTI):
        choices = [(str(v.get("key")), v.get("name") or v.get("key")) for v in ff.values or []]
        invalid = _("“%(label)s”的选项“%%(value)s”不在可选范围内。") % {"label": label}
        if ff.datatype == Datatype.SINGLE:
            return forms.ChoiceField(
                choices=[("", "---------"), *choices] if not ff.required else choices,
                error_messages={"invalid_choice": invalid},
                **common,
            )
        return forms.MultipleChoiceField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": invalid,
                "invalid_list": _("“%(label)s”须为选项列表。") % {"label": label},
            },
            **common,
        )
    if ff.datatype == Datatype.TEXT:
        return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    return forms.CharField(max_length=200, **common)


class ApplicationForm(forms.Form):
    applicant_name = forms.CharField(label=gettext_lazy("申请人姓名"), max_length=60)
    id_number = forms.CharField(
        label=gettext_lazy("身份证号"),
        max_length=18,
        min_length=18,
        help_text=gettext_lazy("18 位居民身份证号码"),
    )
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20)
    description = forms.CharField(
        label=gettext_lazy("情况说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    item = None  # set by application_form

    def clean_applicant_name(self):
        return self.cleaned_data["applicant_name"].strip()

    def clean_id_number(self):
        value = (self.cleaned_data["id_number"] or "").strip().upper()
        if not crypto.valid_id_number(value):
            raise ValidationError(
                _("身份证号码校验不通过，请核对后重新填写（18 位，最后一位可为 X）。")
            )
        return value

    def clean_phone(self):
        value = crypto.normalize_phone(self.cleaned_data["phone"])
        if not crypto.PHONE_RE.fullmatch(value):
            raise ValidationError(_("请填写 11 位手机号码。"))
        return value

    def clean(self):
        cleaned = super().clean()
        self.content_types = {}
        for name in self.material_fields:
            upload = cleaned.get(name)
            if not upload:
                continue
            try:
                self.content_types[name] = check_upload(upload, field=name)
            except ValidationError as exc:
                for msg in exc.message_dict[name]:
                    self.add_error(name, msg)
        return cleaned

    def verified_materials(self) -> list[int]:
        """Ids of the materials the clerk ticked as checked in the original (window form)."""
        return sorted(m.pk for name, m in self.verify_fields.items() if self.cleaned_data.get(name))

    def cleaned_form_data(self) -> dict:
        """The item's own fields, by code, as JSON values (Application.form_data)."""
        out = {}
        for code, name in self.form_fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            out[code] = _plain(value)
        return out


CHECKED = {"on", "true", "1", "yes"}


def application_form(
    item, *, data=None, files=None, initial=None, window: bool = False, verified=()
) -> ApplicationForm:
    """`window`: the clerk's form, with a "原件已核验（窗口）" box beside each material ("v_<id>")
    that, ticked, stands in for the upload (the clerk saw the paper original). `verified`: ids of
    materials already so checked (the service's own call). Residents always upload."""
    form = ApplicationForm(data=data, files=files, initial=initial)
    form.item = item
    form.form_fields = {}  # code → form field name
    form.material_fields = {}  # form field name → Material
    form.verify_fields = {}  # "v_<id>" → Material (the window's form only)
    for ff in item.fields.all():
        name = f"f_{ff.code}"
        form.fields[name] = _field_for(ff)
        form.form_fields[ff.code] = name
    for m in item.materials.all():
        name = f"m_{m.pk}"
        # Materials the window fetches by data sharing are never asked of the resident.
        needed = m.required and m.source != MaterialSource.SHARED
        form.fields[name] = forms.FileField(
            label=m.name,
            required=needed,
            help_text=m.check_points,
            error_messages={"required": _("请上传“%(name)s”。") % {"name": m.name}},
            widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
        )
        form.material_fields[name] = m
        ticked = m.pk in set(verified)
        if window:
            box = f"v_{m.pk}"
            form.fields[box] = forms.BooleanField(label=_("原件已核验（窗口）"), required=False)
            form.verify_fields[box] = m
            ticked = ticked or str((data or {}).get(box, "")).lower() in CHECKED
        if ticked:
            form.fields[name].required = False
    return form
