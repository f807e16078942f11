from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.permissions import staff_required

from . import services
from .forms import LoginForm, TokenForm
from .models import ApiToken


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        target = request.GET.get("next", "")
        return redirect(
            target if target.startswith("/") and not target.startswith("//") else "home"
        )
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@login_required
def resident_home(request):
    """Residents' home is the residents' site; staff have the dashboard."""
    if request.user.is_resident:
        return redirect("portal_home")
    return redirect("home")


@staff_required
def tokens(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.issue_token(request.user, form.cleaned_data["name"])
        messages.success(request, _("令牌已创建，请立即复制保存：它只显示这一次。"))
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": ApiToken.objects.filter(user=request.user),
        },
    )


@staff_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(request.user, token)
    messages.success(request, _("令牌已撤销。"))
    return redirect("tokens")
