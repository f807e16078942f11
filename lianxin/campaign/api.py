"""The campaign's API (/api/v1/campaign/…), one router per subject."""

from ninja import Router

from .api_bulletins import router as bulletins
from .api_plans import router as plans
from .api_supervision import router as supervision

router = Router(tags=["campaign"])
router.add_router("", plans)
router.add_router("", supervision)
router.add_router("", bulletins)
