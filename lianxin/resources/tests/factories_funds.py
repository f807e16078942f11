"""Factories for resources: funds (the fund ledger). Builders go through the services (as root
unless told), so the rows are what the ledger would hold."""

from __future__ import annotations

from decimal import Decimal

from lianxin.core.tests.factories import org_factory

__all__ = [
    "PDF",
    "district_of",
    "fund_source",
    "funded_plan",
    "pdf",
    "root_user",
]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="voucher.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def root_user():
    from lianxin.accounts.models import User

    return User.objects.get(username="root")


def district_of(region_obj):
    """The district (level 3) a region belongs to (itself if it is one)."""
    from lianxin.regions.models import Region

    codes = [c for c in region_obj.path.split("/") if c]
    return Region.objects.get(code=codes[1]) if len(codes) > 1 else region_obj


def fund_source(region_obj, amount="1000000.00", *, actor=None, **fields):
    """A source held by `region_obj` (a district, or the district of a lower unit) with its
    first receipt of `amount`."""
    from lianxin.resources.services import funds

    values = {
        "kind": "district_fiscal",
        "name": f"{district_of(region_obj).name}测试资金",
        "year": 2024,
        "document_no": "测财〔2024〕1号",
    } | fields
    return funds.create_source(
        actor or root_user(),
        region=district_of(region_obj),
        amount=Decimal(amount),
        booked_on=fields.pop("booked_on", None),
        **{k: v for k, v in values.items() if k != "booked_on"},
    )


def funded_plan(village, allocated="500000.00", *, source=None, actor=None):
    """(source, plan, allocation): a plan at `village` with `allocated` from a source of its
    district (made with ten times that much unless given)."""
    from lianxin.campaign.tests.factories import plan as make_plan
    from lianxin.resources.services import funds

    actor = actor or root_user()
    source = source or fund_source(village, Decimal(allocated) * 10, actor=actor)
    plan = make_plan(village)
    entry = funds.allocate(actor, source, plan, Decimal(allocated))
    return source, plan, entry


@org_factory("resources.FundSource")
def _source(village):
    return fund_source(village, name=f"{district_of(village).name}矩阵资金")


@org_factory("resources.FundEntry")
def _entry(village):
    return funded_plan(village)[2]


@org_factory("resources.FundAttachment")
def _attachment(village):
    from lianxin.resources.services import funds

    source, plan, _ = funded_plan(village)
    entry = funds.pay(
        root_user(),
        source,
        plan,
        "100.00",
        voucher_no="矩阵凭证1",
        payee="矩阵施工单位",
        attachments=[pdf()],
    )
    return entry.attachments.get()
