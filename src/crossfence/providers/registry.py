"""The cloud providers crossfence knows: one registration line each."""

from __future__ import annotations

from ..model.vocabulary import Vocabulary
from .aws.provider import AwsProvider
from .base import CloudProvider
from .gcp.provider import GcpProvider
from .scaleway.provider import ScalewayProvider

__all__ = ["PROVIDERS", "provider_names", "vocabulary"]

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
