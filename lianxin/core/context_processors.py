from django.conf import settings


def site(request):
    user = getattr(request, "user", None)
    admin = False
    if user is not None and user.is_authenticated and user.is_staff_member:
        from .permissions import can_admin

        admin = can_admin(user)
    return {"SITE_NAME": settings.SITE_NAME, "DEMO_MODE": settings.DEMO_MODE, "can_admin": admin}
