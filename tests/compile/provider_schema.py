"""The attribute and block names of a Terraform provider's resources, read from the `@cdktf/provider-*` npm package generated from its schema (`make schemas` packs it into `.cache/npm/`)."""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "PULUMI_SCALEWAY_FILES",
    "Schema",
    "read_pulumi_schema",
    "read_schema",
    "read_schemas",
]

_RETURN = re.compile(r"return \{\n(?P<body>(?:\s+[a-z0-9_]+: .*\n)+)\s+\};")
_FIELD = re.compile(r"^\s+(?P<key>[a-z0-9_]+): (?P<value>.*?),?$")
_NESTED = re.compile(r"\b(?P<fn>[a-zA-Z0-9]+ToTerraform)\b")


@dataclass
class Schema:
    """A resource type's fields: each attribute name, or a block name with its own fields."""

    fields: dict[str, Schema | None] = field(default_factory=dict)
    maps: set[str] = field(default_factory=set)
    """The attributes of map type (cdktf's `hashMapper`): Terraform's JSON syntax writes them as
    objects (`metadata`, `labels`)."""


def _fields(body: str, functions: dict[str, str]) -> Schema:
    schema = Schema()
    for line in body.splitlines():
        found = _FIELD.match(line)
        if not found:
            continue
        nested = [
            m
            for m in _NESTED.findall(found["value"])
            if not m.startswith(("string", "number", "boolean", "hash", "list"))
        ]
        fn = next((n for n in nested if n in functions), None)
        schema.fields[found["key"]] = _fields(functions[fn], functions) if fn else None
        if found["value"].startswith("cdktf.hashMapper("):
            schema.maps.add(found["key"])
    return schema


def read_schemas(package: Path, resource_types: set[str], prefix: str) -> dict[str, Schema]:
    """The fields of each of `resource_types` in the packed npm package, read in one pass (the
    AWS package is 37 MB)."""
    wanted = {
        f"package/lib/{t.removeprefix(prefix).replace('_', '-')}/index.js": t
        for t in resource_types
    }
    texts: dict[str, str] = {}
    with tarfile.open(package) as archive:
        for member in archive:
            if member.name in wanted:
                found = archive.extractfile(member)
                if found is not None:
                    texts[wanted[member.name]] = found.read().decode("utf-8")
    return {t: _schema_of(texts[t], t) if t in texts else Schema() for t in resource_types}


def read_schema(package: Path, resource_type: str, prefix: str = "google_") -> Schema:
    """The fields of `resource_type` (`google_compute_firewall`) in the packed npm package."""
    folder = resource_type.removeprefix(prefix).replace("_", "-")
    with tarfile.open(package) as archive:
        member = archive.extractfile(f"package/lib/{folder}/index.js")
        if member is None:
            raise KeyError(resource_type)
        text = member.read().decode("utf-8")
        # a large resource's nested blocks are in files of their own (`index-structs/`)
        for name in archive.getnames():
            if name.startswith(f"package/lib/{folder}/index-structs/") and name.endswith(".js"):
                found = archive.extractfile(name)
                if found is not None:
                    text += "\n" + found.read().decode("utf-8")
    return _schema_of(text, resource_type)


def _schema_of(text: str, resource_type: str) -> Schema:
    if f'tfResourceType = "{resource_type}"' not in text:
        raise KeyError(resource_type)
    functions = {}
    for found in re.finditer(
        r"^function (?P<fn>\w+ToTerraform)\(struct\) \{\n(?P<code>.*?)^\}", text, re.S | re.M
    ):
        body = _RETURN.search(found["code"])
        if body:
            functions[found["fn"]] = body["body"]
    top = re.search(r"synthesizeAttributes\(\) \{\n\s+" + _RETURN.pattern, text)
    if top is None:
        raise KeyError(resource_type)
    return _fields(top["body"], functions)


