"""The cloud providers crossfence knows: one registration line each."""

from __future__ import annotations

from ..model.vocabulary import Vocabulary
from ..terraform.mapping import TerraformMapping
from .aws.provider import AwsProvider
from .base import CloudProvider
from .gcp.provider import GcpProvider
from .scaleway.provider import ScalewayProvider

__all__ = ["PROVIDERS", "provider_names", "terraform_mappings", "vocabulary"]

PROVIDERS: tuple[type[CloudProvider], ...] = (
    GcpProvider,
    ScalewayProvider,
    AwsProvider,
)
"""Every provider, in the order their hooks run."""


def provider_names() -> tuple[str, ...]:
    """The `provider` values a cloud may have."""
    return tuple(p.name for p in PROVIDERS)


def vocabulary() -> Vocabulary:
    """Every registered provider's words, for loading a blueprint."""
    return Vocabulary(tuple(p.terms() for p in PROVIDERS))


def terraform_mappings() -> tuple[TerraformMapping, ...]:
    """Every registered provider's Terraform mapping, in registration order (the first is the
    `local` end of a tunnel joined across clouds)."""
    return tuple(p.terraform for p in PROVIDERS if p.terraform is not None)
