"""What GCP refuses that the model alone cannot know: Cloud Router ASNs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...model.validate.base import Validator

__all__ = ["RULES"]

# https://cloud.google.com/network-connectivity/docs/router/concepts/overview#asns
GCP_PRIVATE_ASNS = ((64512, 65534), (4_200_000_000, 4_294_967_294))


def router_asns(v: Validator) -> None:
    """A Cloud Router's own ASN must be private."""
    for router in v.bp.routers:
        if v.provider(router.cloud) not in (None, "gcp"):
            continue
        if not any(low <= router.asn <= high for low, high in GCP_PRIVATE_ASNS):
            v.report.add(
                router,
                ("asn",),
                f"{router.asn} is not a private ASN; Cloud Router needs 64512-65534 or 4200000000-4294967294 (expected a private ASN)",
                "asn",
            )


RULES = (router_asns,)
