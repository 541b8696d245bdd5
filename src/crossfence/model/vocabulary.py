"""What the registered cloud providers call their things: the names and fields the model accepts per provider.

The model knows no cloud by name. `providers/registry.py` builds one `Vocabulary` from every
provider it registers (`crossfence.load` passes it); the loader hands it to pydantic as the
validation context, where `Provider` and `GatewayType` check the names, and to the semantic
rules, which check the provider-only fields and run each provider's own rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, StringConstraints, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from .validate.base import Validator

__all__ = ["VOCABULARY_KEY", "GatewayType", "Provider", "ProviderTerms", "Vocabulary"]

VOCABULARY_KEY = "x-crossfence-vocabulary"
"""Marks, in the generated JSON Schema, a string whose allowed values the providers give."""


@dataclass(frozen=True)
class ProviderTerms:
    """One provider's words: what the blueprint may say on its clouds."""

    name: str
    gateway_types: tuple[str, ...] = ()
    """`vpn_gateways[].type` values that are this provider's."""
    network_fields: frozenset[str] = frozenset()
    """Fields of `networks[]` only some providers have, that this provider has."""
    network_hints: Mapping[str, str] = field(default_factory=dict)
    """A field this provider lacks -> what to say instead of the generic message."""
    sections: frozenset[str] = frozenset()
    """Sections only some providers have (objects with a `cloud`), that this provider has."""
    rules: tuple[Callable[[Validator], None], ...] = ()
    """The provider's own semantic rules (`providers/<cloud>/validate.py`)."""


@dataclass(frozen=True)
class Vocabulary:
    """Every registered provider's words."""

    providers: tuple[ProviderTerms, ...]

    def values(self, kind: str) -> tuple[str, ...]:
        """The allowed values of one kind of name (`providers`, `gateway_types`)."""
        return self.names() if kind == "providers" else self.gateway_types()

    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.providers)

    def terms(self, provider: str | None) -> ProviderTerms | None:
        return next((p for p in self.providers if p.name == provider), None)

    def gateway_types(self) -> tuple[str, ...]:
        return tuple(t for p in self.providers for t in p.gateway_types)

    def gateway_owner(self, gateway_type: str) -> str | None:
        return next((p.name for p in self.providers if gateway_type in p.gateway_types), None)

    def network_fields(self) -> dict[str, tuple[str, ...]]:
        """Provider-only network field -> the providers that have it, in registration order."""
        return self._owners(lambda p: p.network_fields)

    def section_owners(self) -> dict[str, tuple[str, ...]]:
        """Provider-only section -> the providers that have it, in registration order."""
        return self._owners(lambda p: p.sections)

    def _owners(
        self, names: Callable[[ProviderTerms], frozenset[str]]
    ) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for provider in self.providers:
            for name in sorted(names(provider)):
                out.setdefault(name, []).append(provider.name)
        return {k: tuple(v) for k, v in sorted(out.items())}


def _choices(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _one_of(kind: Callable[[Vocabulary], tuple[str, ...]]) -> Callable[[str, ValidationInfo], str]:
    def check(value: str, info: ValidationInfo) -> str:
        context: Any = info.context
        vocabulary = context.get("vocabulary") if isinstance(context, dict) else None
        if not isinstance(vocabulary, Vocabulary):
            raise PydanticCustomError(
                "vocabulary_missing",
                "no provider vocabulary to check {value!r} against (load blueprints with crossfence.load)",
                {"value": value},
            )
        allowed = kind(vocabulary)
        if value not in allowed:
            raise PydanticCustomError(
                "literal_error", "Input should be {expected}", {"expected": _choices(allowed)}
            )
        return value

    return check


Provider = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_one_of(Vocabulary.names)),
    WithJsonSchema({"type": "string", VOCABULARY_KEY: "providers"}),
]
"""The provider of a cloud: one of the registered providers."""

GatewayType = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_one_of(Vocabulary.gateway_types)),
    WithJsonSchema({"type": "string", VOCABULARY_KEY: "gateway_types"}),
]
"""The type of a VPN gateway: one of the registered providers' gateway types."""
