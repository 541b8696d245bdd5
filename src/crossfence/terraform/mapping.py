"""How a cloud's Terraform resources map to blueprint objects: one mapping per resource type, as data.

Each cloud gives a `TerraformMapping` (`providers/<cloud>/terraform.py`, registered through its
`CloudProvider.terraform`): per resource type, the blueprint object it becomes, the arguments read
into which fields (with the conversion each way, so that the compile target can write `.tf.json`
through the same tables), the arguments ignored and why, and the arguments that could change
reachability but are not modelled (a warning naming the resource when one is set). The `build`
function of a type does what a table cannot: place the object (a firewall rule in its network),
resolve references, join objects that Terraform splits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .values import SENSITIVE, UNKNOWN, at


def label(name: str) -> str:
    """A Terraform resource label for a blueprint name (letters, digits, `_`, `-`), what
    `compile` writes and its round trip reads back."""
    found = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return found if re.match(r"[A-Za-z_]", found) else f"_{found}"


def ref(kind: str, name: str, attribute: str = "id") -> str:
    """A Terraform reference to an attribute of a resource written in the same configuration."""
    return f"${{{kind}.{label(name)}.{attribute}}}"


if TYPE_CHECKING:
    from ..errors import Problem
    from ..model import Blueprint
    from .build import Builder
    from .read import Resource

__all__ = [
    "Argument",
    "ResourceMapping",
    "TerraformMapping",
    "Unmodelled",
    "companion",
    "configuration",
    "identity",
    "label",
    "lower",
    "markdown_table",
    "read_arguments",
    "ref",
]


def identity(value: Any) -> Any:
    return value


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


@dataclass(frozen=True)
class Argument:
    """One Terraform argument read into one blueprint field: `read` converts the argument's value
    into the field's, `write` the field's into the argument's (the compile direction)."""

    name: str
    """The argument, dotted through nested blocks (`bgp.asn`)."""
    field: str
    """The blueprint field it fills."""
    read: Callable[[Any], Any] = identity
    write: Callable[[Any], Any] = identity


@dataclass(frozen=True)
class Unmodelled:
    """An argument that could change what reaches what, which crossfence does not model: a
    warning names the resource when it is set to anything but `default`."""

    name: str
    why: str
    default: Any = None
    absent: Any = None
    """The provider's value when the plan leaves the argument out (a hand-written or partial
    plan): warned like a written one when it is not `default`."""


BuildFunction = Callable[["Resource", "Builder"], None]


@dataclass(frozen=True)
class ResourceMapping:
    """One resource type: the blueprint object it becomes and how."""

    type: str
    """The Terraform resource type (`google_compute_firewall`)."""
    object: str
    """The blueprint object, for the documentation (`networks[].firewall_rules[]`)."""
    build: BuildFunction
    arguments: tuple[Argument, ...] = ()
    """Arguments copied into fields (the rest is read by `build`)."""
    reads: tuple[str, ...] = ()
    """Arguments `build` reads itself (documentation)."""
    ignored: Mapping[str, str] = field(default_factory=dict)
    """Argument -> why it does not change reachability (documentation)."""
    unmodelled: tuple[Unmodelled, ...] = ()
    phase: int = 0
    """Types build in phase order: containers (networks) before what goes in them."""
    docs: str = ""
    """The provider's page for the resource."""


