"""Terraform resources into the blueprint's dict form: clouds, names, references, where each object came from, unknowns and warnings."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem
from .mapping import ResourceMapping, TerraformMapping, Unmodelled, read_arguments
from .read import Resource
from .refs import ResourceIndex
from .values import SENSITIVE, UNKNOWN, at

__all__ = ["SILENT_PROVIDERS", "Builder", "Origin", "address_path", "sanitize"]

SILENT_PROVIDERS = frozenset(
    {
        "random",
        "null",
        "time",
        "tls",
        "local",
        "archive",
        "external",
        "http",
        "terraform",
        "cloudinit",
    }
)
"""Providers whose resources never carry or filter traffic (generated values, files, timers):
not listed as unread."""

_NAME_BAD = re.compile(r"[^a-z0-9._/-]+")


def sanitize(text: str) -> str:
    """A cloud name as a blueprint name: lowercase; other characters become `-`."""
    name = _NAME_BAD.sub("-", text.lower()).strip("-._/")
    return (name or "unnamed")[:128].rstrip("-._/")


def address_path(resource: Resource, *path: str | int) -> str:
    """`google_compute_instance.vm[0]` + (`network_interface`, 0, `network_ip`) as Terraform writes it."""
    out = resource.address
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@dataclass
class Origin:
    """Where a blueprint object came from: its resource, and which argument each field was read from."""

    resource: Resource
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Unknown:
    obj: dict[str, Any]
    path: tuple[str | int, ...]
    resource: Resource
    attribute: str
    stand_in: str | None


class Builder:
    """The blueprint being built from every file's resources: what each mapping adds to."""

    def __init__(
        self,
        index: ResourceIndex,
        mappings: tuple[TerraformMapping, ...],
        names: Mapping[str, str] | None = None,
        overlay_clouds: Iterable[dict[str, Any]] = (),
    ) -> None:
        self.index = index
        self.mappings = mappings
        self.sections: dict[str, list[dict[str, Any]]] = {}
        self.origins: dict[int, Origin] = {}
        self._alive: list[dict[str, Any]] = []
        self.objects: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self.problems: list[Problem] = []
        self.unknowns: list[_Unknown] = []
        self.renames = dict(names or {})
        self.state: dict[str, Any] = {}
        """Scratch space the mappings share (tunnel halves, joins), by key."""
        self._taken: dict[str, set[str]] = {}
        # per (scope, name): the next suffix to try, so that n resources of one name cost n
        # steps, not n² (a plan of 20,000 took 35 s)
        self._next: dict[tuple[str, str], int] = {}
        self._public = 0
        self._by_type = {t: (m, r) for m in mappings for t, r in m.by_type().items()}
        self._provider = {m.provider: m for m in mappings}
        self.cloud_names: dict[tuple[str, str | None], str] = {}
        self._sole: dict[str, str] = {}
        self._overlay_clouds = list(overlay_clouds)

    # -- what is read ------------------------------------------------------------------------
    def mapping_of(self, resource: Resource) -> TerraformMapping | None:
        found = self._by_type.get(resource.type)
        if found is not None:
            return found[0]
        return self._provider.get(resource.type.split("_", 1)[0])

    def build(self) -> None:
        """Every managed resource through its type's mapping, phase by phase; unread types warned once each."""
        self._clouds()
        todo: list[tuple[int, int, Resource, ResourceMapping]] = []
        unread: dict[str, list[Resource]] = {}
        order = 0
        for file in self.index.files:
            for resource in file.resources:
                if resource.mode != "managed":
                    continue
                found = self._by_type.get(resource.type)
                if found is None:
                    mapping = self._provider.get(resource.type.split("_", 1)[0])
                    silent = mapping is not None and resource.type in mapping.silent
                    provider = resource.provider_name or resource.type.split("_", 1)[0]
                    if not silent and provider not in SILENT_PROVIDERS:
                        unread.setdefault(resource.type, []).append(resource)
                    continue
                todo.append((found[1].phase, order, resource, found[1]))
                order += 1
        todo.sort(key=lambda item: (item[0], item[1]))
        for _, _, resource, resource_mapping in todo:
            self._unmodelled(resource, resource_mapping.unmodelled)
            resource_mapping.build(resource, self)
        for cloud_mapping in self.mappings:
            if cloud_mapping.finish is not None:
                cloud_mapping.finish(self)
        from .tunnels import join_tunnels

        join_tunnels(self)
        self._stand_ins()
        for kind, resources in sorted(unread.items()):
            first = resources[0]
            count = len(resources)
            self.problems.append(
                Problem(
                    f"{count} resource{'s' if count != 1 else ''} of type {kind} not read (first: "
                    f"{first.address}): crossfence does not model it, so what it does to traffic "
                    "is not in any answer (expected a type listed in docs/terraform.md)",
                    file=first.file,
                    line=first.line,
                    column=first.column,
                    path=first.address,
                    severity="warning",
                    code="terraform-unread",
                )
            )

    # -- clouds ------------------------------------------------------------------------------
    def _clouds(self) -> None:
        accounts: dict[tuple[str, str | None], list[Resource]] = {}
        for file in self.index.files:
            for resource in file.resources:
                if resource.mode != "managed" or resource.type not in self._by_type:
                    continue
                mapping = self._by_type[resource.type][0]
                accounts.setdefault((mapping.cloud, mapping.account(resource)), []).append(resource)
        # a resource that does not say its account (a perimeter of an access policy) is in the
        # provider's only one
        for cloud, account in list(accounts):
            others = [a for c, a in accounts if c == cloud and a is not None]
            if account is None and len(others) == 1:
                accounts[(cloud, others[0])].extend(accounts.pop((cloud, None)))
                self._sole[cloud] = others[0]
        per_provider: dict[str, int] = {}
        for cloud, _ in accounts:
            per_provider[cloud] = per_provider.get(cloud, 0) + 1
        used: set[str] = set()
        for (cloud, account), resources in accounts.items():
            name = None
            matches = [
                c
                for c in self._overlay_clouds
                if (account is not None and str(c.get("project")) == account)
                or (c.get("provider") == cloud and per_provider[cloud] == 1 and "project" not in c)
            ]
            if len(matches) == 1 and isinstance(matches[0].get("name"), str):
                name = matches[0]["name"]
            if name is None:
                base = (
                    cloud if per_provider[cloud] == 1 or account is None else f"{cloud}-{account}"
                )
                name = sanitize(base)
            while name in used:
                name = f"{name}-{len(used)}"
            used.add(name)
            self.cloud_names[(cloud, account)] = name
            mapping = next(m for m in self.mappings if m.cloud == cloud)
            regions = [r for r in (mapping.region(res) for res in resources) if r]
            region = max(set(regions), key=regions.count) if regions else None
            obj: dict[str, Any] = {
                "name": name,
                "provider": cloud,
                "jurisdiction": mapping.jurisdiction,
            }
            if region:
                obj["region"] = region
            if account:
                obj["project"] = account
            self.add(
                "clouds",
                obj,
                resources[0],
                {"project": "project", "region": "region"},
                register=False,
            )

    def cloud(self, resource: Resource) -> str:
        """The name of the cloud a resource is in."""
        mapping = self._by_type[resource.type][0]
        account = mapping.account(resource)
        if account is None:
            account = self._sole.get(mapping.cloud)
        return self.cloud_names[(mapping.cloud, account)]

    def region(self, resource: Resource) -> str | None:
        mapping = self._by_type[resource.type][0]
        return mapping.region(resource)

    # -- names -------------------------------------------------------------------------------
    def name(self, resource: Resource, preferred: Any = None, scope: str = "") -> str:
        """The blueprint name of what `resource` becomes: the overlay's, the cloud's name, or its
        Terraform name and key; unique within `scope` (a section, or a parent's list)."""
        chosen = self.planned_name(resource, preferred)
        taken = self._taken.setdefault(scope, set())
        unique = chosen
        counter = self._next.get((scope, chosen), 2)
        while unique in taken:
            unique = f"{chosen}-{counter}"
            counter += 1
        self._next[(scope, chosen)] = counter
        taken.add(unique)
        return unique

    def planned_name(self, resource: Resource, preferred: Any = None) -> str:
        """The name `name` gives a resource read later (without taking it)."""
        renamed = self.renames.get(resource.address)
        if renamed is not None:
            return renamed
        if isinstance(preferred, str) and preferred:
            return sanitize(preferred)
        key = "" if resource.index is None else f"-{resource.index}"
        return sanitize(f"{resource.name}{key}".replace("_", "-"))

    # -- objects -----------------------------------------------------------------------------
    def add(
        self,
        section: str,
        obj: dict[str, Any],
        resource: Resource,
        fields: Mapping[str, str] | None = None,
        *,
        register: bool = True,
    ) -> dict[str, Any]:
        """A top-level object read from `resource` (`fields`: blueprint field -> argument)."""
        self.sections.setdefault(section, []).append(obj)
        self._origin(obj, resource, fields)
        if register:
            self.objects[(resource.file, resource.address)] = (section, obj)
        return obj

    def child(
        self,
        parent: dict[str, Any],
        key: str,
        obj: dict[str, Any],
        resource: Resource,
        fields: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """An object read from `resource` inside `parent`'s list `key`."""
        parent.setdefault(key, []).append(obj)
        self._origin(obj, resource, fields)
        self.objects.setdefault((resource.file, resource.address), ("", obj))
        return obj

    def record(
        self, obj: dict[str, Any], resource: Resource, fields: Mapping[str, str] | None = None
    ) -> None:
        """Remember that an object the mapping places itself (a network's `acl`) was read from `resource`."""
        self._origin(obj, resource, fields)
        self.objects.setdefault((resource.file, resource.address), ("", obj))

    def _origin(
        self, obj: dict[str, Any], resource: Resource, fields: Mapping[str, str] | None
    ) -> None:
        self.origins[id(obj)] = Origin(resource, fields or {})
        self._alive.append(obj)

    def fields(self, resource: Resource, mapping_type: str | None = None) -> dict[str, Any]:
        """The fields the type's argument table fills."""
        mapping = self._by_type[mapping_type or resource.type][1]
        return read_arguments(resource.values, mapping.arguments)

    def argument_fields(self, mapping_type: str) -> dict[str, str]:
        """Blueprint field -> argument, from a type's table (for messages)."""
        mapping = self._by_type[mapping_type][1]
        return {a.field: a.name for a in mapping.arguments}

    def object_of(
        self, resource: Resource | None, section: str | None = None
    ) -> dict[str, Any] | None:
        """The object a resource became (None if it became none, or one of another section)."""
        if resource is None:
            return None
        found = self.objects.get((resource.file, resource.address))
        if found is None or (section is not None and found[0] != section):
            return None
        return found[1]

    # -- values and references ---------------------------------------------------------------
    def text(self, resource: Resource, *path: str | int) -> str | None:
        value = at(resource.values, *path)
        return value if isinstance(value, str) and value else None

    def ref(
        self,
        resource: Resource,
        path: tuple[str | int, ...],
        types: tuple[str, ...],
        *,
        value: Any = None,
    ) -> Resource | None:
        """The resource of `types` that the attribute at `path` (or `value`) names; None when it
        is absent. A value that names nothing in the files, or an unknown one the configuration
        does not resolve, is an error naming the attribute."""
        if value is None:
            value = at(resource.values, *path)
        if value is None or value == "" or value is SENSITIVE:
            return None
        what = " or ".join(types)
        if value is UNKNOWN:
            found = self.index.through_configuration(resource, path)
            if isinstance(found, tuple):
                value = found[1]
            elif isinstance(found, list) and found:
                matching = [r for r in found if r.type in types]
                if len(matching) == 1:
                    return matching[0]
                self.error(
                    resource,
                    path,
                    f"refers to {', '.join(r.address for r in found)} (expected one {what})",
                    "unknown-reference",
                )
                return None
            else:
                self.error(
                    resource,
                    path,
                    f"is known only after apply and the plan's configuration does not say which "
                    f"{what} it names (expected a reference the configuration resolves)",
                    "unknown-reference",
                )
                return None
        if not isinstance(value, str):
            return None
        found_by_value = self.index.lookup(types, value)
        if len(found_by_value) > 1:
            same = [r for r in found_by_value if r.file == resource.file]
            found_by_value = same if len(same) == 1 else found_by_value
        if len(found_by_value) == 1:
            return found_by_value[0]
        if found_by_value:
            self.error(
                resource,
                path,
                f"{value!r} names {len(found_by_value)} resources ("
                f"{', '.join(r.address for r in found_by_value[:3])}) (expected one {what})",
                "unknown-reference",
            )
            return None
        self.error(
            resource,
            path,
            f"refers to {value!r}, which is no {what} of the files read (expected the file that "
            "holds it among the inputs: several plans or states combine into one estate)",
            "unknown-reference",
        )
        return None

    def refs(
        self, resource: Resource, path: tuple[str | int, ...], types: tuple[str, ...]
    ) -> list[Resource]:
        """The resources of `types` a list attribute (at `path`) names, each found as `ref` finds
        it. A list known only after apply as a whole (computed when the configuration sets none,
        or built from values the plan creates) is resolved through the configuration; a list
        the configuration sets but does not resolve is an error naming the attribute; one it
        does not set names nothing (the provider fills it from elsewhere)."""
        value = at(resource.values, *path)
        if value is UNKNOWN:
            file = self.index.file_of.get(resource.file)
            found = self.index.through_configuration(resource, path)
            if isinstance(found, list) and found:
                return [r for r in found if r.type in types]
            if file is not None and file.configuration is not None and found is None:
                return []
            self.error(
                resource,
                path,
                f"is known only after apply and the plan's configuration does not say which "
                f"{' or '.join(types)} it names (expected references the configuration resolves)",
                "unknown-reference",
            )
            return []
        out = []
        for index, item in enumerate(value) if isinstance(value, list) else ():
            found_one = self.ref(resource, (*path, index), types, value=item)
            if found_one is not None:
                out.append(found_one)
        return out

    def error(
        self,
        resource: Resource,
        path: tuple[str | int, ...] | str,
        message: str,
        code: str = "invalid-value",
        severity: str = "error",
    ) -> None:
        """A problem at an attribute of a resource (`plan.json:1:2345: ADDRESS.ATTRIBUTE: message`)."""
        where = (
            address_path(resource, *path)
            if isinstance(path, tuple)
            else (f"{resource.address}.{path}" if path else resource.address)
        )
        self.problems.append(
            Problem(
                message,
                file=resource.file,
                line=resource.line,
                column=resource.column,
                path=where,
                severity="warning" if severity == "warning" else "error",
                code=code,
            )
        )

    def warn(
        self,
        resource: Resource,
        path: tuple[str | int, ...] | str,
        message: str,
        code: str = "terraform-unmodelled",
    ) -> None:
        self.error(resource, path, message, code, "warning")

    def _unmodelled(self, resource: Resource, arguments: tuple[Unmodelled, ...]) -> None:
        for argument in arguments:
            value = at(resource.values, *argument.name.split("."))
            absent = value is None and argument.absent is not None
            if absent:
                value = argument.absent
            if (
                value in (None, "", [], {}, False)
                or value == argument.default
                or value is SENSITIVE
            ):
                continue
            shown = "(known after apply)" if value is UNKNOWN else _short(value)
            if absent:
                shown = f"absent, so {shown} (the provider's default)"
            self.warn(
                resource,
                argument.name,
                f"is {shown}, which crossfence does not model: {argument.why} (answers ignore it)",
            )

    # -- unknowns ----------------------------------------------------------------------------
    def unknown(
        self,
        obj: dict[str, Any],
        path: tuple[str | int, ...],
        resource: Resource,
        attribute: tuple[str | int, ...],
        stand_in: str | None = None,
    ) -> None:
        """Record that the field at `path` of `obj` holds a value the plan does not know yet
        (`stand_in` in its place, or None when the entry was left out)."""
        self.unknowns.append(
            _Unknown(obj, path, resource, address_path(resource, *attribute), stand_in)
        )

    def pending_address(
        self,
        obj: dict[str, Any],
        key: str,
        subnet: dict[str, Any],
        resource: Resource,
        attribute: tuple[str | int, ...],
    ) -> None:
        """A private address to be allocated in `subnet` (unknown until apply): a stand-in no
        workload uses is appended to `obj[key]` once every known address is read."""
        self.state.setdefault("_pending", []).append((obj, key, subnet, resource, attribute))

    def _stand_ins(self) -> None:
        pending = self.state.get("_pending", [])
        if not pending:
            return
        taken = {
            str(a)
            for w in self.sections.get("workloads", [])
            for a in (w.get("addresses") or ())
            if isinstance(a, str)
        }
        for obj, key, subnet, resource, attribute in pending:
            address = self.private_stand_in(str(subnet.get("cidr")), taken)
            if address is None:
                self.error(
                    resource,
                    attribute,
                    f"is known only after apply and subnet {subnet.get('name')} has no free address to stand for it",
                )
                continue
            values = obj.setdefault(key, [])
            self.unknown(obj, (key, len(values)), resource, attribute, address)
            values.append(address)

    def public_stand_in(self) -> str:
        """An address standing for a public one to be allocated: from 192.0.2.0/24 (TEST-NET-1,
        RFC 5737), which no real estate uses."""
        self._public += 1
        return str(ipaddress.IPv4Address("192.0.2.0") + self._public)

    def private_stand_in(self, cidr: str, taken: set[str]) -> str | None:
        """An address of `cidr` no workload uses, from the top of the range down."""
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError:
            return None
        candidate = int(network.broadcast_address) - 1
        while candidate > int(network.network_address):
            text = str(ipaddress.IPv4Address(candidate))
            if text not in taken:
                taken.add(text)
                return text
            candidate -= 1
        return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
