"""View guards: staff pages refuse residents; admin pages need a role that administers."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_resident:
            return redirect("resident_home")
        return view(request, *args, **kwargs)

    return wrapper


def can_admin(user) -> bool:
    return user.is_superuser or user.role_assignments.filter(role__can_admin_users=True).exists()


def admin_required(view):
    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def paginate(request, qs, per_page: int = 50):
    try:
        per_page = max(10, min(200, int(request.GET.get("per_page", per_page))))
    except ValueError:
        pass
    return Paginator(qs, per_page).get_page(request.GET.get("page"))
