"""Intents (flows the user expects allowed or denied) and suppressions of findings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Model, NamedModel, PortSpec

__all__ = ["Intent", "Suppression"]


class Intent(NamedModel):
    """A flow the user expects to be allowed or denied."""

    source: str
    """A workload name, `internet`, or an IP address."""
    destination: str
    """A workload name, `internet`, or an IP address."""
    port: PortSpec = "tcp/443"
    """Protocol and port of the flow."""
    method: str | None = None
    """HTTP method, for L7 checks."""
    path: str | None = None
    """HTTP path, for L7 checks."""
    expect: Literal["allowed", "denied"]
    """The expected verdict."""


class Suppression(Model):
    """A finding the user has reviewed and accepts; reported as suppressed, never hidden."""

    check: str
    """The check id."""
    objects: tuple[str, ...] = ()
    """Objects of the finding it applies to (empty: every finding of the check)."""
    reason: str = Field(min_length=3)
    """Why it is accepted (mandatory)."""