@dataclass(frozen=True)
class TerraformMapping:
    """One cloud's Terraform provider read into the blueprint."""

    provider: str
    """The Terraform provider's name (`google`), as resource types start."""
    cloud: str
    """The crossfence provider its clouds get (`gcp`)."""
    jurisdiction: str
    """The legal jurisdiction of the provider, given to its clouds unless the overlay says otherwise."""
    account: Callable[[Resource], str | None]
    """The account (project) a resource is in, which decides its cloud."""
    region: Callable[[Resource], str | None]
    """The region of a resource (a zone gives its region)."""
    resources: tuple[ResourceMapping, ...]
    silent: Mapping[str, str] = field(default_factory=dict)
    """Resource types read by no mapping because they do not carry traffic, with why (no warning)."""
    finish: Callable[[Builder], None] | None = None
    """Run after every resource of the cloud is built (joins, assumed defaults)."""
    write: Callable[[Blueprint], tuple[dict[str, Any], list[Problem], list[Problem]]] | None = None
    """The compile direction: the Terraform JSON document of the blueprint's objects in this
    provider's clouds, the problems that keep it from being written, and the warnings (None: the
    terraform target does not write this provider yet)."""
    sections: tuple[str, ...] = ()
    """The blueprint sections whose objects (of this provider's clouds) `write` writes."""
    computed: Callable[[str, str, dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    """For the round trip: what the provider computes at apply for a compiled resource (type,
    label, its configured values, the provider block's) that the mappings read back: ids,
    self_links, the provider's default project and region."""
    applied: Callable[[Blueprint, str, str], dict[str, Any]] | None = None
    """For the round trip: the values the provider assigns at apply to a compiled resource (type,
    label), as the blueprint records them (an HA VPN gateway's interface addresses): what a plan
    of the applied configuration shows."""
    workload_kinds: tuple[str, ...] = ("vm",)
    """The kinds of `workloads` that `write` writes (pods are the clusters' manifests, databases
    and load balancer workloads are written where the provider writes them)."""
    writes: Callable[[str, Any], bool] | None = None
    """Whether `write` writes this object of one of `sections` (section, object); one it does
    not is warned about and left to the overlay (None: every object of those sections)."""
    writes_in: Callable[[Blueprint, str, Any], bool] | None = None
    """As `writes`, for a decision that reads other objects of the blueprint (blueprint,
    section, object): an AWS database is written when its VPC has subnets in two zones."""
    overlay_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For the round trip: blueprint section (or `workloads:<kind>`, for one kind of workloads)
    -> the fields of its objects (of this provider's clouds) that no resource argument or
    attribute holds (a value the
    provider assigns that no resource shows, what the blueprint assumes about enforcement): the
    overlay carries them."""

    def by_type(self) -> dict[str, ResourceMapping]:
        return {m.type: m for m in self.resources}


def _nothing(resource: Resource, builder: Builder) -> None:
    del resource, builder


def companion(
    type: str,
    read_with: str,
    reads: tuple[str, ...],
    docs: str = "",
    ignored: Mapping[str, str] | None = None,
    unmodelled: tuple[Unmodelled, ...] = (),
) -> ResourceMapping:
    """A type read only through the resource that refers to it (a Cloud Router's BGP peer is part
    of the VPN tunnel's session): no object of its own, its arguments still documented and its
    unmodelled ones still warned."""
    return ResourceMapping(
        type,
        f"(read with {read_with})",
        _nothing,
        reads=reads,
        ignored=ignored or {},
        unmodelled=unmodelled,
        phase=9,
        docs=docs,
    )


def read_arguments(values: dict[str, Any], arguments: tuple[Argument, ...]) -> dict[str, Any]:
    """The fields the `arguments` table fills from a resource's values: null, `""` and `[]` are
    absent (the model's default stands); an unknown or sensitive value is left to `build`."""
    out: dict[str, Any] = {}
    for argument in arguments:
        value = at(values, *argument.name.split("."))
        if value is None or value == "" or value == [] or value is UNKNOWN or value is SENSITIVE:
            continue
        out[argument.field] = argument.read(value)
    return out


def markdown_table(mappings: tuple[TerraformMapping, ...]) -> str:
    """The documentation table of every mapped resource type (docs/terraform.md keeps it)."""
    lines: list[str] = []
    for mapping in mappings:
        lines += [
            f"### {mapping.provider} (`{mapping.cloud}`)",
            "",
            "| resource type | blueprint object | arguments read | ignored (why) | not modelled (warned when set) |",
            "|---|---|---|---|---|",
        ]
        for resource in mapping.resources:
            read = [f"`{a.name}`" for a in resource.arguments] + [f"`{r}`" for r in resource.reads]
            ignored = [f"`{k}` ({v})" for k, v in resource.ignored.items()]
            unmodelled = [f"`{u.name}` ({u.why})" for u in resource.unmodelled]
            name = (
                f"[`{resource.type}`]({resource.docs})" if resource.docs else f"`{resource.type}`"
            )
            lines.append(
                f"| {name} | `{resource.object}` | {', '.join(read) or '—'} | "
                f"{'; '.join(ignored) or '—'} | {'; '.join(unmodelled) or '—'} |"
            )
        if mapping.silent:
            lines += ["", "Read by no mapping, without a warning (they carry no traffic):", ""]
            lines += [f"- `{t}`: {why}" for t, why in mapping.silent.items()]
        lines.append("")
    return "\n".join(lines)


def configuration(
    provider: str,
    source: str,
    version: str,
    blocks: list[dict[str, Any]],
    variables: dict[str, Any],
    resources: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """A `*.tf.json` document in Terraform's JSON syntax, as every provider's compile writer
    ends it: the provider pinned in `required_providers`, its `provider` blocks, the variables
    (when any) and the resources sorted by type and label, so the same input gives the same bytes."""
    document: dict[str, Any] = {
        "terraform": {"required_providers": {provider: {"source": source, "version": version}}},
        "provider": {provider: blocks},
    }
    if variables:
        document["variable"] = variables
    document["resource"] = {k: dict(sorted(v.items())) for k, v in sorted(resources.items())}
    return document
