from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .backends import find_account


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("账号或手机号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        identifier = self.cleaned_data.get("username", "")
        password = self.cleaned_data.get("password", "")
        if not identifier or not password:
            return self.cleaned_data
        account = find_account(identifier)
        if account is not None and account.is_locked:
            minutes = max(1, int((account.locked_until - timezone.now()).total_seconds() // 60) + 1)
            raise forms.ValidationError(
                _("登录失败次数过多，账号已锁定，请 %(m)d 分钟后再试。") % {"m": minutes},
                code="locked",
            )
        user = authenticate(self.request, username=identifier, password=password)
        services.record_login(user or account, identifier, ok=user is not None)
        if user is None:
            if account is not None and account.is_locked:
                raise forms.ValidationError(
                    _("登录失败次数过多，账号已锁定 %(m)d 分钟。")
                    % {"m": settings.LOGIN_LOCK_MINUTES},
                    code="locked",
                )
            raise forms.ValidationError(_("账号或密码不正确。"), code="invalid_login")
        self.user_cache = user
        return self.cleaned_data

    def get_user(self):
        return self.user_cache


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=60)


class AdminLoginForm(LoginForm):
    """The Django admin's login: the same lockout and audit as /login/, then only system
    administrators (Django's is_staff) may enter."""

    def clean(self):
        data = super().clean()
        user = self.get_user()
        if user is not None and not (user.is_active and user.is_staff):
            raise forms.ValidationError(_("该账号不能进入系统管理。"), code="invalid_login")
        return data