PULUMI_SCALEWAY_FILES = {
    "scaleway_vpc": "network/vpc",
    "scaleway_vpc_private_network": "network/privateNetwork",
    "scaleway_vpc_acl": "network/acl",
    "scaleway_vpc_public_gateway": "network/publicGateway",
    "scaleway_vpc_public_gateway_ip": "network/publicGatewayIp",
    "scaleway_vpc_gateway_network": "network/gatewayNetwork",
    "scaleway_instance_security_group": "instance/securityGroup",
    "scaleway_ipam_ip": "ipam/ip",
    "scaleway_s2s_vpn_gateway": "s2svpn/gateway",
    "scaleway_s2s_vpn_customer_gateway": "s2svpn/customerGateway",
    "scaleway_s2s_vpn_routing_policy": "s2svpn/routingPolicy",
    "scaleway_s2s_vpn_connection": "s2svpn/connection",
    "scaleway_lb_ip": "loadbalancers/ip",
    "scaleway_lb": "loadbalancers/loadBalancer",
    "scaleway_lb_backend": "loadbalancers/backend",
    "scaleway_lb_frontend": "loadbalancers/frontend",
    "scaleway_lb_acl": "loadbalancers/acl",
    "scaleway_instance_server": "instance/server",
    "scaleway_instance_private_nic": "instance/privateNic",
    "scaleway_instance_ip": "instance/ip",
    "scaleway_k8s_cluster": "kubernetes/cluster",
    "scaleway_k8s_pool": "kubernetes/pool",
    "scaleway_rdb_instance": "databases/instance",
    "scaleway_object_bucket": "object/bucket",
    "scaleway_object_bucket_server_side_encryption_configuration": (
        "object/bucketServerSideEncryptionConfiguration"
    ),
    "scaleway_key_manager_key": "keymanager/key",
}
"""The `@pulumiverse/scaleway` module of each Terraform resource type compile writes (the
package's `pulumi import` tokens, e.g. `scaleway:network/acl:Acl` for `scaleway_vpc_acl`)."""

_ARG = re.compile(r"^\s+(?P<key>[a-zA-Z0-9]+)\??: (?P<type>.*);$")
_INPUT = re.compile(r"inputs\.(?P<ns>\w+)\.(?P<name>\w+)(?P<list>>\[\])?")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _interface(text: str, name: str) -> str:
    # the interface ends at the brace at its own indentation, not at a member's (`userData?: {`)
    found = re.search(
        r"^(?P<indent>[ \t]*)(?:export )?(?:declare )?interface "
        + name
        + r" \{\n(?P<body>.*?)\n(?P=indent)\}$",
        text,
        re.S | re.M,
    )
    if found is None:
        raise KeyError(name)
    return found["body"]


def _pulumi_fields(body: str, inputs: dict[str, str]) -> Schema:
    schema = Schema()
    for line in body.splitlines():
        found = _ARG.match(line)
        if not found:
            continue
        key = _snake(found["key"])
        nested = _INPUT.search(found["type"])
        fields = None
        if nested:
            fields = _pulumi_fields(_interface(inputs[nested["ns"]], nested["name"]), inputs)
        schema.fields[key] = fields
        if "[]" in found["type"] and key.endswith("s"):
            # the bridge names a list in the plural (`inbound_rule` is `inboundRules`,
            # `ip_subnet` is `ipSubnets`): the singular is the Terraform name
            schema.fields[key[:-1]] = fields
    return schema


def read_pulumi_schema(package: Path, resource_type: str) -> Schema:
    """The fields of `resource_type` (`scaleway_vpc_acl`) in the packed `@pulumiverse/scaleway`
    package, bridged from the Scaleway Terraform provider: its `<Resource>Args` interface, names
    back in snake_case, nested inputs from `types/input.d.ts`."""
    module = PULUMI_SCALEWAY_FILES[resource_type]
    with tarfile.open(package) as archive:
        resource = archive.extractfile(f"package/{module}.d.ts")
        types = archive.extractfile("package/types/input.d.ts")
        if resource is None or types is None:
            raise KeyError(resource_type)
        text = resource.read().decode("utf-8")
        input_text = types.read().decode("utf-8")
    inputs = {
        found["ns"]: found["body"]
        for found in re.finditer(
            r"^export declare namespace (?P<ns>\w+) \{\n(?P<body>.*?)^\}", input_text, re.S | re.M
        )
    }
    name = module.rsplit("/", 1)[1]
    return _pulumi_fields(_interface(text, name[0].upper() + name[1:] + "Args"), inputs)
