"""The campaign's pages, one module of routes per subject."""

from .urls_bulletins import urlpatterns as bulletins
from .urls_plans import urlpatterns as plans
from .urls_supervision import urlpatterns as supervision

urlpatterns = plans + supervision + bulletins
