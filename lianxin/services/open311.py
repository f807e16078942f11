"""Open311 GeoReport v2 (services, service definitions, requests) for hotline and city apps."""

from ninja import Router

router = Router(tags=["open311"])
