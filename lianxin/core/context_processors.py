from django.conf import settings


def site(request):
    user = getattr(request, "user", None)
    admin = False
    if user is not None and user.is_authenticated and user.is_staff_member:
        from .permissions import can_admin

        admin = can_admin(user)
    return {"SITE_NAME": settings.SITE_NAME, "DEMO_MODE": settings.DEMO_MODE, "can_admin": admin}


def notifications(request):
    """`unread_notifications`: the user's unread count, counted only if a page shows it."""
    from django.utils.functional import SimpleLazyObject

    from .notifications import unread_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
