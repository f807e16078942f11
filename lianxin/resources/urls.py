"""Resources' pages (/resources/…), one module of routes per subject."""

from .urls_approvals import urlpatterns as approvals
from .urls_funds import urlpatterns as funds
from .urls_premises import urlpatterns as premises

urlpatterns = premises + funds + approvals
