from django.http import JsonResponse
from django.urls import path

from lianxin.urls import urlpatterns as app_urlpatterns


def ping(request):
    """The baseline: Django's full middleware stack and a small JSON answer, nothing else."""
    return JsonResponse({"ok": True, "path": request.path})


urlpatterns = [path("bench/ping", ping), *app_urlpatterns]
